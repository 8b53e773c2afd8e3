import Foundation
import Testing
@testable import AuditData

/// Inputs of `DataSetCreation` in a fresh temporary directory: `images.npy` (uint8 [n, 2, 2, 3]),
/// `texts.npy` (float32 [n, 4]) and a rows file; the data set goes to `out` beside them.
struct CreationInputs {
    let directory: URL
    let rowsURL: URL

    /// `count` rows `r00`, `r01`, … in groups of two named `g0`, `g1`, …, with `extra` columns appended.
    static func csv(count: Int, header extra: String = "", cells: (Int) -> String = { _ in "" }) -> String {
        "id,group" + extra + "\n" + (0..<count).map { "r\($0 < 10 ? "0" : "")\($0),g\($0 / 2)" + cells($0) + "\n" }.joined()
    }

    init(count: Int = 12, rows: String? = nil, rowsName: String = "rows.csv") throws {
        directory = try TestSupport.temporaryDirectory()
        rowsURL = directory.appendingPathComponent(rowsName)
        try NPY.encode(NPYArray(uint8: (0..<(count * 12)).map { UInt8($0 % 251) }, shape: [count, 2, 2, 3]))
            .write(to: url("images.npy"))
        try NPY.encode(NPYArray(float32: (0..<(count * 4)).map { Float($0) / 8 }, shape: [count, 4])).write(to: url("texts.npy"))
        try Data((rows ?? Self.csv(count: count)).utf8).write(to: rowsURL)
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func write(_ name: String, _ data: Data) throws { try data.write(to: url(name)) }

    func write(_ name: String, _ array: NPYArray) throws { try NPY.encode(array).write(to: url(name)) }

    /// An image–text creation into `out` with the default options.
    func creation(_ output: String = "out", task: DataSetCreation.Task? = nil) -> DataSetCreation {
        DataSetCreation(output: url(output), name: "tiny", rows: rowsURL, images: url("images.npy"),
                        task: task ?? .imageTextMatching(texts: url("texts.npy"), paraphrases: nil))
    }

    /// Every file name in `directory` (hidden ones included), sorted.
    func listing(_ name: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url(name).path).sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("data create: a data-set directory from a rows file and arrays")
struct DataSetCreationTests {
    @Test("an image-text data set: arrays copied, groups numbered by first appearance, ids one per line, splits drawn and recorded")
    func imageText() throws {
        let rows = "id,group\nr0,b\nr1,a\nr2,b\nr3,7\nr4,a\nr5,x\nr6,y\nr7,z\n"
        let inputs = try CreationInputs(count: 8, rows: rows)
        defer { inputs.remove() }
        var creation = inputs.creation()
        creation.splits = .drawn(.standard, seed: 3)
        try inputs.write("NOTICE.txt", Data("notice\n".utf8))
        creation.notice = inputs.url("NOTICE.txt")
        let outcome = try creation.run()
        let dataSet = outcome.dataSet
        #expect(outcome.groupColumn == "group")
        #expect(dataSet.directory.path == inputs.url("out").path)
        #expect(dataSet.groups == [0, 1, 0, 2, 1, 3, 4, 5])
        #expect(dataSet.ids == ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"])
        #expect(try inputs.listing("out") == ["NOTICE.txt", "groups.npy", "ids.json", "images.npy", "manifest.json", "texts.npy"])
        for name in ["images.npy", "texts.npy", "NOTICE.txt"] {
            #expect(try Data(contentsOf: inputs.url("out/\(name)")) == Data(contentsOf: inputs.url(name)), "\(name) is not a byte copy")
        }
        #expect(try String(contentsOf: inputs.url("out/ids.json"), encoding: .utf8).hasPrefix("[\n  \"r0\",\n  \"r1\",\n"))
        let manifest = dataSet.manifest
        #expect(manifest.task == "image-text-matching" && manifest.classes == nil && manifest.arrays.labels == nil)
        #expect(manifest.notice == "NOTICE.txt" && manifest.provenance == nil && manifest.pixelScale == 255)
        #expect(manifest.splitSeed == 3 && manifest.splitFractions == GroupSplitter.Fractions.standard.byName)
        #expect(manifest.splits == (try GroupSplitter(seed: 3)).split(groups: [0, 1, 0, 2, 1, 3, 4, 5]))
        #expect(manifest.arrays.groups == .init(file: "groups.npy", dtype: .int64, shape: [8]))
        let manifestBytes = try Data(contentsOf: inputs.url("out/manifest.json"))
        #expect(manifestBytes == manifest.encoded())
        #expect(dataSet.digest == sha256Hex(manifestBytes))
    }

    @Test("without a group column every row is its own group; a named group column must exist")
    func groupColumn() throws {
        let inputs = try CreationInputs(count: 4, rows: "id\na\nb\nc\nd\n")
        defer { inputs.remove() }
        let outcome = try inputs.creation().run()
        #expect(outcome.groupColumn == nil)
        #expect(outcome.dataSet.groups == [0, 1, 2, 3])
        var named = inputs.creation("other")
        named.groupColumn = "family"
        let missing = expectAuditError { _ = try named.run() }
        #expect(missing?.description == "\(inputs.rowsURL.path): has no column 'family' (the row groups); its columns are 'id'; add the column, or name the right one with --group-column.")
    }

    @Test("a duplicate id in the rows file stops the run, naming both lines")
    func duplicateIDs() throws {
        let inputs = try CreationInputs(count: 3, rows: "id,group\na,1\nb,1\na,2\n")
        defer { inputs.remove() }
        let error = expectAuditError { _ = try inputs.creation().run() }
        #expect(error?.exitStatus == .data)
        #expect(error?.description == "\(inputs.rowsURL.path):4: column 1 ('id') repeats the id 'a' of line 2; make every id unique.")
        #expect(try inputs.listing() == ["images.npy", "rows.csv", "texts.npy"])
    }

    @Test("an array with another row count than the rows file names both files and both counts")
    func rowCountMismatch() throws {
        let inputs = try CreationInputs(count: 12)
        defer { inputs.remove() }
        try inputs.write("texts.npy", NPYArray(float32: Array(repeating: 0, count: 44), shape: [11, 4]))
        let error = expectAuditError { _ = try inputs.creation().run() }
        #expect(error?.description == "\(inputs.url("texts.npy").path): has 11 row(s) but \(inputs.rowsURL.path) has 12 data row(s); give every array one row per data row of the rows file, in the same order.")
        try inputs.write("images.npy", NPYArray(uint8: Array(repeating: 0, count: 13 * 12), shape: [13, 12]))
        let images = expectAuditError { _ = try inputs.creation().run() }
        #expect(images?.description.hasPrefix("\(inputs.url("images.npy").path): has 13 row(s) but \(inputs.rowsURL.path) has 12 data row(s);") == true)
    }

    @Test("arrays are checked with the input's name: text dtype, NaN, paraphrase shape")
    func arrayChecks() throws {
        let inputs = try CreationInputs(count: 4, rows: "id\na\nb\nc\nd\n")
        defer { inputs.remove() }
        try inputs.write("ints.npy", NPYArray(int64: Array(repeating: 0, count: 16), shape: [4, 4]))
        let dtype = expectAuditError { _ = try inputs.creation(task: .imageTextMatching(texts: inputs.url("ints.npy"), paraphrases: nil)).run() }
        #expect(dtype?.description.hasPrefix("\(inputs.url("ints.npy").path): dtype <i8 is not allowed for the texts (allowed: <f2, <f4, <f8);") == true)
        var values = [Float](repeating: 0.5, count: 16)
        values[9] = .nan
        try inputs.write("nan.npy", NPYArray(float32: values, shape: [4, 4]))
        let nan = expectAuditError { _ = try inputs.creation(task: .imageTextMatching(texts: inputs.url("texts.npy"), paraphrases: inputs.url("nan.npy"))).run() }
        #expect(nan == .nonFinite(path: inputs.url("nan.npy").path, row: 2, column: 1))
        try inputs.write("narrow.npy", NPYArray(float32: Array(repeating: 0, count: 12), shape: [4, 3]))
        let shape = expectAuditError { _ = try inputs.creation(task: .imageTextMatching(texts: inputs.url("texts.npy"), paraphrases: inputs.url("narrow.npy"))).run() }
        #expect(shape?.description.hasPrefix("\(inputs.url("narrow.npy").path): has shape [4, 3] but the texts (\(inputs.url("texts.npy").path)) have [4, 4];") == true)
        #expect(!FileManager.default.fileExists(atPath: inputs.url("out").path))
    }

    @Test("a split column: forget rows are in train, retain is derived, empty cells are in no split")
    func splitColumn() throws {
        let splits = ["train", "train", "forget", "forget", "holdout", "holdout", "validation", "validation", "test", "test", "", ""]
        let inputs = try CreationInputs(count: 12, rows: CreationInputs.csv(count: 12, header: ",split") { ",\(splits[$0])" })
        defer { inputs.remove() }
        var creation = inputs.creation()
        creation.splits = .column("split")
        let manifest = try creation.run().dataSet.manifest
        #expect(manifest.splits == ["train": [0, 1, 2, 3], "forget": [2, 3], "retain": [0, 1], "holdout": [4, 5],
                                    "validation": [6, 7], "test": [8, 9]])
        #expect(manifest.splitSeed == nil && manifest.splitFractions == nil)
    }

