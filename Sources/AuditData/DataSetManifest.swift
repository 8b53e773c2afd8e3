import Foundation

/// The `manifest.json` of a data-set directory: what each file is, its SHA-256, and the splits.
///
/// JSON keys are snake_case. Written with sorted keys and pretty printing (`encoded()`), so
/// regenerating a data set from the same inputs gives byte-identical manifests.
public struct DataSetManifest: Codable, Equatable, Sendable {
    /// The value of `format` in every manifest.
    public static let formatName = "miaudit-dataset"
    /// The manifest `version` this code reads and writes.
    public static let currentVersion = 1
    /// The task of pair data sets.
    public static let imageTextMatching = "image-text-matching"
    /// The task of labelled data sets: feature rows, each with one of C classes.
    public static let classification = "classification"
    /// The tasks this code reads.
    public static let tasks = [imageTextMatching, classification]
    /// The manifest's file name inside a data-set directory.
    public static let fileName = "manifest.json"

    /// A file's SHA-256 (lowercase hex) and size in bytes.
    public struct FileEntry: Codable, Equatable, Sendable {
        /// Lowercase hex SHA-256 of the file's bytes.
        public var sha256: String
        /// The file's size in bytes.
        public var bytes: Int

        /// An entry with the given digest and size.
        public init(sha256: String, bytes: Int) {
            self.sha256 = sha256
            self.bytes = bytes
        }

        /// The entry describing `data`.
        public init(describing data: Data) {
            self.init(sha256: FileAccess.sha256Hex(data), bytes: data.count)
        }
    }

    /// An `.npy` file playing a role, with the dtype and full shape it must have.
    public struct ArrayEntry: Codable, Equatable, Sendable {
        /// The file name, relative to the data-set directory.
        public var file: String
        /// The expected dtype.
        public var dtype: NPYDType
        /// The expected shape, rows first.
        public var shape: [Int]

        /// An entry for `file` with the given dtype and shape.
        public init(file: String, dtype: NPYDType, shape: [Int]) {
            self.file = file
            self.dtype = dtype
            self.shape = shape
        }

        /// The entry describing `array` stored as `file`.
        public init(file: String, describing array: NPYArray) {
            self.init(file: file, dtype: array.dtype, shape: array.shape)
        }

        private enum CodingKeys: String, CodingKey { case file, dtype, shape }

