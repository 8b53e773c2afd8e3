import AuditData
import Foundation
import Testing

@Suite(.serialized) struct TrainEvalPredictTests {
    static let small = "fixtures/emoji-cldr-small"

    @Test func trainEvalAndPredictAgreeWithTheNumpyForwardPass() throws {
        let directory = try temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("model.safetensors").path
        let train = try runMiaudit(["train", "--data", Self.small, "--out", model, "--epochs", "3", "--seed", "4",
                                    "--threads", "1", "--no-evaluate"])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("trained 3 epochs on 193 pairs"))

        let eval = try runMiaudit(["eval", "--model", model, "--data", Self.small, "--split", "test", "--format", "json"])
        #expect(eval.status == 0, "\(eval.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(eval.standardOutput.utf8)) as? [String: Any]
        let accuracy = try #require(json?["itm_accuracy"] as? Double)
        #expect(accuracy >= 0 && accuracy <= 1)
        let recall = try #require(json?["recall"] as? [String: [String: Double]])
        for direction in ["image_to_text", "text_to_image"] {
            let values = try #require(recall[direction])
            #expect(Set(values.keys) == ["1", "5", "10"])
            #expect(values["1"]! <= values["5"]! && values["5"]! <= values["10"]!)
        }

        // The model records its data set: other data is refused unless asked for.
        let full = "fixtures/emoji-cldr"
        let otherEval = try runMiaudit(["eval", "--model", model, "--data", full, "--split", "test"])
        #expect(otherEval.status == 65)
        #expect(otherEval.standardError.contains("the model was trained on data set emoji-cldr-small (sha256 "), "\(otherEval.standardError)")
        #expect(otherEval.standardError.contains("/emoji-cldr/manifest.json is emoji-cldr (sha256 "))
        let otherPredict = try runMiaudit(["predict", "--model", model, "--data", full, "--split", "forget", "--out",
                                           directory.appendingPathComponent("other.npy").path])
        #expect(otherPredict.status == 65 && otherPredict.standardError.contains("pass --allow-other-data"), "\(otherPredict.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other.npy").path))
        let allowed = try runMiaudit(["predict", "--model", model, "--data", full, "--split", "forget", "--out",
                                      directory.appendingPathComponent("other.npy").path, "--allow-other-data"])
        #expect(allowed.status == 0, "\(allowed.standardError)")
        // Without --data the bundled data set is used, and the command says so before refusing.
        let unnamed = try runMiaudit(["eval", "--model", model, "--split", "test"])
        #expect(unnamed.status == 65)
        #expect(unnamed.standardError.contains("note: no --data given, so the bundled data set fixtures/emoji-cldr is used; pass --data DIR to choose"),
                "\(unnamed.standardError)")
        #expect(unnamed.standardError.contains("the model was trained on data set emoji-cldr-small"))
        let named = try runMiaudit(["eval", "--model", model, "--data", Self.small, "--split", "test"])
        #expect(!named.standardError.contains("no --data given"))

        let probabilities = directory.appendingPathComponent("probs.npy").path
        let predict = try runMiaudit(["predict", "--model", model, "--data", Self.small, "--split", "forget", "--out", probabilities])
        #expect(predict.status == 0, "\(predict.standardError)")
        let array = try NPY.read(url: URL(fileURLWithPath: probabilities))
        #expect(array.dtype == .float64)
        #expect(array.shape == [19, 2])
        let values = array.doubles()
        for row in 0..<19 { #expect(abs(values[2 * row] + values[2 * row + 1] - 1) < 1e-12) }

        guard let python = pythonWithNumpy else { return }  // the cross-check needs python3 with numpy
        let parity = try run(python, ["python3", "scripts/parity_forward.py", "--model", model, "--data", Self.small,
                                      "--split", "forget", "--probs", probabilities, "--rtol", "1e-5"])
        #expect(parity.status == 0, "\(parity.standardOutput)\(parity.standardError)")
        #expect(parity.standardOutput.hasPrefix("PASS"))
    }

    @Test func trainingTwiceWithTheSameSeedAndThreadsGivesIdenticalFiles() throws {
        let directory = try temporaryDirectory("cli-determinism")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [Data] = []
        for name in ["first", "second"] {
            let path = directory.appendingPathComponent("\(name).safetensors").path
            let result = try runMiaudit(["train", "--data", Self.small, "--out", path, "--epochs", "2", "--seed", "9",
                                         "--threads", "2", "--no-evaluate"])
            #expect(result.status == 0, "\(result.standardError)")
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(files[0] == files[1])
    }

    @Test func excludingTheForgetSplitTrainsOnTheRetainRows() throws {
        let directory = try temporaryDirectory("cli-exclude")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runMiaudit(["train", "--data", Self.small, "--out", directory.appendingPathComponent("gold.safetensors").path,
                                     "--exclude", "forget", "--epochs", "1", "--no-evaluate"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("on 174 pairs"))  // retain = 193 train − 19 forget
    }
}
