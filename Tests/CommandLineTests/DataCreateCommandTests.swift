import AuditData
import Foundation
import Testing

/// `miaudit data create` from raw files, then `miaudit audit` on the result: the path from your
/// own arrays to a signed report. Each test makes its inputs in Swift, in a fresh directory.
@Suite(.serialized) struct DataCreateCommandTests {
    /// The inputs of the help examples, in `directory/my-inputs`: 80 rows in 40 groups of two;
    /// `images.npy` uint8 [80, 4, 4, 3] whose pixels show the row's class (label × 100 plus noise)
    /// so a classifier can learn it, `texts.npy` float32 [80, 8], and `rows.csv` with the columns
    /// id, group and label (one id quoted, holding a comma).
    static func writeInputs(in directory: URL) throws -> URL {
        let inputs = directory.appendingPathComponent("my-inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        let count = 80
        var state: UInt64 = 12345
        func next() -> UInt64 {  // a small linear congruential generator: the inputs only need to be fixed
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let labels = (0..<count).map { $0 % 3 }
        let pixels = (0..<(count * 48)).map { UInt8(labels[$0 / 48] * 100 + Int(next() % 40)) }
        let texts = (0..<(count * 8)).map { _ in Float(Int(next() % 2001) - 1000) / 1000 }
        try NPY.encode(NPYArray(uint8: pixels, shape: [count, 4, 4, 3])).write(to: inputs.appendingPathComponent("images.npy"))
        try NPY.encode(NPYArray(float32: texts, shape: [count, 8])).write(to: inputs.appendingPathComponent("texts.npy"))
        let lines = (0..<count).map { row in (row == 0 ? "\"row,00\"" : "row-\(row)") + ",g\(row / 2),\(labels[row])" }
        try Data((["id,group,label"] + lines).map { $0 + "\r\n" }.joined().utf8).write(to: inputs.appendingPathComponent("rows.csv"))
        return inputs
    }

    /// An audit spec of the original claimed as unlearned (`none`) on `data`: a 3-epoch recipe with
    /// small layers, 4 shadows, 2 gold models, every path absolute.
    static func spec(name: String, data: URL, in directory: URL) throws -> String {
        let yaml = """
            name: \(name)
            seed: 0
            data: \(data.path)
            original:
              path: \(directory.appendingPathComponent("\(name).safetensors").path)
              train:
                seed: 0
                recipe: {epochs: 3, batch_size: 16, learning_rate: 0.003, weight_decay: 0,
                         image_hidden: [16, 8], text_hidden: [16, 8], fusion_hidden: [8]}
            target:
              unlearn: {method: none}
            shadows: {count: 4}
            gold: 2
            settings: {collapse_accuracy: 0, folds: 3}

            """
        let path = directory.appendingPathComponent("\(name).yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The digest line of a data summary.
    static func digest(in summary: String) -> String? {
        summary.split(separator: "\n").first { $0.hasPrefix("digest ") }.map { String($0.dropFirst("digest ".count)) }
    }

    /// Runs `data create`, then `audit` on a spec of the result, and checks that the store holds
    /// one signed report, verified with the public key, that names the created data set's digest.
    func createAndAudit(name: String, createArguments: [String], in directory: URL) throws -> [String: Any] {
        let data = directory.appendingPathComponent(name)
        let created = try runMiaudit(["data", "create", "--out", data.path, "--name", name] + createArguments)
        #expect(created.status == 0, "\(created.standardError)")
        let digest = try #require(Self.digest(in: created.standardOutput))
        #expect(digest == sha256Hex(try Data(contentsOf: data.appendingPathComponent("manifest.json"))))
        #expect(created.standardOutput.contains("splits: drawn by group with seed 0"))
        #expect(!created.standardError.contains("warning"), "\(created.standardError)")

        let key = directory.appendingPathComponent("keys/auditor.key").path
        if !FileManager.default.fileExists(atPath: key) {
            #expect(try runMiaudit(["keys", "generate", "--out", key]).status == 0)
        }
        let db = directory.appendingPathComponent("audits.sqlite").path
        let spec = try Self.spec(name: name, data: data, in: directory)
        let audit = try runMiaudit(["audit", spec, "--db", db, "--key", key, "--threads", "1"])
        #expect([0, 1].contains(audit.status), "\(audit.standardError)")
        #expect(audit.standardOutput.contains("verdict: "), "\(audit.standardOutput)")

        let verify = try runMiaudit(["report", "verify", "--all", "--db", db, "--trusted-key", key + ".pub"])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        let list = try runMiaudit(["report", "list", "--db", db])
        let id = try #require(list.standardOutput.split(separator: "\n").last?.split(separator: " ").first.map(String.init))
        let show = try runMiaudit(["report", "show", id, "--db", db])
        #expect(show.status == 0, "\(show.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(show.standardOutput.utf8)) as? [String: Any])
        let dataSet = try #require(report["data_set"] as? [String: Any])
        #expect(report["audit_name"] as? String == name)
        #expect(dataSet["name"] as? String == name)
        #expect(dataSet["sha256"] as? String == digest)
        #expect(dataSet["rows"] as? Int == 80)
        return report
    }

    @Test func anImageTextDataSetMadeFromRawFilesIsAuditedWithASignedReport() throws {
        let directory = try temporaryDirectory("data-create")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputs = try Self.writeInputs(in: directory)
        let report = try createAndAudit(name: "raw-pairs", createArguments: [
            "--rows", inputs.appendingPathComponent("rows.csv").path, "--images", inputs.appendingPathComponent("images.npy").path,
            "--texts", inputs.appendingPathComponent("texts.npy").path,
        ], in: directory)
        let splitRows = try #require((report["data_set"] as? [String: Any])?["split_rows"] as? [String: Int])
        #expect(splitRows["forget"] == 4 && splitRows["holdout"] == 8)
        #expect(try JSONDecoder().decode([String].self, from: Data(contentsOf: directory.appendingPathComponent("raw-pairs/ids.json"))).first == "row,00")
    }

    @Test func aClassificationDataSetWithLabelsFromAColumnIsAuditedWithASignedReport() throws {
        let directory = try temporaryDirectory("data-create-classes")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputs = try Self.writeInputs(in: directory)
        try Data("low\nmiddle\nhigh\n".utf8).write(to: inputs.appendingPathComponent("classes.txt"))
        // The label column holds indices; with --classes it must hold names, so write a copy that does.
        let rows = try String(contentsOf: inputs.appendingPathComponent("rows.csv"), encoding: .utf8)
            .replacingOccurrences(of: ",0\r\n", with: ",low\r\n").replacingOccurrences(of: ",1\r\n", with: ",middle\r\n")
            .replacingOccurrences(of: ",2\r\n", with: ",high\r\n")
        try Data(rows.utf8).write(to: inputs.appendingPathComponent("named.csv"))
        let report = try createAndAudit(name: "raw-classes", createArguments: [
            "--task", "classification", "--rows", inputs.appendingPathComponent("named.csv").path,
            "--images", inputs.appendingPathComponent("images.npy").path, "--label-column", "label",
            "--classes", inputs.appendingPathComponent("classes.txt").path,
        ], in: directory)
        let audited = (report["utility"] as? [String: Any])?["audited"] as? [String: Any]
        #expect(audited?["task"] as? String == "classification")
        let manifest = try DataSetManifest.decode(Data(contentsOf: directory.appendingPathComponent("raw-classes/manifest.json")), path: "m")
        #expect(manifest.classes == ["low", "middle", "high"])
        #expect(manifest.arrays.texts == nil && manifest.arrays.labels?.dtype == .int64)
    }

    @Test func theHelpExamplesRunOnTheirInputs() throws {
        let help = try runMiaudit(["data", "create", "--help"])
        #expect(help.status == 0)
        // The example commands: lines from "miaudit data create" through their backslash continuations.
        var commands: [String] = []
        var current: String?
        for line in help.standardOutput.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("miaudit data create ") { current = "" }
            guard let text = current else { continue }
            let continued = line.hasSuffix("\\")
            current = text + (continued ? String(line.dropLast()) : line)
            if !continued, let command = current {
                commands.append(command)
                current = nil
            }
        }
        #expect(commands.count == 2)
        #expect(commands.contains { $0.contains("--texts my-inputs/texts.npy") })
        #expect(commands.contains { $0.contains("--task classification") && $0.contains("--label-column label") })

        let directory = try temporaryDirectory("data-create-help")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.writeInputs(in: directory)
        for command in commands {
            // The examples use paths relative to where they are pasted; the test runs from the repository root.
            let arguments = command.split(separator: " ").dropFirst().map { argument in
                argument.hasPrefix("my-") ? directory.appendingPathComponent(String(argument)).path : String(argument)
            }
            let result = try runMiaudit(arguments)
            #expect(result.status == 0, "\(command): \(result.standardError)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("my-pairs/manifest.json").path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("my-labels/labels.npy").path))
    }

    @Test func badInputExitsWithOneLineNamingTheFileAndWritesNothing() throws {
        let directory = try temporaryDirectory("data-create-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputs = try Self.writeInputs(in: directory)
        let out = directory.appendingPathComponent("out").path
        let base = ["data", "create", "--out", out, "--name", "bad", "--images", inputs.appendingPathComponent("images.npy").path,
                    "--texts", inputs.appendingPathComponent("texts.npy").path]

        let ragged = inputs.appendingPathComponent("ragged.csv")
        try Data("id,group\na,1\nb\n".utf8).write(to: ragged)
        let raggedResult = try runMiaudit(base + ["--rows", ragged.path])
        #expect(raggedResult.status == 65)
        #expect(raggedResult.standardError == "miaudit: \(ragged.path):3: has 1 field(s) but the header (line 1) has 2; give every row one value per header column, and quote values that contain commas.\n")

        let short = inputs.appendingPathComponent("short.csv")
        try Data("id,group\na,1\nb,2\n".utf8).write(to: short)
        let shortResult = try runMiaudit(base + ["--rows", short.path])
        #expect(shortResult.status == 65)
        #expect(shortResult.standardError.contains("images.npy: has 80 row(s) but \(short.path) has 2 data row(s)"))

        let noTexts = try runMiaudit(Array(base.prefix(8)) + ["--rows", inputs.appendingPathComponent("rows.csv").path])
        #expect(noTexts.status == 64)
        #expect(noTexts.standardError.contains("--texts is required for --task image-text-matching"))
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["my-inputs"])

        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try Data().write(to: URL(fileURLWithPath: out).appendingPathComponent("old.txt"))
        let existing = try runMiaudit(base + ["--rows", inputs.appendingPathComponent("rows.csv").path])
        #expect(existing.status == 73)
        #expect(existing.standardError.contains("\(out): already exists and is not an empty directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["old.txt"])
    }
}
