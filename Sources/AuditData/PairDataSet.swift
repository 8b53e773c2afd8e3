import Foundation
import NumericCore

/// A data set loaded from a directory with a `manifest.json` (SPEC §2), fully checked: image–text
/// pairs, or labelled feature rows for classification.
///
/// Row `i` is one example: `images` row i, `texts` row i (if any), `paraphrases` row i (if any),
/// `labels[i]` (classification), `groups[i]` and `ids[i]`. A classification data set without texts
/// has an n × 0 `texts` matrix. Loading checks every file's existence, size and SHA-256, dtypes and shapes against
/// the manifest and against each other, finiteness, and the split rules of `SplitRules`.
public struct PairDataSet: Sendable {
    /// The data-set directory.
    public let directory: URL
    /// The decoded manifest.
    public let manifest: DataSetManifest
    /// Lowercase hex SHA-256 of the manifest file's bytes; identifies the data set and its splits.
    public let digest: String
    /// The number of rows (examples), n.
    public let count: Int
    /// The shape of one image row as stored (e.g. `[32, 32, 3]`).
    public let imageShape: [Int]
    /// Image features, n × product(imageShape), row-major: stored values / `pixel_scale`.
    public let images: Matrix
    /// Text embeddings, n × d (n × 0 for a classification data set without texts).
    public let texts: Matrix
    /// Paraphrase embeddings (the keywords view), n × d, when the data set has them.
    public let paraphrases: Matrix?
    /// The group id of each row.
    public let groups: [Int]
    /// The unique id string of each row.
    public let ids: [String]
    /// Named splits: name → strictly increasing row indices.
    public let splits: [String: [Int]]
    /// The class index of each row (classification data sets only).
    public let labels: [Int]?
    /// The class names in column order of a model's outputs: `["no_match", "match"]` for image–text
    /// matching, the manifest's `classes` for classification.
    public let classes: [String]

    /// The class names of image–text matching, in column order.
    public static let matchingClasses = ["no_match", "match"]

    /// The manifest's task.
    public var task: String { manifest.task }
    /// Whether this is a classification data set (rows with labels), not image–text pairs.
    public var isClassification: Bool { labels != nil }

    /// The true class of `row`: its label for classification, "match" (1) for a true pair.
    public func trueClass(of row: Int) -> Int { labels?[row] ?? 1 }

    /// The rows of split `name`; an unknown name throws `.unknownSplit` (usage), listing the available names.
    public func indices(ofSplit name: String) throws -> [Int] {
        guard let indices = splits[name] else {
            throw AuditDataError.unknownSplit(manifest: manifestPath, name: name, available: splits.keys.sorted())
        }
        return indices
    }

    /// The path of `manifest.json`, for messages.
    public var manifestPath: String { directory.appendingPathComponent(DataSetManifest.fileName).path }

