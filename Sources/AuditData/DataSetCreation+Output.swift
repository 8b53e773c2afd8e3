import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DataSetCreation {
    /// The provenance, notice and metadata files, by the base names they are copied under.
    struct ExtraFiles {
        var files: [String: Data] = [:]
        var provenance: String?
        var notice: String?
        var metadata: String?
    }

    /// Refuses an `output` that is a file or a non-empty directory (before anything is read).
    func checkOutput() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) else { return }
        let entries = isDirectory.boolValue ? try? FileManager.default.contentsOfDirectory(atPath: output.path) : nil
        guard entries?.isEmpty == true else { throw AuditDataError.outputExists(path: output.path) }
    }

    /// Reads the provenance, notice and metadata files; a base name that another file of the data
    /// set already has (`taken`, `manifest.json`, or one of these three) is an error.
    func readExtraFiles(taken: Set<String>) throws -> ExtraFiles {
        var owner: [String: String] = Dictionary(uniqueKeysWithValues: taken.map { ($0, "a file miaudit writes") })
        owner[DataSetManifest.fileName] = "the manifest"
        var extras = ExtraFiles()
        for (option, url) in [("--provenance", provenance), ("--notice", notice), ("--metadata", metadata)] {
            guard let url else { continue }
            let name = url.lastPathComponent
            if let other = owner[name] {
                throw AuditDataError.invalid(path: url.path, problem: "would be copied as '\(name)', the name of \(other) in the data set",
                                             fix: "copy it to a file with another name and give that to \(option)")
            }
            owner[name] = "the \(option.dropFirst(2)) file"
            extras.files[name] = try FileAccess.read(url, role: "the \(option.dropFirst(2)) file")
            switch option {
            case "--provenance": extras.provenance = name
            case "--notice": extras.notice = name
            default: extras.metadata = name
            }
        }
        return extras
    }

    /// Writes `files` and the manifest into a hidden sibling of `output`, loads the result, and
    /// renames it to `output`. On any failure the sibling is removed and `output` is left as it was.
    func writeIntoPlace(files: [String: Data], manifest: Data) throws -> PairDataSet {
        let parent = output.deletingLastPathComponent()
        try FileAccess.createDirectory(parent)
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).partial-\(UUID().uuidString)")
        try FileAccess.createDirectory(staging)
        do {
            for name in files.keys.sorted() {
                try FileAccess.write(files[name] ?? Data(), to: staging.appendingPathComponent(name))
            }
            try FileAccess.write(manifest, to: staging.appendingPathComponent(DataSetManifest.fileName))
            try afterWriting?(staging)
            let dataSet: PairDataSet
            do {
                dataSet = try PairDataSet.load(directory: staging)
            } catch let error as AuditDataError {
                throw AuditDataError.invalid(path: output.path, problem: "the data set did not load after it was written, so it was removed (\(error))",
                                             fix: "correct the input the message names; if it names none, report this as a bug in miaudit data create")
            }
            guard rename(staging.path, output.path) == 0 else {
                let code = errno
                if code == ENOTEMPTY || code == EEXIST || code == ENOTDIR { throw AuditDataError.outputExists(path: output.path) }
                throw AuditDataError.cannotWrite(path: output.path, reason: String(cString: strerror(code)))
            }
            return dataSet.relocated(to: output)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }
}

extension PairDataSet {
    /// The same data set at `directory` (after its directory was renamed there).
    func relocated(to directory: URL) -> PairDataSet {
        PairDataSet(directory: directory, manifest: manifest, digest: digest, count: count, imageShape: imageShape,
                    images: images, texts: texts, paraphrases: paraphrases, groups: groups, ids: ids, splits: splits,
                    labels: labels, classes: classes)
    }
}
