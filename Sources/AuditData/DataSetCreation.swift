import Foundation

/// Builds a data-set directory from plain inputs: a rows file (ids, groups, and optionally splits
/// and labels), `.npy` arrays, and optional provenance, notice and metadata files.
///
/// What it writes into `output`: the arrays byte for byte as `images.npy`, `texts.npy`,
/// `paraphrases.npy` and `labels.npy` (labels taken from a column are written as `<i8`);
/// `groups.npy` (`<i8`, group ids numbered from 0 in order of first appearance in the rows file);
/// `ids.json` (a pretty-printed JSON array); the provenance, notice and metadata files under their
/// own base names; and `manifest.json` (`DataSetManifest.encoded()`), listing every file with its
/// SHA-256 and size.
///
/// Splits are drawn by `GroupSplitter` from a seed and fractions, or read from a column of the rows
/// file (`train`, `forget` = a train row that is also forgotten, `holdout`, `validation`, `test`,
/// empty = no split; `retain` = train minus forget). Either way they satisfy `SplitRules`.
///
/// Nothing is written until every input has been read and checked. The files go into a hidden
/// sibling directory of `output`, which is loaded with `PairDataSet.load` and then renamed to
/// `output`; on any failure it is removed. An existing non-empty `output` is refused. The same
/// inputs and options give byte-identical files. O(total input size).
public struct DataSetCreation: Sendable {
    /// The task and its task-specific inputs.
    public enum Task: Sendable {
        /// Image–text pairs: a texts array (required) and a paraphrases array (optional).
        case imageTextMatching(texts: URL, paraphrases: URL?)
        /// Labelled rows: where the labels come from, the class names file (one per line, in
        /// label order; default "0", "1", … up to the largest label) and an optional texts array.
        case classification(labels: LabelSource, classes: URL?, texts: URL?)
    }

    /// Where the labels of a classification data set come from.
    public enum LabelSource: Sendable {
        /// An `.npy` file of integer dtype (`<i4` or `<i8`), shape `[n]`.
        case array(URL)
        /// A column of the rows file: integers from 0, or class names when a classes file is given.
        case column(String)
    }

    /// How the splits are made.
    public enum SplitSource: Sendable {
        /// Drawn by whole groups with `GroupSplitter`; recorded as `split_seed` and `split_fractions`.
        case drawn(GroupSplitter.Fractions, seed: UInt64)
        /// Read from a column of the rows file.
        case column(String)
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        /// The written data set, loaded from `output`.
        public let dataSet: PairDataSet
        /// The rows file's group column, or nil when there was none and every row is its own group.
        public let groupColumn: String?
    }

    /// The data-set directory to create (absent or empty).
    public var output: URL
    /// The manifest's `name`.
    public var name: String
    /// The rows file (`.csv` or `.jsonl`).
    public var rows: URL
    /// The images array.
    public var images: URL
    /// The task and its inputs.
    public var task: Task
    /// Image features are stored values divided by this; nil: 255 for `uint8` images, else 1.
    public var pixelScale: Double?
    /// The rows file's id column.
    public var idColumn: String
    /// The rows file's group column; nil means `group` when the file has it, else every row is its own group.
    public var groupColumn: String?
    /// How the splits are made.
    public var splits: SplitSource
    /// The manifest's `description`.
    public var description: String?
    /// A provenance document copied under its base name.
    public var provenance: URL?
    /// A licence notice copied under its base name.
    public var notice: URL?
    /// A per-row metadata file copied under its base name.
    public var metadata: URL?
    /// Called with the staging directory after every file is written and before it is loaded (tests only).
    var afterWriting: (@Sendable (URL) throws -> Void)?

    /// The group column used when none is named.
    public static let defaultGroupColumn = "group"

