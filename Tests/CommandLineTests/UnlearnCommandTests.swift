import Foundation
import Testing

/// `miaudit unlearn` and `miaudit results` on the small fixture.
@Suite struct UnlearnCommandTests {
    static func trainOriginal(_ directory: URL) throws -> String {
        let original = directory.appendingPathComponent("original.safetensors").path
        let trained = try runMiaudit(["train", "--data", "fixtures/emoji-cldr-small", "--out", original, "--epochs", "1",
                                      "--no-evaluate", "--threads", "1"])
        #expect(trained.status == 0, "\(trained.standardError)")
        return original
    }

    @Test func multiDeleteWritesAModelWithItsProvenance() throws {
        let directory = try temporaryDirectory("unlearn")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Self.trainOriginal(directory)
        let out = directory.appendingPathComponent("unlearned.safetensors").path
        let result = try runMiaudit(["unlearn", "--method", "multidelete", "--model", original, "--data", "fixtures/emoji-cldr-small",
                                     "--out", out, "--epochs", "2", "--alpha", "0.5", "--format", "json", "--threads", "1"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let record = try #require(json["unlearning"] as? [String: Any])
        #expect(record["method"] as? String == "multidelete")
        #expect((record["settings"] as? [String: String])?["alpha"] == "0.5")
        let report = try #require(record["report"] as? [String: Any])
        #expect((report["epochs"] as? [[String: Any]])?.count == 2)
        let utility = try #require(json["utility"] as? [String: Any])
        #expect((utility["audited"] as? [String: Any])?["forget_match_accuracy"] is Double)

        // The unlearned model keeps the recipe, so it can be audited as an original too.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = String(decoding: bytes.dropFirst(8).prefix(headerLength), as: UTF8.self)
        #expect(header.contains("miaudit.unlearning") && header.contains("miaudit.training"))

        // The same seed gives the same bytes.
        let again = directory.appendingPathComponent("again.safetensors").path
        let second = try runMiaudit(["unlearn", "--method", "multidelete", "--model", original, "--data", "fixtures/emoji-cldr-small",
                                     "--out", again, "--epochs", "2", "--alpha", "0.5", "--threads", "1"])
        #expect(second.status == 0)
        let weights = { (path: String) throws -> Data in
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let length = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
            return data.dropFirst(8 + length)
        }
        #expect(try weights(out) == weights(again))
    }

    @Test func settingsThatDoNotApplyAreUsageErrors() throws {
        let directory = try temporaryDirectory("unlearn-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Self.trainOriginal(directory)
        let out = directory.appendingPathComponent("never.safetensors").path
        let base = ["unlearn", "--model", original, "--data", "fixtures/emoji-cldr-small", "--out", out]
        let cases: [([String], String)] = [
            (["--method", "finetune", "--alpha", "1"], "apply to the MultiDelete methods only"),
            (["--method", "dtd", "--epochs", "2"], "takes no --epochs"),
            (["--method", "none", "--lr", "0.1"], "does not train"),
            (["--method", "multidelete", "--beta=-1"], "must be finite and ≥ 0"),
            (["--method", "unlearn-everything"], "is not a known unlearning method"),
        ]
        for (arguments, message) in cases {
            let result = try runMiaudit(base + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func resultsRegenerateTheComparisonTable() throws {
        let directory = try temporaryDirectory("results")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Self.trainOriginal(directory)
        let out = directory.appendingPathComponent("results.md").path
        let result = try runMiaudit(["results", "--data", "fixtures/emoji-cldr-small", "--original", original, "--methods", "none",
                                     "--seeds", "2", "--shadows", "4", "--gold", "2", "--no-ablation", "--collapse-accuracy", "0",
                                     "--cache", directory.appendingPathComponent("cache").path, "--out", out, "--threads", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        let markdown = try String(contentsOfFile: out, encoding: .utf8)
        #expect(markdown.contains("| `none` |"))
        #expect(markdown.contains("### Utility and forgetting") && markdown.contains("### Attacks"))
        #expect(markdown.contains("with 2 seeds"))
        let trials = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.appendingPathComponent("results.json").path))) as? [[String: Any]])
        #expect(trials.count == 2 && trials.allSatisfy { $0["method"] as? String == "none" })
        // `none` changes nothing: both seeds give the same model, hence the same U-LiRA AUC.
        let aucs = trials.compactMap { ($0["ulira"] as? [String: Any])?["auc"] as? Double }
        #expect(aucs.count == 2 && aucs[0] == aucs[1])
    }
}