    @Test("a split column that splits a group, or a holdout smaller than forget, is refused")
    func splitColumnViolations() throws {
        let straddling = ["train", "train", "train", "forget", "holdout", "holdout"]
        let inputs = try CreationInputs(count: 6, rows: CreationInputs.csv(count: 6, header: ",split") { ",\(straddling[$0])" })
        defer { inputs.remove() }
        var creation = inputs.creation()
        creation.splits = .column("split")
        let group = expectAuditError { _ = try creation.run() }
        #expect(group?.description == "\(inputs.rowsURL.path):5: group 'g1' has rows in both 'train' (row 2, line 4) and 'forget' (row 3, line 5); give every row of a group the same split, since a group lies wholly in one split (and a forgotten group wholly in 'forget').")

        let small = ["train", "train", "forget", "forget", "holdout", ""]
        try inputs.write("rows.csv", Data(CreationInputs.csv(count: 6, header: ",split") { ",\(small[$0])" }.utf8))
        let holdout = expectAuditError { _ = try creation.run() }
        #expect(holdout?.description == "\(inputs.rowsURL.path): split 'holdout' has 1 rows but 'forget' has 2; holdout must be at least as large as forget, so move groups into holdout or shrink forget.")
        #expect(try inputs.listing() == ["images.npy", "rows.csv", "texts.npy"])
    }

