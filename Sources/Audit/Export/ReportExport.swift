import Foundation
import Gate
import ReportStore

/// A stored report with what the store knows about it.
public struct ExportedReport: Equatable, Sendable {
    /// The decoded payload.
    public var report: AuditReport
    /// The store's row id.
    public var id: Int64
    /// Lowercase hex SHA-256 of the payload bytes.
    public var digest: String
    /// The signer's key id (`ed25519:` + 16 hex digits).
    public var keyID: String
    /// The signer's raw 32-byte Ed25519 public key.
    public var publicKey: Data
    /// When the store received the report (UTC).
    public var createdAt: Date
    /// Set when the exporter verified the report against a key the reader trusts; nil when the
    /// export did not check (the page then says so).
    public var verification: ExportVerification?

    /// A report with its store metadata.
    public init(report: AuditReport, id: Int64, digest: String, keyID: String, publicKey: Data, createdAt: Date) {
        self.report = report
        self.id = id
        self.digest = digest
        self.keyID = keyID
        self.publicKey = publicKey
        self.createdAt = createdAt
    }

    /// `report`, decoded from `stored.payload` by the caller, with the store's metadata of `stored`.
    public init(report: AuditReport, stored: SignedReport) {
        self.init(report: report, id: stored.id, digest: stored.digest, keyID: stored.keyID, publicKey: stored.publicKey,
                  createdAt: stored.createdAt)
    }

    /// SHA-256 (hex) of `publicKey` in blocks of 4 hex digits: what a reader compares with the
    /// fingerprint of the key they trust.
    public var keyFingerprint: String { ExportFormat.fingerprint(publicKey: publicKey) }
}

/// A check made when the report was exported: its signature is by a trusted key, its digest
/// matches its bytes, and its link to the report before it holds.
public struct ExportVerification: Equatable, Sendable {
    /// The fingerprint of the trusted public key the signature checked against.
    public var trustedKeyFingerprint: String
    /// When the check ran (UTC).
    public var checkedAt: Date

    public init(trustedKeyFingerprint: String, checkedAt: Date) {
        self.trustedKeyFingerprint = trustedKeyFingerprint
        self.checkedAt = checkedAt
    }

    /// A check against `trustedKey`, made at `checkedAt`.
    public init(trustedKey: VerifyingKey, checkedAt: Date) {
        self.init(trustedKeyFingerprint: ExportFormat.fingerprint(publicKey: trustedKey.rawRepresentation), checkedAt: checkedAt)
    }
}

/// Renders a signed audit report for people and CI systems (SPEC §8, exports).
///
/// Every renderer is a pure function of the report: the same report gives the same bytes. Every
/// string taken from the report is escaped for the output format.
public enum ReportExport {
    /// One self-contained HTML5 page: inline CSS and SVG charts (ROC curves on linear and log-log
    /// axes, score histograms), no scripts and nothing fetched from elsewhere; readable printed.
    public static func html(_ r: ExportedReport) -> String {
        HTMLRenderer.render(ReportContent.document(r))
    }

    /// The same content as `html` without the charts, as GitHub Markdown with tables.
    public static func markdown(_ r: ExportedReport) -> String {
        MarkdownRenderer.render(ReportContent.document(r))
    }

    /// JUnit XML with one test case per gate rule, in a test suite named after the audit — and, for
    /// a step of `miaudit remediate`, after the step ("NAME step 2 multidelete-calibrated"), so CI
    /// shows each step as its own suite — stamped with the report's creation time (UTC); failing
    /// and inconclusive rules are `<failure>`s (see `JUnitReport`).
    public static func junit(_ r: ExportedReport) -> String {
        let report = r.report
        let suite = report.remediation.map { "\(report.auditName) step \($0.step) \($0.action)" } ?? report.auditName
        // createdAt is ISO 8601 in UTC ("…Z"); JUnit's timestamp carries no zone.
        let timestamp = report.createdAt.hasSuffix("Z") ? String(report.createdAt.dropLast()) : report.createdAt
        return JUnitReport.xml(results: report.gate.results, suiteName: suite, blocked: report.gate.blocked, timestamp: timestamp)
    }
}
