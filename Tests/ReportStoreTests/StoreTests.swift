import Dispatch
import Foundation
import GRDB
import NumericCore
import ReportStore
import Testing

@Suite("Report store")
struct StoreTests {
    let key = SigningKey()

    @Test func roundTripKeepsExactBytesAndLinksTheChain() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("reports.sqlite")
            var appended: [SignedReport] = []
            do {
                let store = try SignedReportStore(path: path, columns: fixtureColumns)
                for index in 1 ... 3 {
                    appended.append(try appendFixture(store, key: key, name: "audit-\(index)", verdict: index == 2 ? "fail" : "pass"))
                }
            }
            // Reopen from the file: everything persisted.
            let store = try SignedReportStore(path: path, columns: fixtureColumns)
            #expect(appended.map(\.id) == [1, 2, 3])
            #expect(appended.map(\.previousDigest) == [nil, appended[0].digest, appended[1].digest])
            for report in appended {
                #expect(try store.report(id: report.id) == report)
                #expect(report.digest == CanonicalJSON.digest(of: report.payload))
                #expect(report.keyID == key.keyID)
                #expect(report.publicKey == key.verifyingKey.rawRepresentation)
                #expect(key.verifyingKey.isValidSignature(report.signature, for: report.payload))
            }
            let expectedPayload = try CanonicalJSON.encode(FixtureReport(
                auditName: "audit-2", previousDigest: appended[0].digest, signerKeyID: key.keyID, gate: .init(verdict: "fail"),
                metrics: ["u_lira_auc": 0.51, "forget_quality_p": 0.25], notes: String(repeating: "n", count: 40)))
            #expect(appended[1].payload == expectedPayload)
            #expect(appended[1].verdict == "fail")
            #expect(appended[1].auditName == "audit-2")
            #expect(appended[1].metricsJSON == #"{"forget_quality_p":0.25,"u_lira_auc":0.51}"#)
            #expect(try store.head() == appended[2])
            #expect(try store.report(id: 4) == nil)
            #expect(try store.list().map(\.verdict) == ["pass", "fail", "pass"])
            #expect(try store.list().map(\.digest) == appended.map(\.digest))

