import Foundation
import Testing
@testable import AuditData

/// Classification data sets (task "classification"): the bundled digits and emoji-groups views
/// load with their labels and classes, and each broken field is refused by name.
@Suite("classification data sets")
struct ClassificationDataSetTests {
    @Test("fixtures/digits loads: 1797 labelled 8x8 rows in 10 classes, no texts")
    func digitsLoads() throws {
        let dataSet = try PairDataSet.load(directory: TestSupport.fixture("digits"))
        #expect(dataSet.task == "classification")
        #expect(dataSet.isClassification)
        #expect(dataSet.count == 1797)
        #expect(dataSet.imageShape == [8, 8])
        #expect(dataSet.texts.columns == 0 && dataSet.texts.rows == 1797)
        #expect(dataSet.classes == (0..<10).map(String.init))
        let labels = try #require(dataSet.labels)
        // scikit-learn's bundled copy: 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 rows per digit.
        let counts = (0..<10).map { digit in labels.filter { $0 == digit }.count }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        // Pixel values 0...16 over a pixel scale of 16: features in [0, 1], and some reach 1.
        #expect(dataSet.images.storage.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(dataSet.images.storage.contains(1))
        #expect(dataSet.trueClass(of: 0) == labels[0])
        for name in ["train", "forget", "retain", "holdout", "validation", "test"] { #expect(!(dataSet.splits[name] ?? []).isEmpty) }
    }

    @Test("fixtures/emoji-groups loads: the emoji images, labelled by Unicode emoji group, in emoji-cldr's groups")
    func emojiGroupsLoads() throws {
        let groups = try PairDataSet.load(directory: TestSupport.fixture("emoji-groups"))
        let pairs = try PairDataSet.load(directory: TestSupport.fixture("emoji-cldr"))
        #expect(groups.count == 3635)
        #expect(groups.classes.count == 10)
        #expect(groups.classes.first == "smileys-emotion")
        #expect(groups.ids == pairs.ids)
        #expect(groups.groups == pairs.groups)
        #expect(groups.images.storage == pairs.images.storage)
        let labels = try #require(groups.labels)
        // Every skin-tone variant of an emoji is in the emoji's group, so one group has one label.
        var labelOfGroup: [Int: Int] = [:]
        for (group, label) in zip(groups.groups, labels) {
            #expect(labelOfGroup[group, default: label] == label)
            labelOfGroup[group] = label
        }
    }

    /// Copies fixtures/digits into a temporary directory, lets `edit` change the manifest (and
    /// files), and returns the load error's text.
    func loadError(_ edit: (inout [String: Any], URL) throws -> Void) throws -> String {
        try TestSupport.withTemporaryDirectory { directory in
            let source = TestSupport.fixture("digits")
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.appendingPathComponent(name))
            }
            let url = directory.appendingPathComponent("manifest.json")
            var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            try edit(&manifest, directory)
            try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: url)
            do {
                _ = try PairDataSet.load(directory: directory)
                return "loaded"
            } catch let error as AuditDataError {
                return error.description
            }
        }
    }

    @Test("missing labels, missing or duplicate classes, labels out of range and stray fields are refused by name")
    func brokenFieldsAreRefused() throws {
        #expect(try loadError { m, _ in
            var arrays = m["arrays"] as! [String: Any]
            arrays["labels"] = nil
            m["arrays"] = arrays
        }.contains("field 'arrays.labels' is missing"))
        #expect(try loadError { m, _ in m["classes"] = nil }.contains("field 'classes' is missing"))
        #expect(try loadError { m, _ in m["classes"] = ["only"] }.contains("names 1 class(es)"))
        #expect(try loadError { m, _ in
            m["classes"] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "1"]
        }.contains("field 'classes[9]' is '1' again"))
        // Nine class names for labels 0...9: label 9 is out of range.
        let outOfRange = try loadError { m, _ in m["classes"] = (0..<9).map(String.init) }
        #expect(outOfRange.contains("has label 9, outside 0..<9"))
        #expect(outOfRange.contains("labels.npy"))
        #expect(try loadError { m, _ in m["task"] = "image-text-matching" }.contains("'arrays.labels' or 'classes' is set but the task is 'image-text-matching'"))
        #expect(try loadError { m, _ in m["task"] = "regression" }.contains("field 'task' is 'regression'"))
        #expect(try loadError { m, _ in
            var arrays = m["arrays"] as! [String: Any]
            arrays["paraphrases"] = ["file": "images.npy", "dtype": "|u1", "shape": [1797, 8, 8]]
            m["arrays"] = arrays
        }.contains("classification data sets have no paraphrases"))
        // A negative label, with the file's hash updated so only the value is wrong.
        let negative = try loadError { m, directory in
            let url = directory.appendingPathComponent("labels.npy")
            var labels = try NPY.read(url: url).int64s()
            labels[5] = -1
            let bytes = NPY.encode(NPYArray(dtype: .int64, shape: [labels.count],
                                            data: labels.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }))
            try bytes.write(to: url)
            var files = m["files"] as! [String: Any]
            files["labels.npy"] = ["sha256": FileAccess.sha256Hex(bytes), "bytes": bytes.count]
            m["files"] = files
        }
        #expect(negative.contains("row 5 has label -1"))
    }
}

/// A pixel scale so small that stored bytes overflow 32-bit floats is refused when loading.
@Suite struct PixelScaleTests {
    @Test func aScaleThatOverflowsTheFeaturesIsRefused() throws {
        try TestSupport.withTemporaryDirectory { directory in
            var tiny = TinyDataSet()
            tiny.pixelScale = 1e-37
            try tiny.write(to: directory)
            let error = #expect(throws: AuditDataError.self) { _ = try PairDataSet.load(directory: directory) }
            #expect(error?.description.contains("pixel_scale 1e-37 turns the byte 143 into inf, beyond 32-bit floats") == true,
                    "\(error?.description ?? "")")
        }
    }
}