        /// Decodes, naming the six supported dtypes when `dtype` is another.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            file = try container.decode(String.self, forKey: .file)
            let descr = try container.decode(String.self, forKey: .dtype)
            guard let dtype = NPYDType(rawValue: descr) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .dtype, in: container,
                    debugDescription: "'\(descr)' is not one of " + NPYDType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            self.dtype = dtype
            shape = try container.decode([Int].self, forKey: .shape)
        }
    }

    /// The arrays of a data set, by role.
    public struct Arrays: Codable, Equatable, Sendable {
        /// Image-side rows: any dtype, shape `[n, ...]`; features are raw values / `pixel_scale`.
        public var images: ArrayEntry
        /// Text-side rows: float dtype, shape `[n, d]`. Required for image–text matching; optional
        /// second feature rows for classification.
        public var texts: ArrayEntry?
        /// Paraphrased text rows (optional, image–text matching only): same shape as `texts`.
        public var paraphrases: ArrayEntry?
        /// Group id per row: integer dtype, shape `[n]`.
        public var groups: ArrayEntry
        /// Class index per row (classification only): integer dtype, shape `[n]`, values in `0..<C`.
        public var labels: ArrayEntry?

        /// The arrays by role.
        public init(images: ArrayEntry, texts: ArrayEntry?, paraphrases: ArrayEntry? = nil, groups: ArrayEntry,
                    labels: ArrayEntry? = nil) {
            self.images = images
            self.texts = texts
            self.paraphrases = paraphrases
            self.groups = groups
            self.labels = labels
        }
    }

    /// Always `"miaudit-dataset"`.
    public var format: String
    /// Always 1 for now.
    public var version: Int
    /// A short name for the data set.
    public var name: String
    /// The task: `"image-text-matching"` for pair data, `"classification"` for labelled data.
    public var task: String
    /// The class names in label order (classification only; at least 2, unique).
    public var classes: [String]?
    /// Free text: where the data came from and how this directory was made.
    public var description: String?
    /// Every data file in the directory (not the manifest itself): name → digest and size.
    public var files: [String: FileEntry]
    /// The `.npy` files by role.
    public var arrays: Arrays
    /// Image features are the stored values divided by this (255 for `uint8` pixels).
    public var pixelScale: Double
    /// A JSON file holding an array of `n` unique id strings, one per row.
    public var ids: String
    /// An optional per-row metadata file (e.g. `pairs.jsonl`), hashed but not interpreted.
    public var metadata: String?
    /// Named splits: name → row indices, strictly increasing.
    public var splits: [String: [Int]]
    /// The seed the splits were drawn with, when they were drawn by `GroupSplitter`.
    public var splitSeed: UInt64?
    /// The fractions the splits were drawn with (`forget` as a fraction of train rows).
    public var splitFractions: [String: Double]?
    /// The provenance document's file name (e.g. `PROVENANCE.json`).
    public var provenance: String?
    /// The licence notice's file name that must travel with the data (e.g. `NOTICE.txt`).
    public var notice: String?

    private enum CodingKeys: String, CodingKey {
        case format, version, name, task, classes, description, files, arrays, ids, metadata, splits, provenance, notice
        case pixelScale = "pixel_scale"
        case splitSeed = "split_seed"
        case splitFractions = "split_fractions"
    }

    /// A version-1 manifest for pair data.
    public init(name: String, task: String = Self.imageTextMatching, classes: [String]? = nil, description: String? = nil,
                files: [String: FileEntry], arrays: Arrays, pixelScale: Double, ids: String,
                metadata: String? = nil, splits: [String: [Int]], splitSeed: UInt64? = nil,
                splitFractions: [String: Double]? = nil, provenance: String? = nil, notice: String? = nil) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.name = name
        self.task = task
        self.classes = classes
        self.description = description
        self.files = files
        self.arrays = arrays
        self.pixelScale = pixelScale
        self.ids = ids
        self.metadata = metadata
        self.splits = splits
        self.splitSeed = splitSeed
        self.splitFractions = splitFractions
        self.provenance = provenance
        self.notice = notice
    }

    /// The file names the manifest refers to outside `files`, with the field that names each.
    public var referencedFiles: [(field: String, file: String)] {
        var result: [(field: String, file: String)] = [
            ("arrays.images.file", arrays.images.file), ("arrays.groups.file", arrays.groups.file), ("ids", ids),
        ]
        if let texts = arrays.texts { result.append(("arrays.texts.file", texts.file)) }
        if let labels = arrays.labels { result.append(("arrays.labels.file", labels.file)) }
        if let paraphrases = arrays.paraphrases { result.append(("arrays.paraphrases.file", paraphrases.file)) }
        if let metadata { result.append(("metadata", metadata)) }
        if let provenance { result.append(("provenance", provenance)) }
        if let notice { result.append(("notice", notice)) }
        return result
    }

    /// The manifest as JSON: sorted keys, pretty printed, a final newline. Deterministic.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self) + Data("\n".utf8)
        } catch {
            preconditionFailure("encoding a DataSetManifest cannot fail: \(error)")
        }
    }

    /// Decodes a manifest; `path` names the file in errors (`.data`, naming the bad field).
    public static func decode(_ data: Data, path: String) throws -> DataSetManifest {
        do {
            return try JSONDecoder().decode(DataSetManifest.self, from: data)
        } catch let error as DecodingError {
            throw AuditDataError.invalid(path: path, problem: Self.explain(error),
                                         fix: "correct the field or rebuild the manifest")
        } catch {
            throw AuditDataError.invalid(path: path, problem: "is not valid JSON", fix: "rebuild the manifest")
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the top level"
                : "'" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case let .keyNotFound(key, context):
            return "field \(field(context.codingPath + [key])) is missing"
        case let .typeMismatch(type, context):
            return "field \(field(context.codingPath)) is not a \(String(describing: type)) value"
        case let .valueNotFound(type, context):
            return "field \(field(context.codingPath)) is null where a \(String(describing: type)) value is needed"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "is not valid JSON" }
            return "field \(field(context.codingPath)) is invalid (\(context.debugDescription))"
        @unknown default:
            return "cannot be decoded"
        }
    }
}
