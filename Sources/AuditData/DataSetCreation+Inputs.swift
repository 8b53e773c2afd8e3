import Foundation

extension DataSetCreation {
    /// The checked arrays and task fields: file name → bytes, and the manifest entries.
    struct Inputs {
        var files: [String: Data] = [:]
        var task = DataSetManifest.imageTextMatching
        var classes: [String]?
        var images: DataSetManifest.ArrayEntry
        var texts: DataSetManifest.ArrayEntry?
        var paraphrases: DataSetManifest.ArrayEntry?
        var labels: DataSetManifest.ArrayEntry?
        var pixelScale: Double
    }

    /// Reads every array (and the classes file), checking each against the rows file's `rowCount`
    /// and against what its role allows, with errors that name the input file.
    func readInputs(table: RowsTable, rowCount: Int) throws -> Inputs {
        let (imageBytes, imageArray) = try readArray(images, role: "images", rowCount: rowCount)
        guard imageArray.shape.count >= 2 else {
            throw AuditDataError.invalid(path: images.path, problem: "has shape \(imageArray.shape) but images need [n, features...]",
                                         fix: "store one image per row, rows first, e.g. shape [n, 32, 32, 3] or [n, 64]")
        }
        let scale = pixelScale ?? (imageArray.dtype == .uint8 ? 255 : 1)
        guard scale.isFinite && scale > 0 && Float(scale).isNormal else {
            throw AuditDataError.invalid(path: images.path, problem: "the pixel scale \(scale) is not a positive, finite, normal 32-bit float",
                                         fix: "give a scale such as 255 for uint8 pixels or 1 for features stored as scaled floats")
        }
        try Self.checkFinite(imageArray, scale: scale, path: images.path)
        var inputs = Inputs(images: .init(file: "images.npy", describing: imageArray), pixelScale: scale)
        inputs.files["images.npy"] = imageBytes

        switch task {
        case let .imageTextMatching(texts, paraphrases):
            let textArray = try readTexts(texts, role: "texts", rowCount: rowCount, into: &inputs)
            inputs.texts = .init(file: "texts.npy", describing: textArray)
            if let paraphrases {
                let array = try readTexts(paraphrases, role: "paraphrases", rowCount: rowCount, into: &inputs)
                guard array.shape == textArray.shape else {
                    throw AuditDataError.invalid(path: paraphrases.path, problem: "has shape \(array.shape) but the texts (\(texts.path)) have \(textArray.shape)",
                                                 fix: "give one paraphrase row per text row, of the same width")
                }
                inputs.paraphrases = .init(file: "paraphrases.npy", describing: array)
            }
        case let .classification(labelSource, classesFile, texts):
            inputs.task = DataSetManifest.classification
            if let texts {
                inputs.texts = .init(file: "texts.npy", describing: try readTexts(texts, role: "texts", rowCount: rowCount, into: &inputs))
            }
            let names = try classesFile.map(Self.readClasses)
            let labels: [Int]
            let source: String
            switch labelSource {
            case let .array(url):
                labels = try readLabelArray(url, rowCount: rowCount, classes: names, classesFile: classesFile, into: &inputs)
                source = url.path
            case let .column(column):
                labels = try table.labels(column: column, classes: names, classesFile: classesFile?.path)
                let array = NPYArray(int64: labels.map { Int64($0) })
                inputs.files["labels.npy"] = NPY.encode(array)
                inputs.labels = .init(file: "labels.npy", describing: array)
                source = "\(table.path) (column '\(column)')"
            }
            inputs.classes = try names ?? Self.defaultClasses(labels, source: source)
        }
        return inputs
    }

    /// Reads an `.npy` file and checks that it has `rowCount` rows, naming both files when not.
    func readArray(_ url: URL, role: String, rowCount: Int) throws -> (Data, NPYArray) {
        let bytes = try FileAccess.read(url, role: "the \(role) array")
        let array = try NPY.decode(bytes, path: url.path)
        guard let rows = array.shape.first else {
            throw AuditDataError.invalid(path: url.path, problem: "holds a single value (shape [])",
                                         fix: "store the \(role) with one row per data row, rows first")
        }
        guard rows == rowCount else {
            throw AuditDataError.invalid(path: url.path, problem: "has \(rows) row(s) but \(self.rows.path) has \(rowCount) data row(s)",
                                         fix: "give every array one row per data row of the rows file, in the same order")
        }
        return (bytes, array)
    }

    /// Reads a texts or paraphrases array: a float dtype, shape [n, d], every value finite.
    private func readTexts(_ url: URL, role: String, rowCount: Int, into inputs: inout Inputs) throws -> NPYArray {
        let (bytes, array) = try readArray(url, role: role, rowCount: rowCount)
        guard array.dtype.isFloatingPoint else {
            throw AuditDataError.invalid(path: url.path, problem: "dtype \(array.dtype.rawValue) is not allowed for the \(role) (allowed: <f2, <f4, <f8)",
                                         fix: "save the embeddings as floats, e.g. a.astype('<f4')")
        }
        guard array.shape.count == 2 else {
            throw AuditDataError.invalid(path: url.path, problem: "has shape \(array.shape) but the \(role) need [\(rowCount), d]",
                                         fix: "store one embedding row per data row")
        }
        try Self.checkFinite(array, scale: 1, path: url.path)
        inputs.files["\(role).npy"] = bytes
        return array
    }

