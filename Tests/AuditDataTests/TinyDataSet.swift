import Foundation
import Testing
@testable import AuditData

/// A 12-row pair data set written to a directory, with hooks to break it in one place.
///
/// Groups: rows 0–1 are group 0, rows 4–5 group 3, every other row its own group. Splits:
/// train = groups 0–4 (rows 0–6), forget = row 2, holdout = rows 7–8, validation = row 9, test = rows 10–11.
struct TinyDataSet {
    var images = NPYArray(uint8: (0..<(12 * 12)).map { UInt8($0 % 256) }, shape: [12, 2, 2, 3])
    var texts = NPYArray(float16: (0..<48).map { Float($0) / 64 }, shape: [12, 4])
    var paraphrases: NPYArray? = NPYArray(float16: (0..<48).map { Float($0) / -64 }, shape: [12, 4])
    var groups = NPYArray(int64: [0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9])
    var ids: [String] = (0..<12).map { "row-\($0)" }
    var pixelScale: Double = 255
    var splits: [String: [Int]] = [
        "train": [0, 1, 2, 3, 4, 5, 6], "forget": [2], "retain": [0, 1, 3, 4, 5, 6],
        "holdout": [7, 8], "validation": [9], "test": [10, 11],
    ]

    /// Writes the files and a manifest (edited by `edit` before writing); returns the directory.
    @discardableResult
    func write(to directory: URL, edit: (inout DataSetManifest) -> Void = { _ in }) throws -> URL {
        var files: [String: Data] = [
            "images.npy": NPY.encode(images), "texts.npy": NPY.encode(texts), "groups.npy": NPY.encode(groups),
            "ids.json": try JSONEncoder().encode(ids), "NOTICE.txt": Data("tiny test data\n".utf8),
        ]
        if let paraphrases { files["paraphrases.npy"] = NPY.encode(paraphrases) }
        for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
        var manifest = DataSetManifest(
            name: "tiny", files: files.mapValues { DataSetManifest.FileEntry(describing: $0) },
            arrays: .init(images: .init(file: "images.npy", describing: images),
                          texts: .init(file: "texts.npy", describing: texts),
                          paraphrases: paraphrases.map { .init(file: "paraphrases.npy", describing: $0) },
                          groups: .init(file: "groups.npy", describing: groups)),
            pixelScale: pixelScale, ids: "ids.json", splits: splits, splitSeed: 0, notice: "NOTICE.txt")
        edit(&manifest)
        try manifest.encoded().write(to: directory.appendingPathComponent(DataSetManifest.fileName))
        return directory
    }

    /// Writes the data set to a fresh temporary directory and loads it, returning the error thrown.
    func loadError(edit: (inout DataSetManifest) -> Void = { _ in }, after: (URL) throws -> Void = { _ in })
        throws -> (AuditDataError?, URL) {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try write(to: directory, edit: edit)
        try after(directory)
        return (expectAuditError { _ = try PairDataSet.load(directory: directory) }, directory)
    }
}
