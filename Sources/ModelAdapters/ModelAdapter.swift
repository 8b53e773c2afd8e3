import AuditData
import Foundation

/// Which text of a row a query pairs with the image: the caption (the data set's `texts`) or its
/// paraphrase (the keywords view, `paraphrases`).
public enum TextView: String, Codable, Sendable, CaseIterable {
    case caption
    case paraphrase
}

/// One example to score: the image of row `image` paired with the text of row `text` in `view`.
///
/// A true pair is `image == text` with the caption; audits also score mismatched pairs (truth-ratio
/// perturbations) and paraphrases.
public struct PairQuery: Hashable, Sendable, Codable {
    public let image: Int
    public let text: Int
    public let view: TextView

    public init(image: Int, text: Int, view: TextView = .caption) {
        self.image = image
        self.text = text
        self.view = view
    }

    /// The true pair of a row.
    public static func truePair(_ row: Int) -> PairQuery { PairQuery(image: row, text: row) }

    /// The example id used by precomputed outputs and the process protocol: the row's id for a true
    /// caption pair; otherwise `"<image id>|<text id>"`, with `"#paraphrase"` appended for the
    /// paraphrase view.
    public func exampleID(in dataSet: PairDataSet) -> String {
        if image == text && view == .caption { return dataSet.ids[image] }
        let base = "\(dataSet.ids[image])|\(dataSet.ids[text])"
        return view == .caption ? base : base + "#paraphrase"
    }
}

/// What an adapter says about the model behind it, recorded in reports.
public struct AdapterIdentity: Codable, Equatable, Sendable {
    /// The adapter kind: "native", "outputs" or "process".
    public var kind: String
    /// The model's name as the adapter knows it (a file name, or what a process announced).
    public var modelID: String
    /// A digest of the model: "sha256:<hex>" of the model or outputs file, or what a process announced.
    public var digest: String
    /// The class names, in column order of the probability rows.
    public var classes: [String]

    public init(kind: String, modelID: String, digest: String, classes: [String]) {
        self.kind = kind
        self.modelID = modelID
        self.digest = digest
        self.classes = classes
    }

    enum CodingKeys: String, CodingKey { case kind, modelID = "model_id", digest, classes }
}

/// The one protocol everything downstream (attacks, shadows, utility) uses to query a model:
/// given a data set and the pairs to score, return each pair's output distribution.
///
/// Rows come back in query order, each `identity.classes.count` probabilities in `Double` that sum
/// to 1 (within 1e-6). Adapters batch internally; callers may pass any number of queries.
public protocol ModelAdapter: AnyObject {
    /// The model behind the adapter.
    var identity: AdapterIdentity { get }
    /// Probability rows for `queries`, in order.
    func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]]
    /// Releases what the adapter holds (a child process, say); further calls fail. Idempotent.
    func close()
}

extension ModelAdapter {
    public func close() {}

    /// Probability rows for the true pairs of `rows`, in order.
    public func probabilities(forRows rows: [Int], in dataSet: PairDataSet) throws -> [[Double]] {
        try probabilities(for: rows.map(PairQuery.truePair), in: dataSet)
    }
}

/// The two classes of image–text matching, in column order.
public let matchingClasses = ["no_match", "match"]

extension PairQuery {
    /// Throws when a query names a row outside the data set.
    static func checkRange(_ queries: [PairQuery], in dataSet: PairDataSet, adapter: String) throws {
        if let bad = queries.first(where: { $0.image < 0 || $0.image >= dataSet.count || $0.text < 0 || $0.text >= dataSet.count }) {
            throw AdapterError(adapter: adapter, problem: "a query names row \(max(bad.image, bad.text)) but \(dataSet.manifestPath) has \(dataSet.count) rows",
                               fix: "query rows of this data set", exitStatus: .usage)
        }
        if dataSet.isClassification, let bad = queries.first(where: { $0.image != $0.text || $0.view != .caption }) {
            throw AdapterError(adapter: adapter, problem: "a query pairs row \(bad.image) with text row \(bad.text) (\(bad.view.rawValue)) but \(dataSet.manifestPath) is a classification data set, whose examples are single rows",
                               fix: "query the rows themselves", exitStatus: .usage)
        }
    }
}
