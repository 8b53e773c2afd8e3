import Foundation
import NumericCore
import Testing
@testable import AuditData

@Suite("Pair data sets load and refuse bad input")
struct PairDataSetTests {
    @Test("a valid data set loads with every field")
    func loads() throws {
        try TestSupport.withTemporaryDirectory { directory in
            try TinyDataSet().write(to: directory)
            let dataSet = try PairDataSet.load(directory: directory)
            #expect(dataSet.count == 12)
            #expect(dataSet.imageShape == [2, 2, 3])
            #expect(dataSet.images.rows == 12 && dataSet.images.columns == 12)
            #expect(dataSet.images[1, 0] == Float(12) / 255)
            #expect(dataSet.texts.columns == 4 && dataSet.texts[0, 1] == Float(1) / 64)
            #expect(dataSet.paraphrases?[0, 1] == Float(-1) / 64)
            #expect(dataSet.groups == [0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9])
            #expect(dataSet.ids[11] == "row-11")
            #expect(try dataSet.indices(ofSplit: "holdout") == [7, 8])
            let manifestBytes = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
            #expect(dataSet.digest == FileAccess.sha256Hex(manifestBytes))
            let unknown = expectAuditError { _ = try dataSet.indices(ofSplit: "tset") }
            #expect(unknown?.exitStatus == .usage)
            #expect(unknown?.description == "\(directory.path)/manifest.json: there is no split named 'tset'; available splits: forget, holdout, retain, test, train, validation.")
        }
    }

    @Test("paraphrases are optional")
    func noParaphrases() throws {
        try TestSupport.withTemporaryDirectory { directory in
            var tiny = TinyDataSet()
            tiny.paraphrases = nil
            try tiny.write(to: directory)
            #expect(try PairDataSet.load(directory: directory).paraphrases == nil)
        }
    }

    @Test("the manifest encodes deterministically and decodes to itself")
    func manifestStable() throws {
        try TestSupport.withTemporaryDirectory { directory in
            try TinyDataSet().write(to: directory)
            let first = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
            let manifest = try DataSetManifest.decode(first, path: "m")
            #expect(manifest.encoded() == first)
            let text = String(decoding: first, as: UTF8.self)
            #expect(text.contains("\"pixel_scale\" : 255"))
            #expect(text.contains("\"dtype\" : \"|u1\""))
        }
    }

    @Test("a missing manifest, and a file the manifest names that is missing, are noInput")
    func missingFile() throws {
        try TestSupport.withTemporaryDirectory { directory in
            let none = expectAuditError { _ = try PairDataSet.load(directory: directory) }
            #expect(none?.exitStatus == .noInput)
            #expect(none?.description == "\(directory.path)/manifest.json: no such file (the data-set manifest); check the path, or rebuild the data set if the file was deleted.")
        }
        let (error, directory) = try TinyDataSet().loadError(after: { directory in
            try FileManager.default.removeItem(at: directory.appendingPathComponent("texts.npy"))
        })
        #expect(error?.exitStatus == .noInput)
        #expect(error?.description == "\(directory.path)/texts.npy: no such file (listed in manifest.json); check the path, or rebuild the data set if the file was deleted.")
    }

    @Test("a changed file fails its SHA-256")
    func wrongHash() throws {
        var altered = TinyDataSet().images.data
        altered[0] = 99
        let changed = NPY.encode(NPYArray(uint8: altered, shape: [12, 2, 2, 3]))
        let (error, directory) = try TinyDataSet().loadError(after: { directory in
            try changed.write(to: directory.appendingPathComponent("images.npy"))
        })
        let actual = FileAccess.sha256Hex(changed)
        let expected = FileAccess.sha256Hex(NPY.encode(TinyDataSet().images))
        #expect(error?.exitStatus == .data)
        #expect(error?.description == "\(directory.path)/images.npy: SHA-256 is \(actual) but manifest.json says \(expected); the file changed since manifest.json was written — rebuild the manifest or restore the file.")
    }

    @Test("overlapping splits name both splits and a row")
    func overlappingSplits() throws {
        let (error, directory) = try TinyDataSet().loadError { $0.splits["test"] = [6, 10, 11] }
        #expect(error?.exitStatus == .data)
        #expect(error?.description == "\(directory.path)/manifest.json: splits 'train' and 'test' share 1 row(s), e.g. row 6; they must be disjoint, so remove the shared rows from one of them.")
    }