    /// A creation of `output` from these inputs; the optional ones can be set afterwards.
    public init(output: URL, name: String, rows: URL, images: URL, task: Task, pixelScale: Double? = nil,
                idColumn: String = "id", groupColumn: String? = nil,
                splits: SplitSource = .drawn(.standard, seed: 0), description: String? = nil,
                provenance: URL? = nil, notice: URL? = nil, metadata: URL? = nil) {
        self.output = output
        self.name = name
        self.rows = rows
        self.images = images
        self.task = task
        self.pixelScale = pixelScale
        self.idColumn = idColumn
        self.groupColumn = groupColumn
        self.splits = splits
        self.description = description
        self.provenance = provenance
        self.notice = notice
        self.metadata = metadata
    }

    /// Reads and checks every input, writes the data set, loads it and renames it into place.
    ///
    /// Throws `AuditDataError`: `.outputExists` (cannotCreate) for a non-empty `output`,
    /// `.missingFile` (noInput) for a missing input, and `.data` errors that name the input file
    /// (and, for the rows file, the line and column) with the fix.
    public func run() throws -> Outcome {
        try checkOutput()
        guard !name.isEmpty else {
            throw AuditDataError.invalid(path: output.path, problem: "the data set's name is empty", fix: "give it a short name such as 'my-data'")
        }
        let table = try RowsTable.read(rows)
        let ids = try table.ids(column: idColumn)
        guard !ids.isEmpty else {
            throw AuditDataError.invalid(path: rows.path, problem: "has no data rows", fix: "write one line per data row after the header")
        }
        let usedGroupColumn = try resolveGroupColumn(table)
        let groupKeys = try usedGroupColumn.map { try table.groupKeys(column: $0) }
        let groups = groupKeys.map(Self.numberGroups) ?? Array(ids.indices)
        let inputs = try readInputs(table: table, rowCount: ids.count)
        let (splitLists, seed, fractions) = try makeSplits(table: table, groups: groups, groupKeys: groupKeys)

        var files = inputs.files
        files["groups.npy"] = NPY.encode(NPYArray(int64: groups.map { Int64($0) }))
        files["ids.json"] = Self.encodeIDs(ids)
        let extras = try readExtraFiles(taken: Set(files.keys))
        files.merge(extras.files) { current, _ in current }

        let manifest = DataSetManifest(
            name: name, task: inputs.task, classes: inputs.classes, description: description,
            files: files.mapValues { DataSetManifest.FileEntry(describing: $0) },
            arrays: .init(images: inputs.images, texts: inputs.texts, paraphrases: inputs.paraphrases,
                          groups: .init(file: "groups.npy", dtype: .int64, shape: [ids.count]), labels: inputs.labels),
            pixelScale: inputs.pixelScale, ids: "ids.json", metadata: extras.metadata, splits: splitLists,
            splitSeed: seed, splitFractions: fractions, provenance: extras.provenance, notice: extras.notice)
        let dataSet = try writeIntoPlace(files: files, manifest: manifest.encoded())
        return Outcome(dataSet: dataSet, groupColumn: usedGroupColumn)
    }

    /// The group column to read: the one named (which must exist), else `group` when present, else none.
    private func resolveGroupColumn(_ table: RowsTable) throws -> String? {
        if let groupColumn {
            try table.requireColumn(groupColumn, for: "the row groups", option: "--group-column")
            return groupColumn
        }
        return table.hasColumn(Self.defaultGroupColumn) ? Self.defaultGroupColumn : nil
    }

    /// Group keys numbered 0, 1, 2, … in order of first appearance.
    static func numberGroups(_ keys: [String]) -> [Int] {
        var numbers: [String: Int] = [:]
        return keys.map { key in
            if let number = numbers[key] { return number }
            numbers[key] = numbers.count
            return numbers.count - 1
        }
    }

    /// `ids` as a pretty-printed JSON array, one id per line, with a final newline.
    static func encodeIDs(_ ids: [String]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        do {
            return try encoder.encode(ids) + Data("\n".utf8)
        } catch {
            preconditionFailure("encoding an array of strings cannot fail: \(error)")
        }
    }
}
