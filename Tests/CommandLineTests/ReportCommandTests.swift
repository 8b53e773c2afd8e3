import Foundation
import Testing

/// `miaudit keys generate` and `miaudit report list|show|verify|append` on a real store file.
@Suite struct ReportCommandTests {
    /// Generates key `name` in `directory` and returns the private key path.
    func generateKey(_ name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("keys/\(name)").path
        let result = try runMiaudit(["keys", "generate", "--out", path])
        #expect(result.status == 0, "\(result.standardError)")
        return path
    }

    /// Writes a payload whose `notes` field is `marker` and appends it to `db` signed with `key`.
    func append(auditName: String, verdict: String, marker: String, db: String, key: String, in directory: URL) throws -> CommandResult {
        let payload = directory.appendingPathComponent("\(auditName).json")
        let json = #"{"audit_name": "\#(auditName)", "gate": {"verdict": "\#(verdict)"}, "metrics": {"ulira.online.auc": 0.52}, "notes": "\#(marker)"}"#
        try Data(json.utf8).write(to: payload)
        return try runMiaudit(["report", "append", "--db", db, "--key", key, "--payload", payload.path])
    }

    /// A store with two reports signed by a fresh key; returns (directory, db, private key).
    func storeWithTwoReports(_ label: String) throws -> (URL, String, String) {
        let directory = try temporaryDirectory(label)
        let key = try generateKey("signer", in: directory)
        let db = directory.appendingPathComponent("audits.sqlite").path
        let first = try append(auditName: "audit-one", verdict: "pass", marker: "marker-one", db: db, key: key, in: directory)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.hasPrefix("appended report 1 digest "))
        let second = try append(auditName: "audit-two", verdict: "fail", marker: "marker-two", db: db, key: key, in: directory)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.hasPrefix("appended report 2 digest "))
        return (directory, db, key)
    }

    /// Usage lines say what is required, and study commands say that they write only when asked.
    @Test func helpShowsWhatIsRequiredAndWhatIsWritten() throws {
        let verify = try runMiaudit(["report", "verify", "--help"])
        let usage = try #require(verify.standardOutput.components(separatedBy: "\n").first { $0.hasPrefix("USAGE:") })
        #expect(usage.contains(" --trusted-key <file> ...") && !usage.contains("[--trusted-key"), "\(usage)")
        for study in ["methods", "gate", "profiles", "references"] {
            let help = try runMiaudit(["results", study, "--help"])
            let words = help.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(words.contains("Without --out the section is printed and no file is written"), "results \(study)")
            #expect(help.standardOutput.contains("[--out <file>]"), "results \(study)")
        }
    }

    @Test func generateWritesAPrivateKeyWithMode0600AndRefusesToOverwrite() throws {
        let directory = try temporaryDirectory("keys")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("keys/release").path
        let result = try runMiaudit(["keys", "generate", "--out", path])
        #expect(result.status == 0, "\(result.standardError)")
        let keyID = try #require(result.standardOutput.split(separator: "\n").last)
        #expect(keyID.hasPrefix("key id ed25519:"))
        #expect(keyID.count == "key id ed25519:".count + 16)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(FileManager.default.fileExists(atPath: path + ".pub"))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let again = try runMiaudit(["keys", "generate", "--out", path])
        #expect(again.status == 73)
        #expect(again.standardError.hasPrefix("miaudit: \(path): a key file already exists"))
        #expect(again.standardError.split(separator: "\n").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func listShowAndVerifyAStore() throws {
        let (directory, db, key) = try storeWithTwoReports("store")
        defer { try? FileManager.default.removeItem(at: directory) }

        let list = try runMiaudit(["report", "list", "--db", db])
        #expect(list.status == 0)
        let lines = list.standardOutput.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("id  time (UTC)"))
        #expect(lines[1].hasPrefix("1 ") && lines[1].contains("audit-one") && lines[1].contains("pass"))
        #expect(lines[2].hasPrefix("2 ") && lines[2].contains("audit-two") && lines[2].contains("fail"))

        let show = try runMiaudit(["report", "show", "2", "--db", db])
        #expect(show.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.standardOutput.utf8)) as? [String: Any])
        #expect(object["audit_name"] as? String == "audit-two")
        #expect((object["previous_digest"] as? String)?.count == 64)
        #expect((object["signer_key_id"] as? String)?.hasPrefix("ed25519:") == true)
        #expect(show.standardOutput.contains("\n  \"audit_name\""))  // pretty printed

        let all = try runMiaudit(["report", "verify", "--all", "--trusted-key", key + ".pub", "--db", db])
        #expect(all.status == 0, "\(all.standardOutput)")
        #expect(all.standardOutput == "verified 2 reports in \(db): every check passes\n")
        let one = try runMiaudit(["report", "verify", "2", "--trusted-key", key + ".pub", "--db", db])
        #expect(one.status == 0)

        let other = try generateKey("other", in: directory)
        let wrong = try runMiaudit(["report", "verify", "--trusted-key", other + ".pub", "--db", db])
        #expect(wrong.status == 1)
        let problems = wrong.standardOutput.split(separator: "\n").filter { $0.contains("is not among the trusted keys") }
        #expect(problems.count == 2)
        #expect(wrong.standardOutput.hasSuffix("2 reports in \(db): 2 problems\n"))
        let both = try runMiaudit(["report", "verify", "--trusted-key", other + ".pub", "--trusted-key", key + ".pub", "--db", db])
        #expect(both.status == 0)
    }

    @Test func aFlippedByteInThePayloadFailsVerification() throws {
        let (directory, db, key) = try storeWithTwoReports("tamper")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The marker is only in report 2's payload (no query column holds it); it may still sit in the WAL.
        var flipped = false
        for path in [db, db + "-wal"] where FileManager.default.fileExists(atPath: path) {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let range = bytes.firstRange(of: Data("marker-two".utf8)) else { continue }
            bytes[range.lowerBound] ^= 0x01  // m → l
            try bytes.write(to: URL(fileURLWithPath: path))
            flipped = true
        }
        #expect(flipped)
        let result = try runMiaudit(["report", "verify", "--all", "--trusted-key", key + ".pub", "--db", db])
        #expect(result.status == 1)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("report 2: the signature does not verify") })
        #expect(lines.contains { $0.hasPrefix("report 2: stored digest") })
        #expect(!lines.contains { $0.hasPrefix("report 1:") })
    }

    @Test func aDamagedHeaderIsAClearDataError() throws {
        let (directory, db, key) = try storeWithTwoReports("header")
        defer { try? FileManager.default.removeItem(at: directory) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        bytes[0] ^= 0xFF  // "SQLite format 3" no longer
        try bytes.write(to: URL(fileURLWithPath: db))
        let result = try runMiaudit(["report", "verify", "--all", "--trusted-key", key + ".pub", "--db", db])
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("miaudit: \(db): not a usable report store"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test func missingStoresReportsAndKeysAreClearErrors() throws {
        let directory = try temporaryDirectory("missing")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("none.sqlite").path
        let list = try runMiaudit(["report", "list", "--db", db])
        #expect(list.status == 66)
        #expect(list.standardError == "miaudit: \(db): no such report store; check --db or store a report first.\n")
        #expect(!FileManager.default.fileExists(atPath: db))

        let key = try generateKey("signer", in: directory)
        let verify = try runMiaudit(["report", "verify", "--trusted-key", key + ".pub", "--db", db])
        #expect(verify.status == 66)

        let noKey = try runMiaudit(["report", "verify", "--db", db])
        #expect(noKey.status == 64)
        #expect(noKey.standardError.contains("--trusted-key"))

        let real = try append(auditName: "a", verdict: "pass", marker: "m", db: db, key: key, in: directory)
        #expect(real.status == 0)
        let show = try runMiaudit(["report", "show", "7", "--db", db])
        #expect(show.status == 66)
        #expect(show.standardError.contains("there is no report with id 7"))
        let missingKey = try runMiaudit(["report", "verify", "--trusted-key", directory.appendingPathComponent("nope.pub").path, "--db", db])
        #expect(missingKey.status == 66)
    }

    @Test func verifyHelpDocumentsTheExitStatus() throws {
        let help = try runMiaudit(["report", "verify", "--help"])
        let text = help.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.status == 0)
        #expect(text.contains("Exit status: 0 when every check passes, 1 when any fails; 64 usage, 65 a malformed key file"))
    }
}
