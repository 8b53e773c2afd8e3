import Diagnostics
import Foundation

/// A reply that breaks protocol version 1, or an error the child reported: what went wrong and how
/// to fix the adapter.
struct ProtocolViolation: Error {
    let problem: String
    let fix: String
    static let fixAdapter = "make the adapter follow docs/adapter-protocol.md"
}

/// What a child announced in its hello.
struct ProcessHello: Equatable {
    let modelID: String
    let digest: String
    let classes: [String]
    /// Whether results carry logits (soft-maxed here in f64) or probabilities.
    let outputs: AdapterDescription.OutputValues
    /// The dtypes the child reads in input tensors besides "f32" (so far only "u8" matters).
    let inputDTypes: Set<String>
    /// What a child that can train announced (the trainer message set); nil for one that cannot.
    var trainer: TrainerInfo? = nil
}

/// Reads the lines a child sends under protocol version 1 (docs/adapter-protocol.md).
enum ProcessReplies {
    /// The JSON object on `line`; anything else is a "garbage line", quoted (first 200 characters).
    static func object(from line: Data) throws(ProtocolViolation) -> [String: Any] {
        guard let value = try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) else {
            throw ProtocolViolation(problem: "the child sent a garbage line that is not JSON: \(quote(line))",
                                    fix: "write only protocol messages to stdout, one JSON object per line, and log to stderr")
        }
        guard let object = value as? [String: Any] else {
            throw ProtocolViolation(problem: "the child sent a garbage line that is not a JSON object: \(quote(line))",
                                    fix: "write only protocol messages to stdout, one JSON object per line, and log to stderr")
        }
        return object
    }

    /// The first 200 characters of `line`, in quotes, control characters escaped.
    static func quote(_ line: Data) -> String {
        let text = String(decoding: line.prefix(800), as: UTF8.self)
        return "'" + UntrustedText.escaped(text, limit: 200) + (line.count > 800 ? "…" : "") + "'"
    }

    /// Checks the message type; an error reply becomes a violation quoting the child's message.
    static func checkType(_ object: [String: Any], expected: String, line: Data) throws(ProtocolViolation) {
        let type = object["type"] as? String
        if type == "error" {
            let message = (object["message"] as? String).map { "'" + UntrustedText.escaped($0, limit: 500) + "'" } ?? "(no message)"
            throw ProtocolViolation(problem: "the child replied with an error: \(message)",
                                    fix: "fix what the child's message and stderr describe")
        }
        guard type == expected else {
            throw ProtocolViolation(problem: "the child sent a garbage line of type \(type.map { "'\($0)'" } ?? "(none)") where a '\(expected)' reply was due: \(quote(line))",
                                    fix: ProtocolViolation.fixAdapter)
        }
    }

    /// The hello reply: protocol 1, a model id and digest, the matching classes, the output kind.
    static func hello(from line: Data) throws(ProtocolViolation) -> ProcessHello {
        let object = try object(from: line)
        try checkType(object, expected: "hello", line: line)
        guard let version = integer(object["protocol"]) else {
            throw ProtocolViolation(problem: "the hello reply has no integer 'protocol'", fix: "answer with \"protocol\": 1")
        }
        guard version == ProcessRequests.protocolVersion else {
            throw ProtocolViolation(problem: "the child speaks protocol version \(version) but miaudit speaks version \(ProcessRequests.protocolVersion)",
                                    fix: "update the adapter to protocol 1 (docs/adapter-protocol.md)")
        }
        guard let model = object["model"] as? [String: Any], let id = model["id"] as? String, !id.isEmpty else {
            throw ProtocolViolation(problem: "the hello reply lacks 'model.id' (a non-empty string)",
                                    fix: "announce \"model\": {\"id\": \"name\", \"digest\": \"sha256:<hex>\"}")
        }
        // The id and the digest go into reports and onto terminals: plain, short text only.
        for (field, value) in [("model.id", id), ("model.digest", model["digest"] as? String ?? "")] {
            guard !UntrustedText.hasControlCharacters(value), value.count <= 256 else {
                throw ProtocolViolation(problem: "the hello reply's '\(field)' is '\(UntrustedText.escaped(value, limit: 80))', which holds control characters or is longer than 256 characters",
                                        fix: "announce a short plain-text \(field)")
            }
        }
        guard let digest = model["digest"] as? String, let colon = digest.firstIndex(of: ":"),
              colon != digest.startIndex, digest.index(after: colon) != digest.endIndex else {
            throw ProtocolViolation(problem: "the hello reply lacks 'model.digest' of the form 'algorithm:hex' (got \(model["digest"].map { "\($0)" } ?? "nothing"))",
                                    fix: "announce the SHA-256 of the model's bytes as \"digest\": \"sha256:<hex>\"")
        }
        guard let classes = object["classes"] as? [String] else {
            throw ProtocolViolation(problem: "the hello reply lacks 'classes' (an array of class names)",
                                    fix: "announce \"classes\": [\"no_match\", \"match\"]")
        }
        // Which classes are right depends on the data set; the adapter checks them against it.
        guard classes.count >= 2, Set(classes).count == classes.count, !classes.contains(""),
              !classes.contains(where: UntrustedText.hasControlCharacters) else {
            throw ProtocolViolation(problem: "the child announced the classes \(UntrustedText.escaped("\(classes)", limit: 300)), not two or more unique, non-empty, plain-text names",
                                    fix: "announce \"classes\": [\"no_match\", \"match\"] for image-text matching, or the classes the hello request lists")
        }
        guard let outputs = (object["outputs"] as? String).flatMap(AdapterDescription.OutputValues.init(rawValue:)) else {
            throw ProtocolViolation(problem: "the hello reply's 'outputs' is \(object["outputs"].map { "'\($0)'" } ?? "missing")",
                                    fix: "announce \"outputs\": \"logits\" or \"probabilities\"")
        }
        var inputDTypes: Set<String> = ["f32"]
        if let announced = object["input_dtypes"] {
            guard let names = announced as? [String] else {
                throw ProtocolViolation(problem: "the hello reply's 'input_dtypes' is \(announced), not an array of strings",
                                        fix: "announce \"input_dtypes\": [\"f32\", \"u8\"] or leave it out")
            }
            inputDTypes.formUnion(names)
        }
        var hello = ProcessHello(modelID: id, digest: digest, classes: classes, outputs: outputs, inputDTypes: inputDTypes)
        if let announced = object["trainer"] {
            hello.trainer = try trainer(announced)
        }
        return hello
    }

    /// The hello's `trainer` object: `{"version": 1, "recipe": {…}, "code_digest": "sha256:…", "methods": […]}`.
    static func trainer(_ value: Any) throws(ProtocolViolation) -> TrainerInfo {
        let fix = "announce \"trainer\": {\"version\": 1, \"recipe\": {…}, \"code_digest\": \"sha256:<hex>\", \"methods\": [\"none\", …]}"
        guard let object = value as? [String: Any] else {
            throw ProtocolViolation(problem: "the hello's 'trainer' is not an object", fix: fix)
        }
        guard let version = integer(object["version"]) else {
            throw ProtocolViolation(problem: "the hello's 'trainer' has no integer 'version'", fix: fix)
        }
        guard version == TrainerInfo.version else {
            throw ProtocolViolation(problem: "the child's trainer message set is version \(version) but miaudit speaks version \(TrainerInfo.version)",
                                    fix: "update the trainer to version \(TrainerInfo.version) (docs/adapter-protocol.md)")
        }
        guard let recipe = object["recipe"], JSONSerialization.isValidJSONObject(recipe),
              let recipeJSON = try? JSONSerialization.data(withJSONObject: recipe, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw ProtocolViolation(problem: "the hello's 'trainer.recipe' is missing or not a JSON object", fix: fix)
        }
        guard let code = object["code_digest"] as? String, code.contains(":"), code.count > 8 else {
            throw ProtocolViolation(problem: "the hello's 'trainer.code_digest' is missing or not of the form 'sha256:<hex>'", fix: fix)
        }
        guard let methods = object["methods"] as? [String] else {
            throw ProtocolViolation(problem: "the hello's 'trainer.methods' is missing or not an array of method names", fix: fix)
        }
        return TrainerInfo(recipe: String(decoding: recipeJSON, as: UTF8.self), codeDigest: code, methods: methods)
    }

    /// The model id and digest of a loaded reply to request `request`.
    static func loaded(from line: Data, request: Int) throws(ProtocolViolation) -> (id: String, digest: String) {
        let object = try object(from: line)
        try checkType(object, expected: "loaded", line: line)
        guard let number = integer(object["request"]), number == request else {
            throw ProtocolViolation(problem: "the child sent a garbage line answering request \(object["request"].map { "\($0)" } ?? "(none)") where request \(request) was due: \(quote(line))",
                                    fix: "echo each load request's number in its reply")
        }
        guard let model = object["model"] as? [String: Any], let id = model["id"] as? String, !id.isEmpty,
              let digest = model["digest"] as? String, digest.contains(":") else {
            throw ProtocolViolation(problem: "the loaded reply lacks 'model' with a non-empty 'id' and a 'digest' of the form 'sha256:<hex>'",
                                    fix: "reply {\"type\": \"loaded\", \"request\": N, \"model\": {\"id\": …, \"digest\": \"sha256:<hex>\"}}")
        }
        return (id, digest)
    }

    /// The digest of a trained reply to request `request`.
    static func trained(from line: Data, request: Int) throws(ProtocolViolation) -> String {
        let object = try object(from: line)
        try checkType(object, expected: "trained", line: line)
        guard let number = integer(object["request"]), number == request else {
            throw ProtocolViolation(problem: "the child sent a garbage line answering request \(object["request"].map { "\($0)" } ?? "(none)") where request \(request) was due: \(quote(line))",
                                    fix: "echo each train request's number in its reply")
        }
        guard let digest = object["digest"] as? String, digest.contains(":") else {
            throw ProtocolViolation(problem: "the trained reply lacks 'digest' of the form 'sha256:<hex>'",
                                    fix: "reply with the SHA-256 of the saved model's bytes as \"digest\": \"sha256:<hex>\"")
        }
        return digest
    }

    /// The probability rows of a result reply to request `request` for `rows` examples.
    ///
    /// Logits are soft-maxed in f64 (p_c = exp(z_c − max z) / Σ exp(z_k − max z)); probabilities
    /// must be finite, in [0, 1], and sum to 1 within 1e-6 per row.
    static func result(from line: Data, request: Int, rows: Int, hello: ProcessHello) throws(ProtocolViolation) -> [[Double]] {
        let object = try object(from: line)
        try checkType(object, expected: "result", line: line)
        guard let number = integer(object["request"]), number == request else {
            throw ProtocolViolation(problem: "the child sent a garbage line answering request \(object["request"].map { "\($0)" } ?? "(none)") where request \(request) was due: \(quote(line))",
                                    fix: "echo each predict request's number in its result")
        }
        let key = hello.outputs.rawValue
        guard let value = object[key] else {
            let other = hello.outputs == .logits ? "probabilities" : "logits"
            throw ProtocolViolation(problem: object[other] == nil ? "the result has no '\(key)'" : "the result carries '\(other)' but the hello announced '\(key)'",
                                    fix: "reply with the '\(key)' array the hello announced")
        }
        let columns = hello.classes.count
        let values = try ProcessArrays.decode(value, field: key, rows: rows, columns: columns)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ProtocolViolation(problem: "\(key) row \(bad / columns) column \(bad % columns) is \(values[bad])",
                                    fix: "send finite values only")
        }
        var result: [[Double]] = []
        result.reserveCapacity(rows)
        for row in 0..<rows {
            let slice = Array(values[(row * columns)..<((row + 1) * columns)])
            if hello.outputs == .logits {
                let maximum = slice.max() ?? 0
                let exps = slice.map { exp($0 - maximum) }
                let sum = exps.reduce(0, +)
                result.append(exps.map { $0 / sum })
            } else {
                let sum = slice.reduce(0, +)
                guard slice.allSatisfy({ $0 >= 0 && $0 <= 1 }), abs(sum - 1) <= 1e-6 else {
                    throw ProtocolViolation(problem: "probability row \(row) is \(slice), which is not a distribution (sum \(sum))",
                                            fix: "send probabilities in [0, 1] that sum to 1 within 1e-6, or announce logits")
                }
                result.append(slice)
            }
        }
        return result
    }

    /// Whether a `JSONSerialization` value is `true` or `false`. Foundation hands booleans over as
    /// numbers that also cast to `Int` and `Double` (1 and 0), so a reply's `"protocol": true` would
    /// otherwise pass for protocol 1; they come as char-typed `NSNumber`s, which JSON numbers never are.
    static func isBoolean(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// An integer JSON number (a fraction is not one, nor is `true` or `false`), or nil.
    static func integer(_ value: Any?) -> Int? {
        if isBoolean(value) { return nil }
        if let int = value as? Int { return int }
        if let double = value as? Double, double == double.rounded(), abs(double) < 1e15 { return Int(double) }
        return nil
    }
}