    /// Loads and checks the data set in `directory`.
    ///
    /// Throws `AuditDataError`: `.missingFile` (noInput) for the manifest or any file it lists,
    /// `.hashMismatch` for a changed file, and other `.data` errors naming the file and field.
    /// O(total file size); each file is read once.
    public static func load(directory: URL) throws -> PairDataSet {
        let manifestURL = directory.appendingPathComponent(DataSetManifest.fileName)
        let path = manifestURL.path
        let manifestBytes = try FileAccess.read(manifestURL, role: "the data-set manifest")
        let manifest = try DataSetManifest.decode(manifestBytes, path: path)
        try checkHeader(manifest, path: path)
        let contents = try readListedFiles(manifest, directory: directory, manifestPath: path)
        func url(_ file: String) -> URL { directory.appendingPathComponent(file) }

        let imageArray = try roleArray("images", manifest.arrays.images, contents, url) { _ in true }
        guard imageArray.shape.count >= 2 else {
            throw AuditDataError.invalid(path: url(manifest.arrays.images.file).path,
                                         problem: "has shape \(imageArray.shape) but images need [n, features...]",
                                         fix: "store one image per row, rows first")
        }
        let count = imageArray.shape[0]
        let classification = manifest.task == DataSetManifest.classification
        let (labels, classes) = try checkLabels(manifest, classification: classification, contents, count: count, url, path: path)
        var textArray: NPYArray?
        if let entry = manifest.arrays.texts {
            let array = try roleArray("texts", entry, contents, url) { $0.isFloatingPoint }
            try checkRows(array, role: "texts", ndim: 2, count: count, url(entry.file))
            textArray = array
        } else if !classification {
            throw AuditDataError.invalid(path: path, problem: "field 'arrays.texts' is missing",
                                         fix: "image-text-matching data sets need a texts array; use task 'classification' for labelled rows")
        }
        var paraphraseArray: NPYArray?
        if let entry = manifest.arrays.paraphrases {
            guard !classification else {
                throw AuditDataError.invalid(path: path, problem: "field 'arrays.paraphrases' is set but classification data sets have no paraphrases",
                                             fix: "remove it, or use task 'image-text-matching'")
            }
            let array = try roleArray("paraphrases", entry, contents, url) { $0.isFloatingPoint }
            guard let textArray, array.shape == textArray.shape else {
                throw AuditDataError.invalid(path: url(entry.file).path,
                                             problem: "has shape \(array.shape) but the texts have \(textArray?.shape ?? [])",
                                             fix: "paraphrases need one row per text row, of the same width")
            }
            paraphraseArray = array
        }
        let groupArray = try roleArray("groups", manifest.arrays.groups, contents, url) { $0 == .int32 || $0 == .int64 }
        try checkRows(groupArray, role: "groups", ndim: 1, count: count, url(manifest.arrays.groups.file))
        let groups = try groupArray.int64s().map { Int($0) }

        guard manifest.pixelScale.isFinite && manifest.pixelScale > 0 && Float(manifest.pixelScale).isNormal else {
            throw AuditDataError.invalid(path: path, problem: "field 'pixel_scale' is \(manifest.pixelScale)",
                                         fix: "use a positive finite scale, 255 for uint8 pixels")
        }
        let images = try featureMatrix(imageArray, scale: manifest.pixelScale, url(manifest.arrays.images.file))
        let texts = try textArray.map { try featureMatrix($0, scale: 1, url(manifest.arrays.texts?.file ?? "")) }
            ?? Matrix(rows: count, columns: 0)
        let paraphrases = try paraphraseArray.map { try featureMatrix($0, scale: 1, url(manifest.arrays.paraphrases?.file ?? "")) }
        let ids = try decodeIDs(contents[manifest.ids] ?? Data(), count: count, path: url(manifest.ids).path)
        try SplitRules.check(manifest.splits, groups: groups, path: path)

        return PairDataSet(directory: directory, manifest: manifest, digest: FileAccess.sha256Hex(manifestBytes),
                           count: count, imageShape: Array(imageArray.shape.dropFirst()), images: images,
                           texts: texts, paraphrases: paraphrases, groups: groups, ids: ids, splits: manifest.splits,
                           labels: labels, classes: classes)
    }

