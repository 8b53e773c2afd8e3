import Foundation
import GRDB

/// A stored report: the exact payload bytes, their digest and signature, and where it sits in
/// the chain.
public struct SignedReport: Equatable, Sendable {
    /// The row id; ids increase by one per report, so a gap means a removed report.
    public let id: Int64
    /// When the report was stored (UTC, millisecond precision); not covered by the signature.
    public let createdAt: Date
    /// The canonical JSON bytes that were signed, exactly as stored.
    public let payload: Data
    /// Lowercase hex SHA-256 of `payload`.
    public let digest: String
    /// The 64-byte Ed25519 signature of `payload`.
    public let signature: Data
    /// The signer's key id (`ed25519:` + 16 hex digits).
    public let keyID: String
    /// The signer's raw 32-byte public key as stored; verification does not trust it by itself.
    public let publicKey: Data
    /// The digest of the report before this one; nil for the first report.
    public let previousDigest: String?
    /// The `verdict` query column.
    public let verdict: String?
    /// The `audit_name` query column.
    public let auditName: String?
    /// The `metrics` query column (JSON text).
    public let metricsJSON: String?
}

/// One line of a store listing: a report without its payload and signature.
public struct ReportSummary: Equatable, Sendable {
    /// The row id.
    public let id: Int64
    /// When the report was stored (UTC).
    public let createdAt: Date
    /// Lowercase hex SHA-256 of the payload.
    public let digest: String
    /// The signer's key id.
    public let keyID: String
    /// The `verdict` query column.
    public let verdict: String?
    /// The `audit_name` query column.
    public let auditName: String?
    /// The `metrics` query column (JSON text).
    public let metricsJSON: String?
}

/// A row of the `reports` table.
struct ReportRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "reports"

    var id: Int64?
    var createdAt: Date
    var payload: Data
    var digest: String
    var signature: Data
    var keyID: String
    var publicKey: Data
    var previousDigest: String?
    var verdict: String?
    var auditName: String?
    var metrics: String?

    enum CodingKeys: String, CodingKey {
        case id, payload, digest, signature, verdict, metrics
        case createdAt = "created_at"
        case keyID = "key_id"
        case publicKey = "public_key"
        case previousDigest = "previous_digest"
        case auditName = "audit_name"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let digest = Column(CodingKeys.digest)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The public value; `id` is set for every fetched or inserted row.
    var signedReport: SignedReport {
        SignedReport(id: id ?? -1, createdAt: createdAt, payload: payload, digest: digest, signature: signature,
                     keyID: keyID, publicKey: publicKey, previousDigest: previousDigest,
                     verdict: verdict, auditName: auditName, metricsJSON: metrics)
    }
}
