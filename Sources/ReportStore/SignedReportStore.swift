import Foundation
import GRDB

/// An append-only SQLite store of signed reports that form a hash chain.
///
/// Each report row holds the exact payload bytes, their SHA-256 digest, an Ed25519 signature,
/// the signer's key id and public key, and the digest of the report before it (NULL for the
/// first). SQLite enforces the invariants it can: triggers refuse UPDATE and DELETE, the digest is
/// unique, `previous_digest` references an existing digest (foreign key), no two reports share a
/// predecessor and only one report has none. `verify(id:trustedKeys:)` and
/// `verifyAll(trustedKeys:)` check the rest.
///
/// The type is named `SignedReportStore` so that it does not share its module's name.
public final class SignedReportStore: Sendable {
    /// The database the store reads and writes; exposed for maintenance and tests.
    public let writer: any DatabaseWriter
    /// The store's path (or a description of an in-memory database), used in error messages.
    public let location: String
    /// Derives the query columns from payloads when storing and verifying.
    public let columnDeriver: any ReportColumnDeriving

    /// Opens or creates the store at `path` in WAL mode with foreign keys on, and migrates it.
    ///
    /// Throws `.cannotOpenStore` (cannotCreate) when the file cannot be opened or created and
    /// `.notAStore` (data) when it is not a database, or was migrated by a newer version.
    public convenience init(path: URL, columns: any ReportColumnDeriving) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(10)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path.path, configuration: configuration)
        } catch let error as DatabaseError {
            throw Self.openError(error, location: path.path)
        }
        try self.init(writer: pool, location: path.path, columns: columns)
    }

    /// Opens the existing store at `path` for reading only: no migration, no write, no WAL
    /// checkpoint, so listing, showing, verifying or exporting leaves the file's bytes as they were
    /// and works on a read-only copy.
    ///
    /// Throws `.cannotOpenStore` when the file cannot be opened and `.notAStore` when it is not a
    /// store, was written by a newer miaudit, or still needs a migration (open it once for writing).
    public convenience init(readingOnly path: URL, columns: any ReportColumnDeriving) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path.path, configuration: configuration)
        } catch let error as DatabaseError {
            throw Self.openError(error, location: path.path)
        }
        try self.init(writer: queue, location: path.path, columns: columns, migrate: false)
    }

    /// Uses `writer` (e.g. an in-memory `DatabaseQueue` in tests) and migrates it; with `migrate`
    /// false, only checks that it is a store at this code's schema.
    public init(writer: any DatabaseWriter, location: String = ":memory:", columns: any ReportColumnDeriving,
                migrate: Bool = true) throws {
        self.writer = writer
        self.location = location
        self.columnDeriver = columns
        let migrator = Self.migrator
        do {
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
                throw ReportStoreError.notAStore(path: location, reason: "it was written by a newer miaudit")
            }
            if migrate {
                try migrator.migrate(writer)
            } else if try !writer.read({ try migrator.hasCompletedMigrations($0) }) {
                throw ReportStoreError.notAStore(path: location, reason: "it is not a report store at this miaudit's schema (an empty file, "
                                                 + "another database, or one an older miaudit wrote: store a report in it once to migrate it)")
            }
        } catch let error as DatabaseError {
            throw Self.openError(error, location: location)
        }
    }

    /// Stores `payload` signed by `signingKey` as the new chain head.
    ///
    /// The columns are derived from the payload; if it records a chain link, the link must match
    /// the current head, or this throws `.payloadLinkMismatch`.
    @discardableResult
    public func append(payload: Data, signingKey: SigningKey) throws -> SignedReport {
        try append(signingKey: signingKey) { _ in payload }
    }

    /// Builds a payload for the current chain head and stores it, all in one immediate transaction.
    ///
    /// `build` receives the head's digest and the signer's key id, so that the report can record
    /// them; it runs while the store is locked for writing, so no other writer can move the head in
    /// between. Whatever `build` throws rolls the transaction back and is rethrown unchanged.
    @discardableResult
    public func append(signingKey: SigningKey, building build: (ChainLink) throws -> Data) throws -> SignedReport {
        try translatingErrors {
            try writer.writeWithoutTransaction { db in
                var stored: SignedReport?
                try db.inTransaction(.immediate) {
                    stored = try insert(db, signingKey: signingKey, build: build)
                    return .commit
                }
                guard let stored else { preconditionFailure("a committed append always stores a report") }
                return stored
            }
        }
    }

    private func insert(_ db: Database, signingKey: SigningKey, build: (ChainLink) throws -> Data) throws -> SignedReport {
        let head = try String.fetchOne(db, sql: "SELECT digest FROM reports ORDER BY id DESC LIMIT 1")
        let link = ChainLink(previousDigest: head, keyID: signingKey.keyID)
        let payload = try build(link)
        let columns = try columnDeriver.columns(of: payload)
        if let recorded = columns.chainLink {
            if recorded.previousDigest != link.previousDigest {
                throw ReportStoreError.payloadLinkMismatch(field: "previous digest", recorded: recorded.previousDigest ?? "null",
                                                           actual: link.previousDigest ?? "null (the store is empty)")
            }
            if recorded.keyID != link.keyID {
                throw ReportStoreError.payloadLinkMismatch(field: "key id", recorded: recorded.keyID, actual: link.keyID)
            }
        }
        let digest = CanonicalJSON.digest(of: payload)
        if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM reports WHERE digest = ?", arguments: [digest]) {
            throw ReportStoreError.duplicateReport(path: location, digest: digest, existingID: existing)
        }
        var record = ReportRecord(
            id: nil, createdAt: Date(), payload: payload, digest: digest,
            signature: try signingKey.signature(for: payload), keyID: signingKey.keyID,
            publicKey: signingKey.verifyingKey.rawRepresentation, previousDigest: head,
            verdict: columns.verdict, auditName: columns.auditName, metrics: columns.metricsJSON)
        try record.insert(db)
        // Read back, so the returned value equals what `report(id:)` gives (dates are stored to the ms).
        guard let id = record.id, let inserted = try ReportRecord.fetchOne(db, key: id) else {
            preconditionFailure("an inserted report row can be read back in its transaction")
        }
        return inserted.signedReport
    }

    /// The report with `id`, or nil when there is none.
    public func report(id: Int64) throws -> SignedReport? {
        try translatingErrors {
            try writer.read { db in try ReportRecord.fetchOne(db, key: id)?.signedReport }
        }
    }

    /// The newest report (the chain head), or nil when the store is empty.
    public func head() throws -> SignedReport? {
        try translatingErrors {
            try writer.read { db in
                try ReportRecord.order(ReportRecord.Columns.id.desc).fetchOne(db)?.signedReport
            }
        }
    }

    /// Every report without payload and signature, oldest first.
    public func list() throws -> [ReportSummary] {
        try translatingErrors {
            try writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, created_at, digest, key_id, verdict, audit_name, metrics FROM reports ORDER BY id
                    """).map { row in
                    ReportSummary(id: row["id"], createdAt: row["created_at"], digest: row["digest"], keyID: row["key_id"],
                                  verdict: row["verdict"], auditName: row["audit_name"], metricsJSON: row["metrics"])
                }
            }
        }
    }

    /// Runs `body`, turning SQLite errors into `ReportStoreError`s that name the store.
    func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw ReportStoreError.notAStore(path: location, reason: error.message ?? "\(error.resultCode)")
            default:
                throw ReportStoreError.storeFailure(path: location, reason: error.message ?? "\(error.resultCode)")
            }
        }
    }

    private static func openError(_ error: DatabaseError, location: String) -> ReportStoreError {
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
            return .cannotOpenStore(path: location, reason: reason)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_ERROR:
            return .notAStore(path: location, reason: reason)
        default:
            return .storeFailure(path: location, reason: reason)
        }
    }
}