    /// A classification data set's labels and class names (nil and the matching classes otherwise),
    /// checked: at least two unique, non-empty class names and every label in `0..<C`.
    private static func checkLabels(_ manifest: DataSetManifest, classification: Bool, _ contents: [String: Data], count: Int,
                                    _ url: (String) -> URL, path: String) throws -> ([Int]?, [String]) {
        guard classification else {
            if manifest.arrays.labels != nil || manifest.classes != nil {
                throw AuditDataError.invalid(path: path, problem: "'arrays.labels' or 'classes' is set but the task is '\(manifest.task)'",
                                             fix: "set task to 'classification' for labelled rows, or remove them")
            }
            return (nil, matchingClasses)
        }
        guard let entry = manifest.arrays.labels else {
            throw AuditDataError.invalid(path: path, problem: "field 'arrays.labels' is missing",
                                         fix: "classification data sets need a labels array: one class index per row")
        }
        guard let classes = manifest.classes else {
            throw AuditDataError.invalid(path: path, problem: "field 'classes' is missing",
                                         fix: "list the class names in label order, e.g. [\"cat\", \"dog\"]")
        }
        guard classes.count >= 2 else {
            throw AuditDataError.invalid(path: path, problem: "field 'classes' names \(classes.count) class(es)",
                                         fix: "a classifier needs at least 2 classes")
        }
        var seen = Set<String>()
        for (index, name) in classes.enumerated() {
            guard !name.isEmpty, seen.insert(name).inserted else {
                throw AuditDataError.invalid(path: path, problem: "field 'classes[\(index)]' is \(name.isEmpty ? "empty" : "'\(name)' again")",
                                             fix: "give every class a unique, non-empty name")
            }
        }
        let array = try roleArray("labels", entry, contents, url) { $0 == .int32 || $0 == .int64 }
        try checkRows(array, role: "labels", ndim: 1, count: count, url(entry.file))
        let labels = try array.int64s()
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= Int64(classes.count) }) {
            throw AuditDataError.invalid(path: url(entry.file).path, problem: "row \(bad) has label \(labels[bad]), outside 0..<\(classes.count)",
                                         fix: "labels index the manifest's \(classes.count) classes, from 0")
        }
        return (labels.map { Int($0) }, classes)
    }

    private static func checkHeader(_ manifest: DataSetManifest, path: String) throws {
        guard manifest.format == DataSetManifest.formatName else {
            throw AuditDataError.invalid(path: path, problem: "field 'format' is '\(manifest.format)', not '\(DataSetManifest.formatName)'",
                                         fix: "point miaudit at a data set it wrote")
        }
        guard manifest.version == DataSetManifest.currentVersion else {
            throw AuditDataError.invalid(path: path, problem: "manifest version \(manifest.version) is not supported (this miaudit reads version \(DataSetManifest.currentVersion))",
                                         fix: "use a matching miaudit or rebuild the data set")
        }
        guard DataSetManifest.tasks.contains(manifest.task) else {
            throw AuditDataError.invalid(path: path, problem: "field 'task' is '\(manifest.task)'",
                                         fix: "use one of " + DataSetManifest.tasks.map { "'\($0)'" }.joined(separator: ", "))
        }
    }

    /// Reads every file in `files`, in name order, checking safety of the name, existence, SHA-256 and size.
    private static func readListedFiles(_ manifest: DataSetManifest, directory: URL,
                                        manifestPath: String) throws -> [String: Data] {
        for (field, file) in manifest.referencedFiles where manifest.files[file] == nil {
            throw AuditDataError.invalid(path: manifestPath, problem: "field '\(field)' names '\(file)', which is not listed under 'files'",
                                         fix: "add its sha256 and bytes to 'files' or rebuild the manifest")
        }
        var contents: [String: Data] = [:]
        for name in manifest.files.keys.sorted() {
            let components = name.split(separator: "/", omittingEmptySubsequences: false)
            guard !name.hasPrefix("/"), !components.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." }) else {
                throw AuditDataError.invalid(path: manifestPath, problem: "file name '\(name)' is not a plain relative path",
                                             fix: "list files relative to the data-set directory, without '..'")
            }
            let url = directory.appendingPathComponent(name)
            let data = try FileAccess.read(url, role: "listed in \(DataSetManifest.fileName)")
            let entry = manifest.files[name] ?? DataSetManifest.FileEntry(sha256: "", bytes: 0)
            let actual = FileAccess.sha256Hex(data)
            guard actual == entry.sha256.lowercased() else {
                throw AuditDataError.hashMismatch(path: url.path, actual: actual, expected: entry.sha256,
                                                  recordedIn: DataSetManifest.fileName)
            }
            guard data.count == entry.bytes else {
                throw AuditDataError.invalid(path: manifestPath, problem: "'\(name)' is \(data.count) bytes but its entry says \(entry.bytes)",
                                             fix: "rebuild the manifest")
            }
            contents[name] = data
        }
        return contents
    }

    /// Decodes a role's `.npy` file and checks it against its manifest entry and the role's dtypes.
    private static func roleArray(_ role: String, _ entry: DataSetManifest.ArrayEntry, _ contents: [String: Data],
                                  _ url: (String) -> URL, allowed: (NPYDType) -> Bool) throws -> NPYArray {
        let path = url(entry.file).path
        let array = try NPY.decode(contents[entry.file] ?? Data(), path: path)
        guard allowed(array.dtype) else {
            let names = NPYDType.allCases.filter(allowed).map(\.rawValue).joined(separator: ", ")
            throw AuditDataError.invalid(path: path, problem: "dtype \(array.dtype.rawValue) is not allowed for the \(role) array (allowed: \(names))",
                                         fix: "save the \(role) with one of those dtypes and rebuild the manifest")
        }
        guard array.dtype == entry.dtype && array.shape == entry.shape else {
            throw AuditDataError.invalid(
                path: path, problem: "dtype \(array.dtype.rawValue) and shape \(array.shape) differ from \(entry.dtype.rawValue) \(entry.shape) in \(DataSetManifest.fileName)",
                fix: "rebuild the manifest or restore the file")
        }
        return array
    }

    private static func checkRows(_ array: NPYArray, role: String, ndim: Int, count: Int, _ url: URL) throws {
        guard array.shape.count == ndim, array.shape[0] == count else {
            throw AuditDataError.invalid(path: url.path, problem: "has shape \(array.shape) but the \(role) need \(ndim == 1 ? "[\(count)]" : "[\(count), d]") (one row per image)",
                                         fix: "store exactly one \(role) row per example")
        }
    }

    /// The array as an n × width Float matrix divided by `scale`, refusing NaN and infinities.
    private static func featureMatrix(_ array: NPYArray, scale: Double, _ url: URL) throws -> Matrix {
        let rows = array.shape[0]
        let width = array.rowWidth
        var storage: [Float]
        if array.dtype == .uint8 {
            // Every feature is at most (largest byte) / scale: finite unless the scale is tiny.
            let divisor = Float(scale)
            let largest = array.data.max() ?? 0
            guard (Float(largest) / divisor).isFinite else {
                throw AuditDataError.invalid(path: url.path,
                                             problem: "pixel_scale \(scale) turns the byte \(largest) into \(Float(largest) / divisor), beyond 32-bit floats",
                                             fix: "use the pixel scale the images were stored with, 255 for uint8 pixels")
            }
            storage = [Float](unsafeUninitializedCapacity: array.count) { buffer, initialized in
                array.data.withUnsafeBufferPointer { bytes in
                    for i in 0..<bytes.count { buffer[i] = Float(bytes[i]) / divisor }
                }
                initialized = array.count
            }
            return Matrix(rows: rows, columns: width, storage: storage)
        } else {
            storage = array.floats()
            if scale != 1 {
                let divisor = Float(scale)
                storage.withUnsafeMutableBufferPointer { values in
                    for i in 0..<values.count { values[i] /= divisor }
                }
            }
        }
        if let bad = storage.firstIndex(where: { !$0.isFinite }) {
            throw AuditDataError.nonFinite(path: url.path, row: width == 0 ? 0 : bad / width, column: width == 0 ? 0 : bad % width)
        }
        return Matrix(rows: rows, columns: width, storage: storage)
    }

    private static func decodeIDs(_ data: Data, count: Int, path: String) throws -> [String] {
        guard let ids = try? JSONDecoder().decode([String].self, from: data) else {
            throw AuditDataError.invalid(path: path, problem: "is not a JSON array of strings", fix: "write one id string per row as a JSON array")
        }
        guard ids.count == count else {
            throw AuditDataError.invalid(path: path, problem: "holds \(ids.count) ids but the data set has \(count) rows",
                                         fix: "write exactly one id per row")
        }
        var firstRow: [String: Int] = [:]
        for (row, id) in ids.enumerated() {
            if let earlier = firstRow[id] {
                throw AuditDataError.invalid(path: path, problem: "id '\(id)' appears at rows \(earlier) and \(row)",
                                             fix: "make every id unique")
            }
            firstRow[id] = row
        }
        return ids
    }
}