    /// Reads a labels array: `<i4` or `<i8`, shape [n], values in 0..<C when the classes are known
    /// (else at least 0).
    private func readLabelArray(_ url: URL, rowCount: Int, classes: [String]?, classesFile: URL?,
                                into inputs: inout Inputs) throws -> [Int] {
        let (bytes, array) = try readArray(url, role: "labels", rowCount: rowCount)
        guard array.dtype == .int32 || array.dtype == .int64 else {
            throw AuditDataError.invalid(path: url.path, problem: "dtype \(array.dtype.rawValue) is not allowed for labels (allowed: <i4, <i8)",
                                         fix: "save the class indices as integers, e.g. labels.astype('<i8')")
        }
        guard array.shape.count == 1 else {
            throw AuditDataError.invalid(path: url.path, problem: "has shape \(array.shape) but the labels need [\(rowCount)]",
                                         fix: "store one class index per data row")
        }
        let labels = try array.int64s()
        let limit = classes.map { Int64($0.count) } ?? Int64.max
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= limit }) {
            let range = classes.map { "0..<\($0.count) (the classes in \(classesFile?.path ?? ""))" } ?? "0 and up"
            throw AuditDataError.invalid(path: url.path, problem: "row \(bad) has label \(labels[bad]), outside \(range)",
                                         fix: "labels index the classes from 0")
        }
        inputs.files["labels.npy"] = bytes
        inputs.labels = .init(file: "labels.npy", describing: array)
        return labels.map { Int($0) }
    }

    /// The class names of a classes file: one per line (LF or CRLF), in label order; at least two,
    /// each non-empty and unique.
    static func readClasses(_ url: URL) throws -> [String] {
        let bytes = [UInt8](try FileAccess.read(url, role: "the class names"))
        try RowsTable.refuseNUL(bytes, path: url.path, what: "the class names")
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        // Split the bytes, not a String: Swift reads "\r\n" as one Character, which "\n" does not match.
        var rawLines = body.split(separator: 0x0A, omittingEmptySubsequences: false)
        if rawLines.last?.isEmpty == true { rawLines.removeLast() }
        var lines: [String] = []
        for (index, rawLine) in rawLines.enumerated() {
            guard let line = String(validating: rawLine.last == 0x0D ? rawLine.dropLast() : rawLine, as: UTF8.self) else {
                throw AuditDataError.invalid(path: "\(url.path):\(index + 1)", problem: "is not UTF-8 text",
                                             fix: "save the class names as UTF-8, one per line")
            }
            lines.append(line)
        }
        var firstLine: [String: Int] = [:]
        for (index, name) in lines.enumerated() {
            guard !name.isEmpty else {
                throw AuditDataError.invalid(path: "\(url.path):\(index + 1)", problem: "is empty",
                                             fix: "write one non-empty class name per line, with no blank lines")
            }
            if let earlier = firstLine[name] {
                throw AuditDataError.invalid(path: "\(url.path):\(index + 1)", problem: "repeats the class '\(name)' of line \(earlier)",
                                             fix: "give every class a different name")
            }
            firstLine[name] = index + 1
        }
        guard lines.count >= 2 else {
            throw AuditDataError.invalid(path: url.path, problem: "names \(lines.count) class(es)",
                                         fix: "a classifier needs at least 2 classes, one name per line in label order")
        }
        return lines
    }

    /// The most classes named "0", "1", … without a classes file (a larger label is more likely a mistake).
    static let unnamedClassLimit = 1 << 20

    /// "0", "1", … up to the largest label; at least two classes.
    static func defaultClasses(_ labels: [Int], source: String) throws -> [String] {
        let largest = labels.max() ?? 0
        guard largest < unnamedClassLimit else {
            throw AuditDataError.invalid(path: source, problem: "the largest label is \(largest), which would make \(largest + 1) classes",
                                         fix: "check the labels; with that many classes, name them in a file given with --classes")
        }
        let count = largest + 1
        guard count >= 2 else {
            throw AuditDataError.invalid(path: source, problem: "every label is 0, so there is only 1 class",
                                         fix: "a classifier needs at least 2 classes; check the labels, or name the classes with --classes")
        }
        return (0..<count).map(String.init)
    }

    /// Refuses NaN and infinities in a float array after division by `scale`, as loading would.
    static func checkFinite(_ array: NPYArray, scale: Double, path: String) throws {
        guard array.dtype.isFloatingPoint else { return }
        let divisor = Float(scale)
        let width = max(array.rowWidth, 1)
        if let bad = array.floats().firstIndex(where: { !($0 / divisor).isFinite }) {
            throw AuditDataError.nonFinite(path: path, row: bad / width, column: bad % width)
        }
    }
}