    @Test("classification with labels from a column of class names: labels.npy written, classes recorded, no texts")
    func classificationFromColumn() throws {
        let names = ["cat", "dog", "cat", "cat", "bird", "bird", "dog", "dog"]
        let inputs = try CreationInputs(count: 8, rows: CreationInputs.csv(count: 8, header: ",label") { ",\(names[$0])" })
        defer { inputs.remove() }
        try inputs.write("classes.txt", Data("cat\r\ndog\r\nbird\r\n".utf8))
        let task = DataSetCreation.Task.classification(labels: .column("label"), classes: inputs.url("classes.txt"), texts: nil)
        let dataSet = try inputs.creation(task: task).run().dataSet
        #expect(dataSet.isClassification && dataSet.texts.columns == 0)
        #expect(dataSet.classes == ["cat", "dog", "bird"])
        #expect(dataSet.labels == [0, 1, 0, 0, 2, 2, 1, 1])
        #expect(dataSet.manifest.task == "classification")
        #expect(dataSet.manifest.arrays.labels == .init(file: "labels.npy", dtype: .int64, shape: [8]))
        #expect(try NPY.read(url: inputs.url("out/labels.npy")) == NPYArray(int64: [0, 1, 0, 0, 2, 2, 1, 1]))
        #expect(try inputs.listing("out") == ["groups.npy", "ids.json", "images.npy", "labels.npy", "manifest.json"])
    }

    @Test("classification with a labels array: default class names up to the largest label, texts optional")
    func classificationFromArray() throws {
        let inputs = try CreationInputs(count: 4, rows: "id\na\nb\nc\nd\n")
        defer { inputs.remove() }
        try inputs.write("labels.npy", NPYArray(int32: [2, 0, 1, 2]))
        let task = DataSetCreation.Task.classification(labels: .array(inputs.url("labels.npy")), classes: nil, texts: inputs.url("texts.npy"))
        let dataSet = try inputs.creation(task: task).run().dataSet
        #expect(dataSet.classes == ["0", "1", "2"])
        #expect(dataSet.labels == [2, 0, 1, 2])
        #expect(dataSet.texts.columns == 4)
        #expect(try Data(contentsOf: inputs.url("out/labels.npy")) == Data(contentsOf: inputs.url("labels.npy")))
    }

