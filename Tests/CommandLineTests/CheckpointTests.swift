import Foundation
import GRDB
import Testing

/// Witnessed checkpoints: a signed statement of the store's head that `report verify --checkpoint`
/// holds the store to. Each way of losing the newest reports that verified before now fails.
@Suite(.serialized) struct CheckpointTests {
    /// A store of three appended reports, a key and a checkpoint of the head, in `directory`.
    func storeWithCheckpoint(in directory: URL) throws -> (db: String, key: String, checkpoint: String) {
        let key = directory.appendingPathComponent("k.key").path
        #expect(try runMiaudit(["keys", "generate", "--out", key]).status == 0)
        let db = directory.appendingPathComponent("s.sqlite").path
        for index in 1...3 {
            let payload = directory.appendingPathComponent("p\(index).json")
            try Data(#"{"audit_name": "a\#(index)", "gate": {"verdict": "pass"}, "metrics": {}}"#.utf8).write(to: payload)
            let appended = try runMiaudit(["report", "append", "--db", db, "--key", key, "--payload", payload.path])
            #expect(appended.status == 0, "\(appended.standardError)")
        }
        let checkpoint = directory.appendingPathComponent("head.json").path
        let made = try runMiaudit(["report", "checkpoint", "--db", db, "--key", key, "--out", checkpoint])
        #expect(made.status == 0, "\(made.standardError)")
        return (db, key, checkpoint)
    }

    func verify(_ db: String, key: String, checkpoint: String?) throws -> CommandResult {
        try runMiaudit(["report", "verify", "--all", "--db", db, "--trusted-key", key + ".pub"] + (checkpoint.map { ["--checkpoint", $0] } ?? []))
    }

    /// Removes reports with SQLite directly, as someone with the file could: triggers dropped,
    /// rows deleted, the id sequence rolled back so the ids look untouched.
    func remove(reportsAbove id: Int64, from db: String) throws {
        let queue = try DatabaseQueue(path: db)
        try queue.writeWithoutTransaction { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: "DELETE FROM reports WHERE id > ?", arguments: [id])
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = ? WHERE name = 'reports'", arguments: [id])
        }
    }

    @Test func removedNewestReportsAnEmptiedStoreAndATruncatedFileFailAgainstTheCheckpoint() throws {
        let directory = try temporaryDirectory("checkpoint")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (db, key, checkpoint) = try storeWithCheckpoint(in: directory)
        let intact = try verify(db, key: key, checkpoint: checkpoint)
        #expect(intact.status == 0, "\(intact.standardOutput)\(intact.standardError)")
        #expect(intact.standardOutput.contains("the store holds the head of 1 checkpoint (3 reports)"))

        // The last report deleted: the chain of the two left still verifies on its own…
        try remove(reportsAbove: 2, from: db)
        #expect(try verify(db, key: key, checkpoint: nil).status == 0)
        // …but not against the checkpoint.
        let removed = try verify(db, key: key, checkpoint: checkpoint)
        #expect(removed.status == 1)
        #expect(removed.standardOutput.contains("no longer holds report 3"), "\(removed.standardOutput)")
        #expect(removed.standardOutput.contains("it holds 2: reports were removed"))

        // Every report deleted.
        try remove(reportsAbove: 0, from: db)
        let emptied = try verify(db, key: key, checkpoint: checkpoint)
        #expect(emptied.status == 1 && emptied.standardOutput.contains("no longer holds report 3"), "\(emptied.standardOutput)")

        // The file truncated to 0 bytes.
        try Data().write(to: URL(fileURLWithPath: db))
        let truncated = try verify(db, key: key, checkpoint: checkpoint)
        #expect(truncated.status == 1, "\(truncated.standardOutput)\(truncated.standardError)")
        #expect(truncated.standardOutput.contains("witnessed 3 report(s)"))
        #expect(truncated.standardOutput.contains("but the store cannot be read"))
    }

    @Test func aStoreCopiedWithoutItsWALLacksTheWitnessedHead() throws {
        let directory = try temporaryDirectory("checkpoint-wal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (db, key, _) = try storeWithCheckpoint(in: directory)
        // A writer keeps the store open, so a fourth report sits in the WAL while the checkpoint is made.
        let pool = try DatabasePool(path: db)
        try pool.write { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        let payload = directory.appendingPathComponent("p4.json")
        try Data(#"{"audit_name": "a4", "gate": {"verdict": "pass"}, "metrics": {}}"#.utf8).write(to: payload)
        #expect(try runMiaudit(["report", "append", "--db", db, "--key", key, "--payload", payload.path]).status == 0)
        let checkpoint = directory.appendingPathComponent("head4.json").path
        #expect(try runMiaudit(["report", "checkpoint", "--db", db, "--key", key, "--out", checkpoint]).status == 0)
        let copy = directory.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        _ = pool
        let lost = try verify(copy, key: key, checkpoint: checkpoint)
        #expect(lost.status == 1, "\(lost.standardOutput)\(lost.standardError)")
        #expect(lost.standardOutput.contains("no longer holds report 4") || lost.standardOutput.contains("cannot be read"), "\(lost.standardOutput)")
    }

    @Test func aCheckpointSignedByAnotherKeyOrAlteredIsRefused() throws {
        let directory = try temporaryDirectory("checkpoint-key")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (db, key, checkpoint) = try storeWithCheckpoint(in: directory)
        let other = directory.appendingPathComponent("other.key").path
        #expect(try runMiaudit(["keys", "generate", "--out", other]).status == 0)
        let foreign = try runMiaudit(["report", "verify", "--all", "--db", db, "--trusted-key", other + ".pub", "--checkpoint", checkpoint])
        #expect(foreign.status == 65 && foreign.standardError.contains("is not signed by any --trusted-key"), "\(foreign.standardError)")
        let text = try String(contentsOfFile: checkpoint, encoding: .utf8)
        let altered = directory.appendingPathComponent("altered.json").path
        try Data(text.replacingOccurrences(of: #""reports":3"#, with: #""reports":2"#).utf8).write(to: URL(fileURLWithPath: altered))
        let refused = try verify(db, key: key, checkpoint: altered)
        #expect(refused.status == 65 && refused.standardError.contains("is not signed by any --trusted-key"), "\(refused.standardError)")
    }

    @Test func withoutOutTheCheckpointGoesToStandardOutput() throws {
        let directory = try temporaryDirectory("checkpoint-audit")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (db, key, _) = try storeWithCheckpoint(in: directory)
        let payload = directory.appendingPathComponent("p5.json")
        try Data(#"{"audit_name": "a5", "gate": {"verdict": "pass"}, "metrics": {}}"#.utf8).write(to: payload)
        #expect(try runMiaudit(["report", "append", "--db", db, "--key", key, "--payload", payload.path]).status == 0)
        let printed = try runMiaudit(["report", "checkpoint", "--db", db, "--key", key])
        #expect(printed.status == 0)
        #expect(printed.standardOutput.contains(#""reports":4"#) && printed.standardOutput.contains(#""format":"miaudit-checkpoint""#))

        // For scripts: the list as JSON, and an export to standard output (not a file named "-").
        let list = try runMiaudit(["report", "list", "--db", db, "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["audit_name"] as? String } == ["a1", "a2", "a3", "a5"])
        #expect(rows.allSatisfy { ($0["digest"] as? String)?.count == 64 })
        let exported = try runMiaudit(["report", "export", "2", "--db", db, "--format", "json", "--out", "-"])
        #expect(exported.status == 0 && exported.standardOutput.hasPrefix(#"{"audit_name":"a2""#))
        #expect(!FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("-").path))
    }
}
