import AuditData
import Foundation

/// Passes queries to another adapter and keeps every answer by example id: an example asked again
/// gets the first answer, not a new one. So within an audit a model answers each example once —
/// a native model's f32 sums can differ in the last bits with the batch an example falls in — and
/// what it answered can be written as an outputs file from which the same audit runs again to
/// the last digit (`miaudit audit --save-outputs`, docs/supplied-outputs.md).
///
/// Thread safety: `@unchecked Sendable` because the recorded rows are used only with `lock` held.
public final class RecordingAdapter: ModelAdapter, @unchecked Sendable {
    public let inner: any ModelAdapter
    private let lock = NSLock()
    private var order: [String] = []
    private var rows: [String: [Double]] = [:]

    public init(_ inner: any ModelAdapter) {
        self.inner = inner
    }

    public var identity: AdapterIdentity { inner.identity }

    public func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        let ids = queries.map { $0.exampleID(in: dataSet) }
        lock.lock()
        var seen = Set<String>()
        let missing = zip(queries, ids).filter { rows[$0.1] == nil && seen.insert($0.1).inserted }
        lock.unlock()
        if !missing.isEmpty {
            let answers = try inner.probabilities(for: missing.map(\.0), in: dataSet)
            lock.lock()
            for ((_, id), row) in zip(missing, answers) where rows[id] == nil {
                rows[id] = row
                order.append(id)
            }
            lock.unlock()
        }
        lock.lock()
        defer { lock.unlock() }
        return ids.map { rows[$0]! }
    }

    public func close() { inner.close() }

    /// How many distinct examples were asked.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return order.count
    }

    /// Writes the recorded rows, in the order first asked, as `directory/name.npy` (f64 [n, C]
    /// probabilities) and `directory/name.ids.json`, and returns the outputs adapter that reads
    /// them back, its paths relative to `directory`.
    /// - Throws: `AdapterError` (74) when a file cannot be written.
    public func write(to directory: URL, name: String) throws -> AdapterDescription {
        lock.lock()
        let ids = order
        let values = ids.map { rows[$0]! }
        lock.unlock()
        let columns = values.first?.count ?? identity.classes.count
        let array = NPYArray(float64: values.flatMap { $0 }, shape: [ids.count, columns])
        let arrayURL = directory.appendingPathComponent(name + ".npy")
        let idsURL = directory.appendingPathComponent(name + ".ids.json")
        do {
            try NPY.write(array, to: arrayURL)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            try encoder.encode(ids).write(to: idsURL, options: .atomic)
        } catch {
            throw AdapterError(adapter: identity.modelID, problem: "cannot write its outputs to \(directory.path) (\(error))",
                               fix: "check the directory's space and permissions", exitStatus: .ioError)
        }
        return .outputs(.init(path: name + ".npy", ids: name + ".ids.json", values: .probabilities))
    }
}