    @Test("label errors: out of range, a float array, a single class, a bad classes file")
    func labelErrors() throws {
        let inputs = try CreationInputs(count: 4, rows: "id,label\na,0\nb,1\nc,1\nd,0\n")
        defer { inputs.remove() }
        func run(_ labels: DataSetCreation.LabelSource, classes: String? = nil) -> AuditDataError? {
            expectAuditError { _ = try inputs.creation(task: .classification(labels: labels, classes: classes.map(inputs.url), texts: nil)).run() }
        }
        try inputs.write("two.txt", Data("no\nyes\n".utf8))
        try inputs.write("labels.npy", NPYArray(int64: [0, 1, 2, 1]))
        #expect(run(.array(inputs.url("labels.npy")), classes: "two.txt")?.description
            == "\(inputs.url("labels.npy").path): row 2 has label 2, outside 0..<2 (the classes in \(inputs.url("two.txt").path)); labels index the classes from 0.")
        try inputs.write("negative.npy", NPYArray(int64: [0, -3, 1, 1]))
        #expect(run(.array(inputs.url("negative.npy")))?.description.hasPrefix("\(inputs.url("negative.npy").path): row 1 has label -3, outside 0 and up;") == true)
        try inputs.write("float.npy", NPYArray(float32: [0, 1, 1, 0]))
        #expect(run(.array(inputs.url("float.npy")))?.description
            == "\(inputs.url("float.npy").path): dtype <f4 is not allowed for labels (allowed: <i4, <i8); save the class indices as integers, e.g. labels.astype('<i8').")
        try inputs.write("zeros.npy", NPYArray(int64: [0, 0, 0, 0]))
        #expect(run(.array(inputs.url("zeros.npy")))?.description.hasPrefix("\(inputs.url("zeros.npy").path): every label is 0, so there is only 1 class;") == true)
        try inputs.write("repeated.txt", Data("no\nyes\nno\n".utf8))
        #expect(run(.column("label"), classes: "repeated.txt")?.description
            == "\(inputs.url("repeated.txt").path):3: repeats the class 'no' of line 1; give every class a different name.")
        try inputs.write("one.txt", Data("only\n".utf8))
        #expect(run(.column("label"), classes: "one.txt")?.description.hasPrefix("\(inputs.url("one.txt").path): names 1 class(es);") == true)
        // With a classes file, labels in the column are names: "1" is not one of "no" and "yes".
        #expect(run(.column("label"), classes: "two.txt")?.description.hasPrefix("\(inputs.rowsURL.path):2: column 2 ('label') is '0', which is not one of the 2 classes in") == true)
        #expect(try inputs.listing() == ["float.npy", "images.npy", "labels.npy", "negative.npy", "one.txt", "repeated.txt", "rows.csv", "texts.npy",
                                        "two.txt", "zeros.npy"])
    }

    @Test("the same inputs and seed give byte-identical directories")
    func deterministic() throws {
        let inputs = try CreationInputs(count: 40)
        defer { inputs.remove() }
        try inputs.write("PROVENANCE.json", Data("{\"source\": \"test\"}\n".utf8))
        var first = inputs.creation("first")
        first.provenance = inputs.url("PROVENANCE.json")
        first.metadata = inputs.rowsURL
        first.description = "forty rows"
        var second = first
        second.output = inputs.url("second")
        let a = try first.run().dataSet
        let b = try second.run().dataSet
        #expect(a.digest == b.digest)
        let names = try inputs.listing("first")
        #expect(names == ["PROVENANCE.json", "groups.npy", "ids.json", "images.npy", "manifest.json", "rows.csv", "texts.npy"])
        #expect(try inputs.listing("second") == names)
        for name in names {
            #expect(try Data(contentsOf: inputs.url("first/\(name)")) == Data(contentsOf: inputs.url("second/\(name)")), "\(name) differs")
        }
        #expect(a.manifest.metadata == "rows.csv" && a.manifest.provenance == "PROVENANCE.json")
        #expect(Set(a.manifest.files.keys) == Set(names).subtracting(["manifest.json"]))
        var reseeded = first
        reseeded.output = inputs.url("third")
        reseeded.splits = .drawn(.standard, seed: 1)
        #expect(try reseeded.run().dataSet.digest != a.digest)
    }

    @Test("a non-empty output is refused and left alone; an empty one is filled")
    func existingOutput() throws {
        let inputs = try CreationInputs(count: 4, rows: "id\na\nb\nc\nd\n")
        defer { inputs.remove() }
        try FileManager.default.createDirectory(at: inputs.url("out"), withIntermediateDirectories: false)
        try inputs.write("out/keep.txt", Data("mine".utf8))
        let error = expectAuditError { _ = try inputs.creation().run() }
        #expect(error?.exitStatus == .cannotCreate)
        #expect(error?.description == "\(inputs.url("out").path): already exists and is not an empty directory; give a new directory to write to, or remove this one first (it was left unchanged).")
        #expect(try inputs.listing("out") == ["keep.txt"])
        let file = expectAuditError { _ = try inputs.creation("rows.csv").run() }
        #expect(file == .outputExists(path: inputs.rowsURL.path))
        try FileManager.default.createDirectory(at: inputs.url("empty"), withIntermediateDirectories: false)
        #expect(try inputs.creation("empty").run().dataSet.count == 4)
        #expect(try inputs.listing("empty").contains("manifest.json"))
    }

    @Test("a failure after writing removes the staging directory: nothing is left behind")
    func nothingLeftBehind() throws {
        let inputs = try CreationInputs(count: 4, rows: "id\na\nb\nc\nd\n")
        defer { inputs.remove() }
        let before = try inputs.listing()
        var creation = inputs.creation()
        let staged = StagingRecorder()
        creation.afterWriting = { staging in
            staged.record(staging)
            // A byte changed after the manifest was written: the load before the rename must catch it.
            try Data("changed".utf8).write(to: staging.appendingPathComponent("ids.json"))
        }
        let error = expectAuditError { _ = try creation.run() }
        #expect(error?.description.hasPrefix("\(inputs.url("out").path): the data set did not load after it was written, so it was removed (") == true)
        #expect(error?.description.contains("ids.json: SHA-256 is") == true)
        #expect(staged.url?.deletingLastPathComponent().path == inputs.directory.path)
        #expect(try inputs.listing() == before)

        creation.afterWriting = { _ in throw AuditDataError.cannotWrite(path: "disk", reason: "full") }
        #expect(expectAuditError { _ = try creation.run() } == .cannotWrite(path: "disk", reason: "full"))
        #expect(try inputs.listing() == before)
    }

    @Test("a provenance, notice or metadata file whose name the data set already uses is refused")
    func extraFileNames() throws {
        let inputs = try CreationInputs(count: 4, rows: "id\na\nb\nc\nd\n")
        defer { inputs.remove() }
        var creation = inputs.creation()
        creation.metadata = inputs.url("texts.npy")
        let clash = expectAuditError { _ = try creation.run() }
        #expect(clash?.description == "\(inputs.url("texts.npy").path): would be copied as 'texts.npy', the name of a file miaudit writes in the data set; copy it to a file with another name and give that to --metadata.")
        try FileManager.default.createDirectory(at: inputs.url("a"), withIntermediateDirectories: false)
        try inputs.write("a/NOTES.txt", Data("a".utf8))
        try inputs.write("NOTES.txt", Data("b".utf8))
        creation.metadata = inputs.url("a/NOTES.txt")
        creation.notice = inputs.url("NOTES.txt")
        let twice = expectAuditError { _ = try creation.run() }
        #expect(twice?.description.hasPrefix("\(inputs.url("a/NOTES.txt").path): would be copied as 'NOTES.txt', the name of the notice file in the data set;") == true)
    }
}

/// Remembers the staging directory a creation wrote into (set from the test hook).
final class StagingRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: URL?

    var url: URL? { lock.withLock { stored } }

    func record(_ url: URL) { lock.withLock { stored = url } }
}
