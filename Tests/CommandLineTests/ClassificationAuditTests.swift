import Foundation
import Testing

/// Audits on a classification data set (fixtures/digits, the UCI handwritten digits in
/// scikit-learn's copy): the claimed deletion that changed nothing fails, exact retraining passes,
/// and the reports speak of accuracy and the classification truth ratio.
@Suite(.serialized) struct ClassificationAuditTests {
    /// A spec auditing `method` on fixtures/digits; 8 shadows, 16 gold models, every path absolute.
    func writeSpec(method: String, in directory: URL) throws -> String {
        let yaml = """
            name: digits-\(method)
            seed: 0
            data: \(repositoryRoot.appendingPathComponent("fixtures/digits").path)
            original:
              path: \(directory.appendingPathComponent("digits-original.safetensors").path)
              train: {seed: 0, recipe: {epochs: 40, image_hidden: [128], fusion_hidden: [64]}}
            target:
              unlearn: {method: \(method), seed: 123}
            shadows: {count: 8}
            gold: 16
            attacks: [svm, ulira, umia, forget_quality, rmia]
            cache: \(directory.appendingPathComponent("cache").path)

            """
        let path = directory.appendingPathComponent("digits-\(method).yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func fakeDeletionFailsAndRetrainingPassesOnDigits() throws {
        let directory = try temporaryDirectory("classification")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("keys/auditor.key").path
        #expect(try runMiaudit(["keys", "generate", "--out", key]).status == 0)
        let db = directory.appendingPathComponent("audits.sqlite").path

        let none = try runMiaudit(["audit", try writeSpec(method: "none", in: directory), "--db", db, "--key", key,
                                   "--format", "json", "--threads", "2"])
        #expect(none.status == 1, "\(none.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(none.standardOutput.utf8)) as? [String: Any])
        #expect((report["gate"] as? [String: Any])?["verdict"] as? String == "fail")
        let metrics = try #require(report["metrics"] as? [String: Any])
        #expect(metrics["utility.test_accuracy"] != nil && metrics["utility.test_itm_accuracy"] == nil)
        let utility = try #require((report["utility"] as? [String: Any])?["audited"] as? [String: Any])
        #expect(utility["task"] as? String == "classification")
        #expect(try #require(utility["test_itm_accuracy"] as? Double) > 0.9)
        #expect(utility["forget_mismatched_match_rate"] == nil)
        let truth = (report["signals"] as? [String: Any])?["truth_ratio"] as? [String: Any]
        #expect(truth?["view"] as? String == "classes")
        // The original (and the unchanged target) answers 10 classes, named as the data set names them.
        let original = try #require((report["models"] as? [String: Any])?["original"] as? [String: Any])
        #expect(original["classes"] as? [String] == (0..<10).map(String.init))

        let markdown = directory.appendingPathComponent("1.md").path
        #expect(try runMiaudit(["report", "export", "1", "--db", db, "--format", "md", "--out", markdown]).status == 0)
        let text = try String(contentsOfFile: markdown, encoding: .utf8)
        #expect(text.contains("Truth ratios (classification)"))
        #expect(text.contains("Test accuracy"))
        #expect(!text.contains("Test ITM accuracy"))

        let retrain = try runMiaudit(["audit", try writeSpec(method: "retrain", in: directory), "--db", db, "--key", key, "--threads", "2"])
        #expect(retrain.status == 0, "\(retrain.standardOutput)\n\(retrain.standardError)")
        #expect(retrain.standardOutput.contains("verdict: PASS"))
        #expect(retrain.standardOutput.contains("utility: test accuracy"))
    }
}
