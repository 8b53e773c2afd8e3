import AuditData
import Foundation

/// Precomputed outputs per example id (SPEC §3): for models the auditor can only query offline.
///
/// **Formats**, chosen by the file extension (case-insensitive):
/// - `.npy`: a float16, float32 or float64 array [n, C], plus `settings.ids`, an ids file naming
///   each row's example id in row order: a JSON array of strings (when its first non-blank
///   character is `[`) or UTF-8 text with one id per line. Without `ids` it is a usage error.
/// - `.safetensors`: exactly one floating-point tensor [n, C] named `probabilities` or `logits`,
///   and the ids as a JSON array string under metadata key `ids` (or `miaudit.ids`; when both are
///   present they must be equal). **The tensor's name says what the values are; `settings.values`
///   is not consulted**, so a self-describing file cannot be misread. `values` records the choice.
/// - `.csv`: a header `id,<class 0>,<class 1>,…` and one row per example (see `OutputsCSV`).
/// For `.npy` and `.csv`, `settings.values` says whether rows are probabilities or logits. Giving
/// `ids` with a `.csv` or `.safetensors` file is a usage error: their ids are in the file.
///
/// **Values.** Logits are soft-maxed in f64 (the row maximum subtracted first). Probabilities are
/// kept exactly as stored (widened to `Double`) after checking that each row is finite, each
/// entry lies in [0, 1], and the row sums to 1 within `sumTolerance`.
///
/// **Identity.** Kind "outputs"; model id = the file name; digest = "sha256:<hex>" of the outputs
/// file's bytes — for `.npy`, of the `.npy` bytes followed by the ids file's bytes, so changing
/// either changes it; classes = the CSV header's class names, else `matchingClasses` when C = 2,
/// else "class0", "class1", ….
///
/// **Errors** are `AdapterError`s whose adapter field is "outputs <path>", each one sentence naming
/// the problem and the fix: a missing file is `.noInput`, an unknown extension or a misplaced or
/// missing `ids` setting `.usage`, bad content `.data`. Rows are named by 0-based index for arrays
/// ("row 5") and by 1-based file line for CSV ("line 7"); columns are 0-based, CSV fields 1-based.
/// Decoding errors of a malformed `.npy` or safetensors container propagate as the decoder's
/// `AuditDataError` or `SafetensorsError` (also `.data`, naming the file).
///
/// Queries are looked up by `PairQuery.exampleID(in:)`; every queried id must have a row.
public final class OutputsAdapter: ModelAdapter, Sendable {
    /// How far a probability row's sum may be from 1.
    public static let sumTolerance = 1e-6

    public let identity: AdapterIdentity
    /// Whether the file held probabilities or logits (for safetensors, what the tensor's name said).
    public let values: AdapterDescription.OutputValues
    /// The example ids of the file's rows, in file order.
    public let ids: [String]
    /// n × C probabilities, row-major, in the order of `ids`.
    let rows: [Double]
    /// Example id → row.
    let rowOfID: [String: Int]
    /// The `adapter` field of errors: "outputs <path>".
    let adapterName: String

    /// Reads and checks the outputs file `settings.path` (and, for `.npy`, `settings.ids`).
    /// O(file size). See the type's documentation for the formats and errors.
    public convenience init(settings: AdapterDescription.OutputsSettings) throws {
        let failure = OutputsFailure(adapter: "outputs \(settings.path)")
        let url = URL(fileURLWithPath: settings.path)
        guard let format = OutputsFormat(fileExtension: url.pathExtension) else {
            throw failure.usage("the extension '.\(url.pathExtension)' is not one of .npy, .safetensors or .csv",
                                "convert the outputs to one of those formats and name the file accordingly")
        }
        if format != .npy, let ids = settings.ids {
            throw failure.usage("'ids' is set to \(ids) but a .\(format.rawValue) file carries its own ids",
                                "remove 'ids', which only .npy outputs need")
        }
        if format == .npy && settings.ids == nil {
            throw failure.usage("an .npy outputs file needs an ids file naming each row's example id",
                                "set 'ids' to a JSON array or a text file with one id per line")
        }
        let bytes = try failure.readFile(url, role: "the outputs file", setting: "path")
        let idsPath = settings.ids ?? ""
        try self.init(path: settings.path, format: format, bytes: bytes, values: settings.values, idsPath: idsPath) {
            try failure.readFile(URL(fileURLWithPath: idsPath), role: "the ids file \(idsPath)", setting: "ids")
        }
    }