            let result = try store.verifyAll(trustedKeys: [key.verifyingKey])
            #expect(result == VerificationResult(checkedReports: 3, problems: []))
            #expect(try store.verify(id: 2, trustedKeys: [key.verifyingKey]).isValid)
            #expect(try integrityCheck(store) == "ok")
            #expect(try store.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
            #expect(try store.writer.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1)
            let migrations = try store.writer.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
            #expect(migrations == ["v1-create-reports", "v1-append-only-triggers"])
        }
    }

    @Test func triggersRefuseUpdateAndDelete() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 2)
            let before = try store.report(id: 1)
            for sql in ["UPDATE reports SET verdict = 'fail' WHERE id = 1", "UPDATE reports SET payload = x'00' WHERE id = 1",
                        "DELETE FROM reports WHERE id = 1", "DELETE FROM reports"] {
                let error = #expect(throws: DatabaseError.self) { try execute(store, sql) }
                #expect(error?.message?.contains("reports are append-only") == true, "\(sql)")
            }
            #expect(try store.report(id: 1) == before)
            #expect(try store.list().count == 2)
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).isValid)
        }
    }

    @Test func aFailedTransactionLeavesTheEarlierReportsIntact() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            // The payload builder fails inside the immediate transaction.
            #expect(throws: Boom.self) { try store.append(signingKey: key) { _ in throw Boom() } }
            // A raw insert of a well-formed row, then a failure before commit.
            let head = try #require(try store.head())
            #expect(throws: Boom.self) {
                try store.writer.write { db in
                    try db.execute(sql: """
                        INSERT INTO reports (created_at, payload, digest, signature, key_id, public_key, previous_digest)
                        VALUES ('2025-01-01 00:00:00.000', x'7b7d', ?, zeroblob(64), ?, zeroblob(32), ?)
                        """, arguments: [String(repeating: "a", count: 64), key.keyID, head.digest])
                    #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM reports") == 4)
                    throw Boom()
                }
            }
            // A payload built against a stale head is refused before anything is written.
            let stale = try CanonicalJSON.encode(FixtureReport(
                auditName: "stale", previousDigest: nil, signerKeyID: key.keyID, gate: .init(verdict: "pass"), metrics: [:], notes: ""))
            let error = #expect(throws: ReportStoreError.self) { try store.append(payload: stale, signingKey: key) }
            #expect(error?.exitStatus == .data)

            #expect(try store.list().map(\.id) == [1, 2, 3])
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]) == VerificationResult(checkedReports: 3, problems: []))
            #expect(try integrityCheck(store) == "ok")
            // The next report takes id 4: the failures consumed no id and left no gap.
            #expect(try appendFixture(store, key: key, name: "after").id == 4)
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]) == VerificationResult(checkedReports: 4, problems: []))
        }
    }

    @Test func concurrentWritersFromTwoConnectionsKeepOneChain() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("reports.sqlite")
            let stores = [try SignedReportStore(path: path, columns: fixtureColumns),
                          try SignedReportStore(path: path, columns: fixtureColumns)]
            let failures = FailureCounter()
            DispatchQueue.concurrentPerform(iterations: 2) { writer in
                for index in 0 ..< 15 {
                    do {
                        try appendFixture(stores[writer], key: key, name: "w\(writer)-\(index)")
                    } catch {
                        failures.increment()
                    }
                }
            }
            #expect(failures.value == 0)
            let result = try stores[0].verifyAll(trustedKeys: [key.verifyingKey])
            #expect(result == VerificationResult(checkedReports: 30, problems: []))
            #expect(try integrityCheck(stores[1]) == "ok")
        }
    }

    @Test func payloadWithoutChainFieldsAndDuplicates() throws {
        let store = try SignedReportStore(writer: DatabaseQueue(), columns: JSONFieldColumns(verdictPath: ["verdict"]))
        let payload = Data(#"{"verdict":"inconclusive"}"#.utf8)
        let first = try store.append(payload: payload, signingKey: key)
        #expect(first.verdict == "inconclusive")
        #expect(first.auditName == nil && first.metricsJSON == nil)
        let error = #expect(throws: ReportStoreError.self) { try store.append(payload: payload, signingKey: key) }
        #expect(error == .duplicateReport(path: ":memory:", digest: first.digest, existingID: 1))
        let badVerdict = Data(#"{"verdict":3}"#.utf8)
        #expect(throws: ReportStoreError.invalidPayloadField(field: "verdict", problem: "is not a string")) {
            try store.append(payload: badVerdict, signingKey: key)
        }
        #expect(try store.list().count == 1)
    }

    @Test func openingErrorsNameTheFile() throws {
        try withTemporaryDirectory { directory in
            let missingDirectory = directory.appendingPathComponent("no/such/dir/reports.sqlite")
            let error = #expect(throws: ReportStoreError.self) {
                try SignedReportStore(path: missingDirectory, columns: fixtureColumns)
            }
            #expect(error?.exitStatus == .cannotCreate)
            #expect(error?.description.hasPrefix(missingDirectory.path + ":") == true)

            let notADatabase = directory.appendingPathComponent("notes.txt")
            try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: notADatabase)
            let notStore = #expect(throws: ReportStoreError.self) { try SignedReportStore(path: notADatabase, columns: fixtureColumns) }
            #expect(notStore?.exitStatus == .data)
            #expect(notStore?.description.hasPrefix(notADatabase.path + ": not a usable report store") == true)

            let store = try makeStore(in: directory, key: key, count: 1)
            #expect(throws: ReportStoreError.noSuchReport(path: store.location, id: 9)) {
                try store.verify(id: 9, trustedKeys: [key.verifyingKey])
            }
        }
    }
}
