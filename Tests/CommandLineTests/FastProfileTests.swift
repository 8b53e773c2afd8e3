import Foundation
import SmallFixtureSupport
import Testing

/// `profile: fast` end to end on the small fixture: no shadows are trained, the gold models are
/// the references, and the report says so.
@Suite(.serialized) struct FastProfileTests {
    @Test func aFastAuditTrainsOnlyGoldModelsAndGatesOnTheOfflineAttacks() throws {
        let directory = try temporaryDirectory("fast-profile")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("keys/auditor.key").path
        #expect(try runMiaudit(["keys", "generate", "--out", key]).status == 0)
        // The largest seed, which a double cannot hold: report show must print it digit for digit.
        let yaml = SmallFixtureSupport.auditSpecYAML(name: "small-fast", method: "none", in: directory, seed: UInt64.max)
            .replacingOccurrences(of: "shadows: {count: 4}\ngold: 2", with: "profile: fast\ngold: 4")
        #expect(yaml.contains("profile: fast"))
        let spec = directory.appendingPathComponent("fast.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: spec))
        let db = directory.appendingPathComponent("audits.sqlite").path

        let result = try runMiaudit(["audit", spec, "--db", db, "--key", key, "--format", "json", "--threads", "2"])
        #expect([0, 1].contains(result.status), "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        // Where the report went: its id, digest and key in the store, as report list names them.
        let stored = try #require(report["stored"] as? [String: Any])
        #expect(stored["id"] as? Int == 1 && stored["db"] as? String == db)
        let digest = try #require(stored["digest"] as? String)
        #expect(digest.count == 64 && (stored["key_id"] as? String)?.hasPrefix("ed25519:") == true)
        let listed = try runMiaudit(["report", "list", "--db", db, "--format", "json"])
        #expect(listed.standardOutput.contains(digest), "\(listed.standardOutput)")
        let references = try #require(report["references"] as? [String: Any])
        #expect(references["profile"] as? String == "fast")
        #expect((references["shadow_models"] as? [Any])?.isEmpty == true)
        #expect((references["gold_models"] as? [Any])?.count == 4)
        let metrics = try #require(report["metrics"] as? [String: Any])
        for name in ["ulira.offline.auc", "rmia.offline.auc", "umia.cross_validated.auc", "forget_quality.median_pvalue"] {
            #expect(metrics[name] != nil, "\(name) missing")
        }
        for name in ["ulira.online.auc", "rmia.online.auc", "umia.shadow.auc"] { #expect(metrics[name] == nil, "\(name) present") }
        let rules = try #require((report["gate"] as? [String: Any])?["results"] as? [[String: Any]])
        #expect(rules.compactMap { ($0["rule"] as? [String: Any])?["metric"] as? String }
            == ["ulira.offline.auc", "rmia.offline.auc", "umia.cross_validated.auc", "forget_quality.median_pvalue"])

        // Not a terminal: one plain progress line per model, no carriage returns or escape sequences.
        #expect(result.standardError.contains("  models 4/4 "), "\(result.standardError)")
        #expect(!result.standardError.contains("\r") && !result.standardError.contains("\u{1B}"))
        // Each audit leaves a signed checkpoint of the store beside it and says where.
        #expect(result.standardError.contains("checkpoint: \(directory.path)/checkpoints/audits-1.json (1 report"), "\(result.standardError)")
        let text = try runMiaudit(["audit", spec, "--db", db, "--key", key, "--threads", "2"])
        // The gate's rules, two lines each, fit an 80-column terminal or CI log.
        let output = text.standardOutput.split(separator: "\n")
        let ruleStarts = output.indices.filter { i in ["PASS ", "FAIL ", "INCONCLUSIVE "].contains { output[i].hasPrefix($0) } }
        let ruleLines = ruleStarts.flatMap { [output[$0], output[$0 + 1]] }
        #expect(ruleStarts.count == 4 && ruleStarts.allSatisfy { output[$0 + 1].hasPrefix("  ") }, "\(text.standardOutput)")
        #expect(ruleLines.allSatisfy { $0.count <= 80 }, "\(ruleLines.filter { $0.count > 80 })")
        #expect(text.standardOutput.contains("checkpoint: \(directory.path)/checkpoints/audits-2.json (2 reports"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoints/audits-2.json").path))
        let verified = try runMiaudit(["report", "verify", "--all", "--db", db, "--trusted-key", key + ".pub",
                                       "--checkpoint", directory.appendingPathComponent("checkpoints/audits-2.json").path])
        #expect(verified.status == 0, "\(verified.standardOutput)")
        #expect(text.standardOutput.contains("models: fast profile, 4 gold models as the references (no shadows); 0 trained now"),
                "\(text.standardOutput)")
        let shown = try runMiaudit(["report", "show", "1", "--db", db])
        #expect(shown.standardOutput.contains(#""seed": 18446744073709551615"#), "\(shown.standardOutput.prefix(600))")
        let markdown = directory.appendingPathComponent("r.md").path
        #expect(try runMiaudit(["report", "export", "2", "--db", db, "--format", "md", "--out", markdown]).status == 0)
        let page = try String(contentsOfFile: markdown, encoding: .utf8)
        #expect(page.contains("fast: no shadows; the gold models are the attacks' references"))
        #expect(page.contains("Fast profile: the 4 gold models are the references"))
    }
}