    /// Checks the bytes of an outputs file already read, as if read from `path` (which names it in
    /// errors and gives the model id); `readIDs` gives the ids file's bytes and is called only for
    /// `.npy`, after the outputs were found non-empty. The entry point of the fuzz harness (FuzzKit).
    /// O(file size).
    package init(path: String, format: OutputsFormat, bytes: Data, values: AdapterDescription.OutputValues,
                 idsPath: String, readIDs: () throws -> Data) throws {
        let failure = OutputsFailure(adapter: "outputs \(path)")
        guard !bytes.isEmpty else {
            throw failure.data("the outputs file is empty", "write one row of outputs per example")
        }
        var hashed = bytes
        var kind = values
        let table: OutputsTable
        let logitsHint: String
        switch format {
        case .npy:
            let idsBytes = try readIDs()
            hashed.append(idsBytes)
            table = try OutputsArrayReader.npy(bytes, path: path, ids: idsBytes, idsPath: idsPath, failure: failure)
            logitsHint = "set values to logits if these are logits"
        case .safetensors:
            (table, kind) = try OutputsArrayReader.safetensors(bytes, path: path, failure: failure)
            logitsHint = "name the tensor 'logits' if these are logits"
        case .csv:
            table = try OutputsCSV.table(bytes, failure: failure)
            logitsHint = "set values to logits if these are logits"
        }
        rows = try table.probabilities(kind, failure: failure, logitsHint: logitsHint)
        self.values = kind
        ids = table.ids
        rowOfID = Dictionary(uniqueKeysWithValues: table.ids.enumerated().map { ($0.element, $0.offset) })
        adapterName = failure.adapter
        identity = AdapterIdentity(kind: "outputs", modelID: URL(fileURLWithPath: path).lastPathComponent,
                                   digest: "sha256:" + sha256Hex(hashed),
                                   classes: table.classNames ?? Self.defaultClasses(count: table.columns))
    }

    /// `matchingClasses` for two columns, else "class0", "class1", ….
    public static func defaultClasses(count: Int) -> [String] {
        count == 2 ? matchingClasses : (0..<count).map { "class\($0)" }
    }

    /// The stored rows for `queries`, in order, looked up by `exampleID(in:)`.
    ///
    /// Throws (`.usage`) for a query outside the data set; (`.data`) when the file's classes do not
    /// fit an image-text-matching data set (2 classes, no_match then match) or when a queried id
    /// has no row. O(queries × C).
    public func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        try PairQuery.checkRange(queries, in: dataSet, adapter: adapterName)
        try checkClasses(for: dataSet)
        let width = identity.classes.count
        return try queries.map { query in
            let id = query.exampleID(in: dataSet)
            guard let row = rowOfID[id] else {
                throw AdapterError(adapter: adapterName,
                                   problem: "the file has no row for example id '\(id)' (it holds \(ids.count) ids)",
                                   fix: "precompute outputs for every queried example")
            }
            return Array(rows[(row * width)..<((row + 1) * width)])
        }
    }

    /// Throws unless the classes fit the data set's task: for image-text matching, exactly two
    /// columns, and not a header naming match before no_match; for classification, one column per
    /// class and, when a header names them, the data set's class names in its order.
    func checkClasses(for dataSet: PairDataSet) throws {
        let classes = identity.classes
        if dataSet.isClassification {
            guard classes.count == dataSet.classes.count else {
                throw AdapterError(adapter: adapterName,
                                   problem: "the file has \(classes.count) columns but \(dataSet.manifestPath) is a classification data set with \(dataSet.classes.count) classes",
                                   fix: "store one probability (or logit) column per class, in the manifest's class order")
            }
            // A CSV header names the classes: they must be the data set's, in its order.
            if classes != Self.defaultClasses(count: classes.count) && classes != dataSet.classes {
                throw AdapterError(adapter: adapterName,
                                   problem: "the header lists the classes \(classes.joined(separator: ", ")) but \(dataSet.manifestPath) has \(dataSet.classes.joined(separator: ", "))",
                                   fix: "name the columns after the data set's classes, in its order")
            }
            return
        }
        guard dataSet.manifest.task == DataSetManifest.imageTextMatching else { return }
        guard classes.count == matchingClasses.count else {
            throw AdapterError(adapter: adapterName,
                               problem: "the file has \(classes.count) classes (\(classes.joined(separator: ", "))) but \(dataSet.manifestPath) is an image-text matching data set with 2 (no_match, match)",
                               fix: "store two columns per row, no_match then match")
        }
        if classes != matchingClasses && Set(classes) == Set(matchingClasses) {
            throw AdapterError(adapter: adapterName,
                               problem: "the header lists the classes as \(classes.joined(separator: ", ")) but columns must be no_match then match",
                               fix: "swap the two columns and their header names")
        }
    }
}
