import Foundation
import GRDB

extension SignedReportStore {
    /// Checks one report and its link to the report before it.
    ///
    /// Checks the signature against `trustedKeys` only (the key stored in the row is never
    /// trusted by itself), the digest against SHA-256 of the payload, the query columns and any
    /// recorded chain link against the payload, and that `previous_digest` is the digest of the
    /// report before it by id (NULL with id 1 for the first). Throws `.noSuchReport` when `id`
    /// does not exist.
    public func verify(id: Int64, trustedKeys: [VerifyingKey]) throws -> VerificationResult {
        let trusted = Self.index(trustedKeys)
        return try translatingErrors {
            try writer.read { db in
                guard let record = try ReportRecord.fetchOne(db, key: id) else {
                    throw ReportStoreError.noSuchReport(path: location, id: id)
                }
                let previous = try ReportRecord.filter(ReportRecord.Columns.id < id)
                    .order(ReportRecord.Columns.id.desc).fetchOne(db)
                var problems = check(record, trusted: trusted)
                problems += Self.checkLink(record, previous: previous)
                return VerificationResult(checkedReports: 1, problems: problems)
            }
        }
    }

    /// Checks every report as `verify(id:trustedKeys:)` does, and the chain from the first report
    /// to the last, including reports removed from the end (ids issued by SQLite but gone).
    ///
    /// Reads one consistent snapshot; memory holds one report at a time. O(n) in the reports.
    public func verifyAll(trustedKeys: [VerifyingKey]) throws -> VerificationResult {
        let trusted = Self.index(trustedKeys)
        return try translatingErrors {
            try writer.read { db in
                var problems: [VerificationProblem] = []
                var checked = 0
                var previous: ReportRecord?
                let cursor = try ReportRecord.order(ReportRecord.Columns.id).fetchCursor(db)
                while let record = try cursor.next() {
                    problems += check(record, trusted: trusted)
                    problems += Self.checkLink(record, previous: previous)
                    checked += 1
                    // Keep only what the next link check needs, not the payload.
                    previous = record
                    previous?.payload = Data()
                }
                let issued = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'reports'") ?? 0
                let lastID = previous?.id ?? 0
                if issued > lastID {
                    problems.append(.missingTrailingReports(afterID: previous?.id, lastIssuedID: issued))
                }
                return VerificationResult(checkedReports: checked, problems: problems)
            }
        }
    }

    private static func index(_ keys: [VerifyingKey]) -> [String: VerifyingKey] {
        Dictionary(keys.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The problems of one row on its own: signature, key id, digest, columns, recorded link.
    private func check(_ record: ReportRecord, trusted: [String: VerifyingKey]) -> [VerificationProblem] {
        let id = record.id ?? -1
        var problems: [VerificationProblem] = []
        if let key = trusted[record.keyID] {
            if !key.isValidSignature(record.signature, for: record.payload) {
                problems.append(.invalidSignature(reportID: id, keyID: record.keyID))
            }
        } else {
            problems.append(.untrustedKey(reportID: id, keyID: record.keyID))
        }
        let fingerprint = VerifyingKey.keyID(forRawPublicKey: record.publicKey)
        if fingerprint != record.keyID {
            problems.append(.keyIDMismatch(reportID: id, stored: record.keyID, computed: fingerprint))
        }
        let digest = CanonicalJSON.digest(of: record.payload)
        if digest != record.digest {
            problems.append(.digestMismatch(reportID: id, stored: record.digest, computed: digest))
        }
        let columns: ReportColumns
        do {
            columns = try columnDeriver.columns(of: record.payload)
        } catch {
            problems.append(.unreadablePayload(reportID: id, reason: String(describing: error)))
            return problems
        }
        let pairs: [(String, String?, String?)] = [
            ("verdict", record.verdict, columns.verdict),
            ("audit_name", record.auditName, columns.auditName),
            ("metrics", record.metrics, columns.metricsJSON),
        ]
        for (column, stored, derived) in pairs where stored != derived {
            problems.append(.columnMismatch(reportID: id, column: column, stored: stored, derived: derived))
        }
        if let link = columns.chainLink {
            if link.previousDigest != record.previousDigest {
                problems.append(.payloadLinkMismatch(reportID: id, column: "previous_digest",
                                                     recorded: link.previousDigest, stored: record.previousDigest))
            }
            if link.keyID != record.keyID {
                problems.append(.payloadLinkMismatch(reportID: id, column: "key_id", recorded: link.keyID, stored: record.keyID))
            }
        }
        return problems
    }

    /// The problems of the link from `record` to `previous`, the row before it by id (nil if none).
    private static func checkLink(_ record: ReportRecord, previous: ReportRecord?) -> [VerificationProblem] {
        let id = record.id ?? -1
        var problems: [VerificationProblem] = []
        let expectedPreviousID = (previous?.id ?? 0) + 1
        if id != expectedPreviousID {
            problems.append(.missingReports(afterID: previous?.id, beforeID: id))
        }
        if let previous {
            if record.previousDigest != previous.digest {
                problems.append(.brokenLink(reportID: id, previousReportID: previous.id ?? -1,
                                            expected: previous.digest, found: record.previousDigest))
            }
        } else if let stray = record.previousDigest {
            problems.append(.firstReportHasPredecessor(reportID: id, previousDigest: stray))
        }
        return problems
    }
}
