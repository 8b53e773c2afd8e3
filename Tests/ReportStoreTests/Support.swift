import Foundation
import GRDB
import ReportStore

/// A small report shaped like the real ones: sorted snake_case keys, a gate verdict, metrics and
/// the chain link it records about itself.
struct FixtureReport: Encodable {
    struct Gate: Encodable {
        var verdict: String
    }

    var schemaVersion = 1
    var auditName: String
    var previousDigest: String?
    var signerKeyID: String
    var gate: Gate
    var metrics: [String: Double]
    var notes: String

    enum CodingKeys: String, CodingKey {
        case gate, metrics, notes
        case schemaVersion = "schema_version"
        case auditName = "audit_name"
        case previousDigest = "previous_digest"
        case signerKeyID = "signer_key_id"
    }

    /// Encodes `previous_digest` as an explicit null for the first report.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(auditName, forKey: .auditName)
        try container.encode(previousDigest, forKey: .previousDigest)
        try container.encode(signerKeyID, forKey: .signerKeyID)
        try container.encode(gate, forKey: .gate)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(notes, forKey: .notes)
    }
}

/// The column mapping for `FixtureReport`.
let fixtureColumns = JSONFieldColumns(
    verdictPath: ["gate", "verdict"], auditNamePath: ["audit_name"], metricsPath: ["metrics"],
    previousDigestPath: ["previous_digest"], keyIDPath: ["signer_key_id"])

/// Appends a fixture report linked to the current head; `noteLength` pads the payload.
@discardableResult
func appendFixture(_ store: SignedReportStore, key: SigningKey, name: String, verdict: String = "pass",
                   auc: Double = 0.51, noteLength: Int = 40) throws -> SignedReport {
    try store.append(signingKey: key) { link in
        try CanonicalJSON.encode(FixtureReport(
            auditName: name, previousDigest: link.previousDigest, signerKeyID: link.keyID,
            gate: .init(verdict: verdict), metrics: ["u_lira_auc": auc, "forget_quality_p": 0.25],
            notes: String(repeating: "n", count: noteLength)))
    }
}

/// A fresh empty directory under the system temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("report-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// A store file in `directory` holding `count` fixture reports signed by `key`.
func makeStore(in directory: URL, key: SigningKey, count: Int, noteLength: Int = 40) throws -> SignedReportStore {
    let store = try SignedReportStore(path: directory.appendingPathComponent("reports.sqlite"), columns: fixtureColumns)
    for index in 1 ... max(count, 1) where count > 0 {
        try appendFixture(store, key: key, name: "audit-\(index)", verdict: index.isMultiple(of: 2) ? "fail" : "pass",
                          auc: 0.5 + Double(index) / 100, noteLength: noteLength)
    }
    return store
}

/// Removes the store's protections, as an attacker with write access to the file could:
/// drops the append-only triggers and turns foreign keys off on the writer connection.
func dropProtections(_ store: SignedReportStore) throws {
    try store.writer.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA foreign_keys = OFF")
        try db.execute(sql: "DROP TRIGGER reports_refuse_update; DROP TRIGGER reports_refuse_delete")
    }
}

/// Runs raw SQL on the store's writer.
func execute(_ store: SignedReportStore, _ sql: String, _ arguments: StatementArguments = []) throws {
    try store.writer.writeWithoutTransaction { db in try db.execute(sql: sql, arguments: arguments) }
}

/// `PRAGMA integrity_check` of the store.
func integrityCheck(_ store: SignedReportStore) throws -> String? {
    try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
}

struct Boom: Error, Equatable {}

/// A lock-protected count of failures across threads.
final class FailureCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