    @Test("a group on both sides of two splits names the group and the splits")
    func groupStraddles() throws {
        var tiny = TinyDataSet()
        tiny.groups = NPYArray(int64: [0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 4])
        let (error, directory) = try tiny.loadError()
        #expect(error?.description == "\(directory.path)/manifest.json: group 4 has rows in both 'train' (row 6) and 'test' (row 11); splits are made by group, so move all of that group's rows to one side.")
        let (forgetError, _) = try TinyDataSet().loadError {
            $0.splits["forget"] = [4]
            $0.splits["retain"] = [0, 1, 2, 3, 5, 6]
        }
        #expect(forgetError == .groupStraddles(manifest: "\(directory.deletingLastPathComponent().path)/\(forgetErrorDirectory(forgetError))/manifest.json",
                                               group: 3, first: "forget", firstRow: 4, second: "retain", secondRow: 5))
    }

    /// The directory component of a straddle error's manifest path (temporary directories differ per call).
    private func forgetErrorDirectory(_ error: AuditDataError?) -> String {
        guard case let .groupStraddles(manifest, _, _, _, _, _)? = error else { return "" }
        return URL(fileURLWithPath: manifest).deletingLastPathComponent().lastPathComponent
    }

    @Test("NaN in the features names the file and the first bad row")
    func nonFinite() throws {
        var tiny = TinyDataSet()
        var values = tiny.texts.floats()
        values[4 * 5 + 2] = .nan
        values[4 * 7] = .infinity
        tiny.texts = NPYArray(float16: values, shape: [12, 4])
        let (error, directory) = try tiny.loadError()
        #expect(error?.exitStatus == .data)
        #expect(error?.description == "\(directory.path)/texts.npy: row 5 (column 2) is NaN or infinite; every feature must be finite, so fix or drop that row and rebuild the data set.")
    }

    @Test("a split index out of range, unsorted splits, and broken subset rules", arguments: [
        ("validation", [9, 12], "split 'validation' holds row 12, outside 0..<12; use row indices below the data set's 12 rows"),
        ("validation", [9, 9], "split 'validation' is not strictly increasing (row 9 at position 1 follows 9); sort the list and remove duplicates"),
        ("forget", [7], "split 'forget' holds row 7, which is not in 'train'; forget must be a subset of train, so add the row to train or drop it from forget"),
        ("retain", [0, 1, 3, 4, 5], "split 'retain' lacks row 6, which is in 'train' but not in 'forget'; retain must be exactly train minus forget"),
        ("retain", [0, 1, 2, 3, 4, 5, 6], "split 'retain' holds row 2, which is in 'forget'; retain must be exactly train minus forget"),
        ("holdout", [7], "split 'holdout' has 1 rows but 'forget' has 2; holdout must be at least as large as forget, so move groups into holdout or shrink forget"),
    ])
    func splitRules(split: String, rows: [Int], problem: String) throws {
        let (error, directory) = try TinyDataSet().loadError { manifest in
            manifest.splits[split] = rows
            if split == "holdout" {
                manifest.splits["forget"] = [0, 1]
                manifest.splits["retain"] = [2, 3, 4, 5, 6]
            }
        }
        #expect(error?.exitStatus == .data)
        #expect(error?.description == "\(directory.path)/manifest.json: \(problem).")
    }

    @Test("a float array where an integer one is expected, and a wrong dtype for texts")
    func wrongDTypes() throws {
        var tiny = TinyDataSet()
        tiny.texts = NPYArray(int64: Array(0..<48), shape: [12, 4])
        let (error, directory) = try tiny.loadError()
        #expect(error?.description == "\(directory.path)/texts.npy: dtype <i8 is not allowed for the texts array (allowed: <f2, <f4, <f8); save the texts with one of those dtypes and rebuild the manifest.")
        var floatGroups = TinyDataSet()
        floatGroups.groups = NPYArray(float32: [0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9])
        let (groupError, groupDirectory) = try floatGroups.loadError()
        #expect(groupError?.description == "\(groupDirectory.path)/groups.npy: dtype <f4 is not allowed for the groups array (allowed: <i4, <i8); save the groups with one of those dtypes and rebuild the manifest.")
        let (mismatch, mismatchDirectory) = try TinyDataSet().loadError { $0.arrays.texts?.dtype = .float32 }
        #expect(mismatch?.description == "\(mismatchDirectory.path)/texts.npy: dtype <f2 and shape [12, 4] differ from <f4 [12, 4] in manifest.json; rebuild the manifest or restore the file.")
    }

    @Test("rows that disagree between arrays, and a manifest field that is wrong")
    func shapesAndFields() throws {
        var tiny = TinyDataSet()
        tiny.groups = NPYArray(int64: Array(0..<11))
        let (rows, directory) = try tiny.loadError()
        #expect(rows?.description == "\(directory.path)/groups.npy: has shape [11] but the groups need [12] (one row per image); store exactly one groups row per example.")
        let (dtype, dtypeDirectory) = try TinyDataSet().loadError(after: { directory in
            let url = directory.appendingPathComponent("manifest.json")
            let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"<f2\"", with: "\"<c8\"")
            try text.write(to: url, atomically: true, encoding: .utf8)
        })
        #expect(dtype?.description.hasPrefix("\(dtypeDirectory.path)/manifest.json: field 'arrays.") == true)
        #expect(dtype?.description.hasSuffix(".dtype' is invalid ('<c8' is not one of |u1, <f2, <f4, <f8, <i4, <i8); correct the field or rebuild the manifest.") == true)
        let (unlisted, unlistedDirectory) = try TinyDataSet().loadError { $0.files["NOTICE.txt"] = nil }
        #expect(unlisted?.description == "\(unlistedDirectory.path)/manifest.json: field 'notice' names 'NOTICE.txt', which is not listed under 'files'; add its sha256 and bytes to 'files' or rebuild the manifest.")
        let (escape, escapeDirectory) = try TinyDataSet().loadError { $0.files["../x"] = .init(sha256: "", bytes: 0) }
        #expect(escape?.description == "\(escapeDirectory.path)/manifest.json: file name '../x' is not a plain relative path; list files relative to the data-set directory, without '..'.")
        let (scale, scaleDirectory) = try TinyDataSet().loadError { $0.pixelScale = 0 }
        #expect(scale?.description == "\(scaleDirectory.path)/manifest.json: field 'pixel_scale' is 0.0; use a positive finite scale, 255 for uint8 pixels.")
        let (version, versionDirectory) = try TinyDataSet().loadError { $0.version = 2 }
        #expect(version?.description == "\(versionDirectory.path)/manifest.json: manifest version 2 is not supported (this miaudit reads version 1); use a matching miaudit or rebuild the data set.")
    }

    @Test("duplicate ids are refused")
    func duplicateIDs() throws {
        var tiny = TinyDataSet()
        tiny.ids[7] = "row-3"
        let (error, directory) = try tiny.loadError()
        #expect(error?.description == "\(directory.path)/ids.json: id 'row-3' appears at rows 3 and 7; make every id unique.")
    }
}
