import AuditData
import Foundation
import SmallFixtureSupport
import Testing

/// Auditing from supplied outputs: `audit --save-outputs` writes every model's answers, and the
/// spec it writes audits from them alone — nothing trained — with the same numbers.
@Suite(.serialized) struct SuppliedOutputsTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Every number in `value` by its path (".metrics.ulira.online.auc.value", "…[3]").
    func numbers(_ value: Any, _ path: String = "") -> [String: Double] {
        if let dictionary = value as? [String: Any] {
            return dictionary.reduce(into: [:]) { $0.merge(numbers($1.value, path + "." + $1.key)) { a, _ in a } }
        }
        if let array = value as? [Any] {
            return array.enumerated().reduce(into: [:]) { $0.merge(numbers($1.element, path + "[\($1.offset)]")) { a, _ in a } }
        }
        if !(value is Bool), let number = value as? NSNumber { return [path: number.doubleValue] }
        return [:]
    }

    @Test func anAuditFromSavedOutputsReproducesTheNativeAuditWithoutTraining() throws {
        let directory = try temporaryDirectory("supplied")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("auditor.key").path
        #expect(try runMiaudit(["keys", "generate", "--out", key]).status == 0)
        let db = directory.appendingPathComponent("audits.sqlite").path
        let yaml = SmallFixtureSupport.auditSpecYAML(name: "native", method: "none", in: directory)
            .replacingOccurrences(of: "gold: 2", with: "gold: 8")
        let spec = directory.appendingPathComponent("native.yaml")
        try Data(yaml.utf8).write(to: spec)
        let outputs = directory.appendingPathComponent("outputs")

        let native = try runMiaudit(["audit", spec.path, "--db", db, "--key", key, "--format", "json", "--threads", "1",
                                     "--save-outputs", outputs.path])
        #expect([0, 1].contains(native.status), "\(native.standardError)")
        #expect(native.standardError.contains("audit from them alone with: miaudit audit \(outputs.path)/supplied.yaml"))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: outputs.appendingPathComponent("references").path))
        #expect(files.contains("references.json") && files.contains("shadow-03.npy") && files.contains("gold-07.ids.json"))
        #expect(!files.contains("shadow-04.npy") && !files.contains("gold-08.npy"))

        // Nothing may be trained: move the cache away, so a training attempt would have to start over.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("cache"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("original.safetensors"))
        let supplied = try runMiaudit(["audit", outputs.appendingPathComponent("supplied.yaml").path, "--db", db, "--key", key,
                                       "--format", "json", "--threads", "1"])
        #expect(supplied.status == native.status, "\(supplied.standardError)")
        #expect(!supplied.standardError.contains("training"), "\(supplied.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("cache").path))

        let a = try object(native.standardOutput), b = try object(supplied.standardOutput)
        let references = try #require(b["references"] as? [String: Any])
        #expect(references["provider"] as? String == "supplied")
        #expect((references["shadow_models"] as? [Any])?.count == 4 && (references["gold_models"] as? [Any])?.count == 8)
        #expect(((b["models"] as? [String: Any])?["original"] as? [String: Any])?["kind"] as? String == "outputs")
        // Retrieval recall ranks every test text against every test image, which only a native
        // model can answer; saved outputs hold the audit's pairs, so the supplied audit has none.
        #expect(numbers(try #require(a["utility"]), "utility").keys.contains { $0.contains(".test_recall.") })
        #expect(!numbers(try #require(b["utility"]), "utility").keys.contains { $0.contains(".test_recall.") })
        for part in ["metrics", "attacks", "utility", "resemblance"] {
            let expected = numbers(try #require(a[part]), part).filter { !$0.key.contains(".test_recall.") }
            let actual = numbers(try #require(b[part]), part)
            #expect(expected.count > 10 && Set(expected.keys) == Set(actual.keys), "\(part)")
            let worst = expected.map { abs($0.value - (actual[$0.key] ?? .infinity)) }.max() ?? .infinity
            #expect(worst <= 1e-12, "\(part): the largest difference is \(worst)")
        }
        #expect((a["gate"] as? [String: Any])?["verdict"] as? String == (b["gate"] as? [String: Any])?["verdict"] as? String)

        // One attack from the same outputs, on the command line: the original through an adapter
        // description, the references supplied.
        let originalSpec = directory.appendingPathComponent("original.json")
        try Data(#"{"kind": "outputs", "path": "\#(outputs.path)/original.npy", "ids": "\#(outputs.path)/original.ids.json"}"#.utf8)
            .write(to: originalSpec)
        let attack = try runMiaudit(["attack", "ulira", "--original-adapter-spec", originalSpec.path, "--references",
                                     outputs.appendingPathComponent("references").path, "--adapter", "outputs",
                                     "--outputs", outputs.appendingPathComponent("target.npy").path,
                                     "--ids", outputs.appendingPathComponent("target.ids.json").path,
                                     "--data", SmallFixtureSupport.directory.path, "--format", "json", "--threads", "1"])
        #expect(attack.status == 0, "\(attack.standardError)")
        let attackMetrics = try #require(try object(attack.standardOutput)["metrics"])
        let expected = numbers(try #require(a["metrics"]), "metrics").filter { $0.key.hasPrefix("metrics.ulira.") }
        let actual = numbers(attackMetrics, "metrics")
        #expect(expected.count >= 10 && expected.allSatisfy { actual[$0.key] == $0.value }, "\(expected) vs \(actual)")
    }

    @Test func anOriginalFromAnAdapterNeedsSuppliedReferencesAndAnAdapterTarget() throws {
        let directory = try temporaryDirectory("supplied-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("auditor.key").path
        #expect(try runMiaudit(["keys", "generate", "--out", key]).status == 0)
        let outputs = try writeOutputs(in: directory)
        func audit(_ yaml: String) throws -> CommandResult {
            let spec = directory.appendingPathComponent("spec-\(UUID().uuidString).yaml")
            try Data(yaml.utf8).write(to: spec)
            return try runMiaudit(["audit", spec.path, "--db", directory.appendingPathComponent("a.sqlite").path, "--key", key])
        }
        let data = SmallFixtureSupport.directory.path
        let original = "original: {adapter: {kind: outputs, path: \(outputs.path), ids: \(outputs.path).ids.json}}"

        let unlearned = try audit("name: x\ndata: \(data)\n\(original)\ntarget: {unlearn: {method: none}}\nattacks: [forget_quality]\ngold: 2\n")
        #expect(unlearned.status == 64)
        #expect(unlearned.standardError.contains("target.unlearn needs the original as a miaudit model file (original.path)"))

        let native = try audit("name: x\ndata: \(data)\n\(original)\ntarget: {adapter: {kind: outputs, path: \(outputs.path), ids: \(outputs.path).ids.json}}\nattacks: [forget_quality]\ngold: 2\n")
        #expect(native.status == 64)
        #expect(native.standardError.contains("native shadow and gold models are trained with the original's recipe"))
        #expect(native.standardError.contains("references: {supplied: DIR}"))

        let both = try audit("name: x\ndata: \(data)\noriginal: {path: o.safetensors, adapter: {kind: outputs, path: a.npy}}\ntarget: {unlearn: {method: none}}\n")
        #expect(both.status == 65)
        #expect(both.standardError.contains("original: has adapter beside path or train"))
    }

    /// Probabilities for every true pair of the small fixture, as an outputs file and its ids.
    func writeOutputs(in directory: URL) throws -> URL {
        let ids = try JSONDecoder().decode([String].self, from: Data(contentsOf: SmallFixtureSupport.directory.appendingPathComponent("ids.json")))
        let url = directory.appendingPathComponent("model.npy")
        try NPY.write(NPYArray(float64: ids.flatMap { _ in [0.4, 0.6] }, shape: [ids.count, 2]), to: url)
        try JSONEncoder().encode(ids).write(to: URL(fileURLWithPath: url.path + ".ids.json"))
        return url
    }
}
