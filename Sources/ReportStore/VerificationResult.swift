/// One thing wrong with a stored report or with the chain, found by `verify`.
public enum VerificationProblem: Equatable, Sendable, CustomStringConvertible {
    /// The signature does not verify under the trusted key named by the row's key id.
    case invalidSignature(reportID: Int64, keyID: String)
    /// The row's key id is not among the keys the verifier trusts.
    case untrustedKey(reportID: Int64, keyID: String)
    /// The stored key id is not the fingerprint of the stored public key.
    case keyIDMismatch(reportID: Int64, stored: String, computed: String)
    /// The stored digest is not SHA-256 of the stored payload.
    case digestMismatch(reportID: Int64, stored: String, computed: String)
    /// A query column differs from the value derived from the payload.
    case columnMismatch(reportID: Int64, column: String, stored: String?, derived: String?)
    /// The payload could not be read to derive its columns.
    case unreadablePayload(reportID: Int64, reason: String)
    /// The chain link the payload records differs from the row's chain column.
    case payloadLinkMismatch(reportID: Int64, column: String, recorded: String?, stored: String?)
    /// The first report names a predecessor.
    case firstReportHasPredecessor(reportID: Int64, previousDigest: String)
    /// A report's previous digest is not the digest of the report before it by id.
    case brokenLink(reportID: Int64, previousReportID: Int64, expected: String, found: String?)
    /// Ids between `afterID` (exclusive; nil = the start) and `beforeID` (exclusive) are missing.
    case missingReports(afterID: Int64?, beforeID: Int64)
    /// Reports after `afterID` (nil = all) up to `lastIssuedID` were issued but are gone.
    case missingTrailingReports(afterID: Int64?, lastIssuedID: Int64)

    /// The report the problem is attached to, if any.
    public var reportID: Int64? {
        switch self {
        case let .invalidSignature(id, _), let .untrustedKey(id, _), let .keyIDMismatch(id, _, _),
             let .digestMismatch(id, _, _), let .columnMismatch(id, _, _, _), let .unreadablePayload(id, _),
             let .payloadLinkMismatch(id, _, _, _), let .firstReportHasPredecessor(id, _), let .brokenLink(id, _, _, _):
            return id
        case let .missingReports(_, before): return before
        case let .missingTrailingReports(after, _): return after
        }
    }

    /// One sentence naming the report and what is wrong.
    public var description: String {
        func show(_ value: String?) -> String { value.map { "'\($0)'" } ?? "NULL" }
        switch self {
        case let .invalidSignature(id, keyID):
            return "report \(id): the signature does not verify under trusted key \(keyID); the payload or signature was changed."
        case let .untrustedKey(id, keyID):
            return "report \(id): signed by \(keyID), which is not among the trusted keys; "
                + "trust its public key explicitly only if you know who holds it."
        case let .keyIDMismatch(id, stored, computed):
            return "report \(id): key id \(stored) is not the fingerprint \(computed) of the stored public key."
        case let .digestMismatch(id, stored, computed):
            return "report \(id): stored digest \(stored) but the payload hashes to \(computed); the payload was changed."
        case let .columnMismatch(id, column, stored, derived):
            return "report \(id): column \(column) holds \(show(stored)) but the payload gives \(show(derived))."
        case let .unreadablePayload(id, reason):
            return "report \(id): the payload cannot be read (\(reason))."
        case let .payloadLinkMismatch(id, column, recorded, stored):
            return "report \(id): the payload records \(column) \(show(recorded)) but the row holds \(show(stored))."
        case let .firstReportHasPredecessor(id, previous):
            return "report \(id): the first report names predecessor \(previous); earlier reports were removed."
        case let .brokenLink(id, previousID, expected, found):
            return "report \(id): previous digest is \(show(found)) but report \(previousID) has digest \(expected); "
                + "reports were removed, reordered or changed."
        case let .missingReports(after, before):
            return "reports \(after.map { "\($0 + 1)" } ?? "1")–\(before - 1) are missing before report \(before); they were removed."
        case let .missingTrailingReports(after, last):
            return "reports \(after.map { "\($0 + 1)" } ?? "1")–\(last) were stored but are gone; the newest reports were removed."
        }
    }
}

/// What `verify` found: how many reports it checked and every problem, in id order.
public struct VerificationResult: Equatable, Sendable {
    /// The number of reports whose payload, signature and columns were checked.
    public let checkedReports: Int
    /// Every problem found; empty when everything verifies.
    public let problems: [VerificationProblem]

    /// True when there are no problems.
    public var isValid: Bool { problems.isEmpty }

    /// A result over `checkedReports` reports with `problems`.
    public init(checkedReports: Int, problems: [VerificationProblem]) {
        self.checkedReports = checkedReports
        self.problems = problems
    }
}
