import Foundation
import Testing

/// `attack ulira|umia|forget-quality` end to end on the small fixture: shadows and gold models are
/// trained once, cached, and reused by the next command.
@Suite struct ShadowAttackCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func shadowAttacksShareTheirCachedModels() throws {
        let directory = try temporaryDirectory("shadow-attacks")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = directory.appendingPathComponent("original.safetensors").path
        let cache = directory.appendingPathComponent("cache").path
        let trained = try runMiaudit(["train", "--data", "fixtures/emoji-cldr-small", "--out", original, "--epochs", "1",
                                      "--no-evaluate", "--threads", "1"])
        #expect(trained.status == 0, "\(trained.standardError)")
        let common = ["--data", "fixtures/emoji-cldr-small", "--original", original, "--target", original, "--method", "none",
                      "--shadows", "4", "--gold", "2", "--collapse-accuracy", "0", "--cache", cache, "--threads", "2",
                      "--format", "json"]

        let ulira = try runMiaudit(["attack", "ulira"] + common)
        #expect(ulira.status == 0, "\(ulira.standardError)")
        let report = try Self.json(ulira.standardOutput)
        let references = try #require(report["references"] as? [String: Any])
        #expect((references["shadow_models"] as? [[String: Any]])?.count == 4)
        #expect((references["gold_models"] as? [[String: Any]])?.count == 2)
        #expect((references["shadow_models"] as? [[String: Any]])?.allSatisfy { $0["from_cache"] as? Bool == false } == true)
        #expect(references["shadow_method"] as? String == "none{}")
        let result = try #require(report["result"] as? [String: Any])
        #expect(result["attack"] as? String == "ulira")
        let online = try #require((result["variants"] as? [String: Any])?["online"] as? [String: Any])
        let auc = try #require(online["auc"] as? Double)
        let interval = try #require(online["auc_interval"] as? [Double])
        #expect(auc >= 0 && auc <= 1 && interval.count == 2 && interval[0] <= auc && auc <= interval[1])
        #expect(online["positives"] as? Int == 19 && online["negatives"] as? Int == 42)
        let nulls = try #require(result["nulls"] as? [String: Any])
        #expect((nulls["ulira.online.auc"] as? [String: Any])?["size"] as? Int == 2)
        let metric = try #require((report["metrics"] as? [String: Any])?["ulira.online.auc"] as? [String: Any])
        #expect(metric["value"] as? Double == auc && (metric["null"] as? [String: Any])?["size"] as? Int == 2)
        let utility = try #require(report["utility"] as? [String: Any])
        #expect((utility["test_itm_accuracy_change"] as? Double) == 0)  // the target is the original

        // The same shadows and gold models serve U-MIA and RMIA without training anything.
        for attack in ["umia", "rmia"] {
            let run = try runMiaudit(["attack", attack] + common)
            #expect(run.status == 0, "\(run.standardError)")
            let output = try Self.json(run.standardOutput)
            let models = try #require(output["references"] as? [String: Any])
            let records = (models["shadow_models"] as? [[String: Any]] ?? []) + (models["gold_models"] as? [[String: Any]] ?? [])
            #expect(records.count == 6 && records.allSatisfy { $0["from_cache"] as? Bool == true })
            let attackResult = try #require(output["result"] as? [String: Any])
            let variants = try #require(attackResult["variants"] as? [String: Any])
            #expect(Set(variants.keys) == (attack == "umia" ? ["shadow", "cross_validated"] : ["online", "offline"]))
            if attack == "umia" {
                let accuracy = try #require((output["metrics"] as? [String: Any])?["umia.shadow.accuracy"] as? [String: Any])
                #expect((accuracy["value"] as? Double).map { $0 >= 0 && $0 <= 1 } == true)
                #expect((attackResult["detail"] as? [String: Any])?["folds"] as? Int == 10)
            } else {
                #expect((output["signals"] as? [String: Any])?["population_rows"] as? Int ?? 0 > 0)
                #expect((attackResult["detail"] as? [String: Any])?["references"] as? Int == 4)
            }
        }

        // Forget quality needs the gold models only; the text output names the median p.
        let quality = try runMiaudit(["attack", "forget-quality"] + common.dropLast(2))
        #expect(quality.status == 0, "\(quality.standardError)")
        #expect(quality.standardOutput.contains("median p"))
        #expect(quality.standardOutput.contains("over 2 gold models"))
        #expect(quality.standardOutput.contains("0 trained now"))
    }

    @Test func badShadowSettingsAreClearErrors() throws {
        let base = ["attack", "ulira", "--data", "fixtures/emoji-cldr-small", "--original", "reports/nowhere.safetensors",
                    "--target", "reports/nowhere.safetensors", "--no-cache"]
        let unknown = try runMiaudit(base + ["--method", "forget-harder"])
        #expect(unknown.status == 64)
        #expect(unknown.standardError.contains("--method forget-harder is not an unlearning method") && unknown.standardError.contains("none, retrain"))

        let directory = try temporaryDirectory("shadow-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = directory.appendingPathComponent("original.safetensors").path
        _ = try runMiaudit(["train", "--data", "fixtures/emoji-cldr-small", "--out", original, "--epochs", "1", "--no-evaluate"])
        let withModel = ["attack", "ulira", "--data", "fixtures/emoji-cldr-small", "--original", original, "--target", original,
                         "--method", "none", "--no-cache"]
        for count in ["5", "2"] {
            let odd = try runMiaudit(withModel + ["--shadows", count])
            #expect(odd.status == 64)
            #expect(odd.standardError.contains("--shadows must be even and at least 4, got \(count)"))
        }
        let noMethod = try runMiaudit(withModel.filter { $0 != "--method" && $0 != "none" })
        #expect(noMethod.status == 64)
        #expect(noMethod.standardError.contains("ulira needs --method"))
        // Forget quality uses gold models only, so it needs no method.
        let noGold = try runMiaudit(["attack", "forget-quality", "--data", "fixtures/emoji-cldr-small", "--original", original,
                                     "--target", original, "--no-cache", "--gold", "0"])
        #expect(noGold.status == 64)
        #expect(noGold.standardError.contains("forget_quality compares the audited model with gold models; give --gold 1 or more"))
        let notAnAttack = try runMiaudit(["attack", "lira", "--original", original, "--target", original])
        #expect(notAnAttack.status == 64 && notAnAttack.standardError.contains("'lira' is not an attack"))
        let badSetting = try runMiaudit(withModel + ["--setting", "rmia_gamma=-1"])
        #expect(badSetting.status == 64 && badSetting.standardError.contains("setting rmia_gamma = -1 is not a number in"))
    }
}
