import AuditData
import Foundation
import Gate
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning
import Yams

extension AuditSpec {
    /// Reads, types and checks the audit spec at `url`.
    ///
    /// Relative paths in the spec are resolved against the spec file's directory; `source` holds the
    /// absolute path, the text verbatim and the SHA-256 of the bytes. Files the spec names are not
    /// checked here (the runner does that).
    ///
    /// - Throws: `AuditSpecError`: `.noInput` when the file does not exist, `.ioError` when it cannot
    ///   be read, `.data` for any problem with its content (naming the line and the key path).
    public static func load(from url: URL) throws -> AuditSpec {
        let file = url.relativePath
        let absolute = url.absoluteURL.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute.path, isDirectory: &isDirectory) else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "no such file; check the path, e.g. miaudit audit audits/retrain.yaml", exitStatus: .noInput)
        }
        guard !isDirectory.boolValue else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "is a directory, not a spec file; name a .yaml file, e.g. audits/retrain.yaml", exitStatus: .noInput)
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: absolute)
        } catch {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "cannot be read (\(error.localizedDescription)); check that it is a file you may read",
                                 exitStatus: .ioError)
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil, message: "is not UTF-8 text; save the spec as UTF-8")
        }
        return try read(SpecSource(path: absolute.path, text: text, sha256: sha256Hex(bytes)), file: file)
    }

    /// Types and checks a spec held in memory, as if read from `path`: errors name `path`, relative
    /// paths resolve against its directory, and `source.path` is `path` as given.
    ///
    /// - Throws: `AuditSpecError` (`.data`) naming the line and key path of the first problem.
    public static func parse(yaml: String, path: String) throws -> AuditSpec {
        try read(SpecSource(path: path, text: yaml, sha256: sha256Hex(Data(yaml.utf8))), file: path)
    }

    private static func read(_ source: SpecSource, file: String) throws -> AuditSpec {
        let root = try SpecNode.root(of: source.text, file: file)
        let directory = URL(fileURLWithPath: source.path).deletingLastPathComponent()
        return try SpecReader(directory: directory).spec(from: root, source: source)
    }
}

// MARK: - Composing the YAML

extension SpecNode {
    /// The document's root mapping. YAML syntax errors, duplicate keys, an empty file and a top level
    /// that is not a mapping are errors naming the file and line.
    static func root(of text: String, file: String) throws -> SpecNode {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch let error as YamlError {
            throw yamlError(error, text: text, file: file)
        } catch {
            throw AuditSpecError(file: file, line: nil, keyPath: nil, message: "is not valid YAML (\(error)); fix the syntax")
        }
        guard let composed, !SpecNode(node: composed, path: SpecPath(), file: file).isNull else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "the file is empty; write an audit spec (name, data, original, target), e.g. as in audits/retrain.yaml")
        }
        let root = SpecNode(node: composed, path: SpecPath(), file: file)
        guard composed.mapping != nil else {
            throw root.expected("a mapping at the top level", hint: "write keys such as name, data, original and target, one per line")
        }
        return root
    }

    private static func yamlError(_ error: YamlError, text: String, file: String) -> AuditSpecError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return AuditSpecError(file: file, line: mark.line, keyPath: nil,
                                  message: "invalid YAML: \(problem)\(during); fix the syntax here (indentation, a missing colon, an unclosed bracket or quote)")
        case let .reader(problem, offset, _, _):
            let line = offset.map { offset in text.utf8.prefix(max(0, offset)).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
            return AuditSpecError(file: file, line: line, keyPath: nil, message: "invalid YAML: \(problem); remove the character or save the file as UTF-8 text")
        case let .duplicatedKeysInMapping(duplicates, context):
            return duplicateKeyError(key: duplicates.first ?? "?", at: context.mark, text: text, file: file)
        default:
            return AuditSpecError(file: file, line: nil, keyPath: nil, message: "is not valid YAML (\(error)); fix the syntax")
        }
    }

    private static let duplicateMarker = "_miaudit_duplicate_"

    /// Yams reports a duplicate key with the line of its first occurrence only. To name the key path
    /// and the second occurrence, the first occurrence is renamed in a copy of the text (and any
    /// further duplicates after it) and the copy is composed again.
    private static func duplicateKeyError(key: String, at firstMark: Mark, text: String, file: String) -> AuditSpecError {
        var copy = text
        var mark = firstMark
        for attempt in 0..<32 {
            guard let renamed = inserting("\(duplicateMarker)\(attempt)_", at: mark, in: copy) else { break }
            copy = renamed
            do {
                guard let node = try Yams.compose(yaml: copy, .default, .default, .utf8) else { break }
                if let found = SpecNode(node: node, path: SpecPath(), file: file).duplicate(marker: "\(duplicateMarker)0_") { return found }
                break
            } catch let YamlError.duplicatedKeysInMapping(_, context) {
                mark = context.mark
            } catch {
                break
            }
        }
        return AuditSpecError(file: file, line: firstMark.line, keyPath: key,
                              message: "duplicate key (first at line \(firstMark.line)); keep one of the two")
    }

    /// The first renamed key and the occurrence after it, as an error at the later one.
    private func duplicate(marker: String) -> AuditSpecError? {
        switch node {
        case let .mapping(mapping):
            let pairs = Array(mapping)
            if let index = pairs.firstIndex(where: { $0.key.scalar?.string.hasPrefix(marker) == true }) {
                let name = Self.unmarked(pairs[index].key.scalar?.string ?? "")
                guard let later = pairs[(index + 1)...].first(where: { Self.unmarked($0.key.scalar?.string ?? "") == name }) else { return nil }
                let first = pairs[index].key.mark?.line ?? 1
                return SpecNode(node: later.key, path: path.appending(name), file: file)
                    .error("duplicate key (first at line \(first)); keep one of the two")
            }
            for (key, value) in pairs {
                let child = SpecNode(node: value, path: path.appending(Self.unmarked(key.scalar?.string ?? "")), file: file)
                if let found = child.duplicate(marker: marker) { return found }
            }
            return nil
        case let .sequence(sequence):
            for (index, element) in sequence.enumerated() {
                if let found = SpecNode(node: element, path: path.appending(index: index), file: file).duplicate(marker: marker) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// `key` without a duplicate marker.
    private static func unmarked(_ key: String) -> String {
        guard key.hasPrefix(duplicateMarker) else { return key }
        let rest = key.dropFirst(duplicateMarker.count).drop(while: \.isNumber)
        return String(rest.hasPrefix("_") ? rest.dropFirst() : rest)
    }

    /// `text` with `marker` inserted where `mark` points (after an opening quote), or nil when the
    /// mark lies outside the text.
    private static func inserting(_ marker: String, at mark: Mark, in text: String) -> String? {
        var scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        while line < mark.line {
            guard index < scalars.count else { return nil }
            if scalars[index] == "\n" { line += 1 }
            index += 1
        }
        index += mark.column - 1
        guard index >= 0, index < scalars.count else { return nil }
        if scalars[index] == "\"" || scalars[index] == "'" { index += 1 }
        scalars.insert(contentsOf: marker.unicodeScalars, at: index)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

// MARK: - Typing the tree

/// Reads a spec's tree into an `AuditSpec`, key by key, resolving relative paths against the spec's
/// directory.
private struct SpecReader {
    /// The spec file's directory.
    let directory: URL

    static let topKeys = ["name", "description", "seed", "data", "splits", "original", "target", "shadows", "gold", "attacks",
                          "settings", "cache", "gate"]
    static let recipeKeys = ["epochs", "batch_size", "learning_rate", "weight_decay", "negatives_per_positive", "image_hidden",
                             "text_hidden", "fusion_hidden", "activation"]

    func spec(from root: SpecNode, source: SpecSource) throws -> AuditSpec {
        let top = try root.mapping(known: Self.topKeys)
        var spec = AuditSpec(
            name: try top.required("name", example: "name: my-audit").nonEmptyString(),
            data: try path(top.required("data", example: "data: ../fixtures/emoji-cldr")),
            original: try original(top.required("original", example: "original: {path: ../reports/demo/original.safetensors}")),
            target: try target(top.required("target", example: "target: {unlearn: {method: retrain}}")),
            source: source)
        spec.description = try top.optional("description")?.string()
        if let node = top["seed"] { spec.seed = try node.unsignedInteger() }
        if let node = top["splits"] { spec.splits = try splits(node) }
        if let node = top["shadows"] { spec.shadows = try shadows(node) }
        if let node = top["gold"] { spec.gold = try node.integer(in: 0...256) }
        if let node = top["attacks"] { spec.attacks = try attacks(node) }
        if let node = top["settings"] { spec.settings = try settings(node) }
        spec.cache = try top.optional("cache").map(path)
        if let node = top["gate"] { spec.gate = try gate(node) }
        let rulesWritten = root.descendant([.key("gate"), .key("rules")]) != nil
        if !rulesWritten { spec.gate.rules = AuditMetricNames.defaultRules.filter { spec.runs(metric: $0.metric) } }
        try spec.check(root, rulesWritten: rulesWritten)
        return spec
    }

    /// A non-empty path, absolute and standardized, relative ones taken from the spec's directory.
    func path(_ node: SpecNode) throws -> String {
        resolve(try node.nonEmptyString())
    }

    func resolve(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL.path
    }

    func splits(_ node: SpecNode) throws -> AuditSplitNames {
        let map = try node.mapping(known: ["train", "forget", "retain", "holdout", "validation", "test"])
        var splits = AuditSplitNames()
        for entry in map.entries {
            let name = try entry.value.nonEmptyString()
            switch entry.key {
            case "train": splits.train = name
            case "forget": splits.forget = name
            case "retain": splits.retain = name
            case "holdout": splits.holdout = name
            case "validation": splits.validation = name
            default: splits.test = name
            }
        }
        return splits
    }

    // MARK: Models

    func original(_ node: SpecNode) throws -> OriginalModelSpec {
        let map = try node.mapping(known: ["path", "train"])
        var original = OriginalModelSpec(path: try path(map.required("path", example: "path: ../reports/demo/original.safetensors")))
        original.train = try map.optional("train").map(training)
        return original
    }

    func training(_ node: SpecNode) throws -> OriginalTraining {
        let map = try node.mapping(known: ["seed", "recipe"])
        var training = OriginalTraining()
        if let seed = map["seed"] { training.seed = try seed.unsignedInteger() }
        if let recipe = map["recipe"] { training.recipe = try self.recipe(recipe) }
        return training
    }

    /// The default recipe with the written fields replacing its own; `recipe.problem` (and an
    /// unusable layer size) is reported at the recipe.
    func recipe(_ node: SpecNode) throws -> TrainingRecipe {
        var recipe = TrainingRecipe()
        for entry in try node.mapping(known: Self.recipeKeys).entries {
            let value = entry.value
            switch entry.key {
            case "epochs": recipe.epochs = try value.integer()
            case "batch_size": recipe.batchSize = try value.integer()
            case "learning_rate": recipe.learningRate = Float(try value.number())
            case "weight_decay": recipe.weightDecay = Float(try value.number())
            case "negatives_per_positive": recipe.negativesPerPositive = try value.integer()
            case "image_hidden": recipe.imageHidden = try value.list().map { try $0.integer() }
            case "text_hidden": recipe.textHidden = try value.list().map { try $0.integer() }
            case "fusion_hidden": recipe.fusionHidden = try value.list().map { try $0.integer() }
            default: recipe.activation = try value.choice(of: Activation.self)
            }
        }
        if let problem = recipe.problem ?? recipe.architecture(imageFeatures: 1, textFeatures: 1).problem {
            throw node.error("\(problem); fix the recipe or leave the field out for its default", onKeyLine: true)
        }
        return recipe
    }

    func target(_ node: SpecNode) throws -> TargetModelSpec {
        let map = try node.mapping(known: ["unlearn", "adapter"])
        switch (map["unlearn"], map["adapter"]) {
        case let (unlearn?, nil):
            return .unlearn(try self.unlearn(unlearn))
        case let (nil, adapter?):
            return .adapter(try self.adapter(adapter))
        case (.some, .some):
            throw node.error("has both unlearn and adapter; keep exactly one (unlearn: a method miaudit applies to the original; "
                             + "adapter: a model you bring)", onKeyLine: true)
        case (nil, nil):
            throw node.error("needs exactly one of unlearn or adapter, e.g. target: {unlearn: {method: retrain}}", onKeyLine: true)
        }
    }

    func unlearn(_ node: SpecNode) throws -> UnlearnTarget {
        let map = try node.mapping(known: ["method", "seed"])
        var unlearn = UnlearnTarget(method: try map.required("method", example: "method: retrain").choice(UnlearningMethods.names, noun: "method"))
        if let seed = map["seed"] { unlearn.seed = try seed.unsignedInteger() }
        return unlearn
    }

    /// An `AdapterDescription`, decoded from the subtree as JSON by its own decoder, with its paths resolved.
    func adapter(_ node: SpecNode) throws -> AdapterDescription {
        let json = try node.json()
        let adapter: AdapterDescription
        do {
            adapter = try JSONDecoder().decode(AdapterDescription.self, from: json)
        } catch let error as DecodingError {
            throw node.decodingError(error)
        } catch {
            throw node.error("\(error)")
        }
        switch adapter {
        case var .native(settings):
            settings.path = try nonEmptyPath(settings.path, at: node)
            return .native(settings)
        case var .outputs(settings):
            settings.path = try nonEmptyPath(settings.path, at: node)
            settings.ids = settings.ids.map(resolve)
            return .outputs(settings)
        case var .process(settings):
            settings.workingDirectory = settings.workingDirectory.map(resolve)
            return .process(settings)
        }
    }

    private func nonEmptyPath(_ path: String, at node: SpecNode) throws -> String {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw node.error(at: [.key("path")], "expected a non-empty path to the model's file")
        }
        return resolve(path)
    }

    // MARK: Attacks and gate

    func shadows(_ node: SpecNode) throws -> ShadowModelsSpec {
        let map = try node.mapping(known: ["count", "method"])
        var shadows = ShadowModelsSpec()
        if let count = map["count"] { shadows.count = try count.integer(in: 0...4096) }
        shadows.method = try map.optional("method")?.choice(UnlearningMethods.names, noun: "method")
        return shadows
    }

    func attacks(_ node: SpecNode) throws -> AuditAttacks {
        let items = try node.list()
        let names = AuditAttacks.names.map(\.0)
        guard !items.isEmpty else { throw node.error("the list is empty; list at least one of: \(names.joined(separator: ", "))") }
        var attacks: AuditAttacks = []
        for item in items {
            let name = try item.choice(names, noun: "attack")
            guard let attack = AuditAttacks.names.first(where: { $0.0 == name })?.1 else { continue }
            guard !attacks.contains(attack) else { throw item.error("\(name) is listed twice; list each attack once") }
            attacks.insert(attack)
        }
        return attacks
    }

    func settings(_ node: SpecNode) throws -> AuditSettings {
        var settings = AuditSettings()
        for entry in try node.mapping(known: ["variance", "folds", "perturbations", "collapse_accuracy"]).entries {
            let value = entry.value
            switch entry.key {
            case "variance": settings.variance = try value.choice(of: LiRAVariance.self).rawValue
            case "folds": settings.folds = try value.integer(in: 2...100)
            case "perturbations": settings.perturbations = try value.integer(in: 1...50)
            default:
                settings.collapseAccuracy = try value.number()
                guard (0..<1).contains(settings.collapseAccuracy) else { throw value.expected("a number in [0, 1)") }
            }
        }
        return settings
    }

    func gate(_ node: SpecNode) throws -> GateSpec {
        let map = try node.mapping(known: ["inconclusive_fails", "rules"])
        var gate = GateSpec()
        if let value = map["inconclusive_fails"] { gate.policy = GatePolicy(inconclusiveFails: try value.bool()) }
        if let value = map["rules"] {
            let items = try value.list()
            guard !items.isEmpty else {
                throw value.error("the list is empty; write at least one rule, e.g. - {metric: ulira.online.auc, at_most: null}, or leave rules out for the defaults")
            }
            gate.rules = try items.map(rule)
        }
        return gate
    }

    /// A gate rule: the fields are checked here (for messages with lines), then decoded by `GateRule`'s
    /// own decoder so specs and rule files accept the same thing.
    func rule(_ node: SpecNode) throws -> GateRule {
        let map = try node.mapping(known: ["metric", "at_most", "at_least", "name"])
        _ = try map.required("metric", example: "metric: ulira.online.auc").choice(AuditMetricNames.all, noun: "metric")
        let bounds = [map["at_most"], map["at_least"]].compactMap { $0 }
        guard bounds.count == 1, let bound = bounds.first else {
            throw node.error(bounds.isEmpty ? "has no bound; add at_most or at_least with a number or null"
                                            : "has both at_most and at_least; write one rule per bound")
        }
        let nullText = bound.tagName == .str && bound.node.scalar?.string == "null"
        guard bound.isNull || nullText || bound.finiteNumber != nil else { throw bound.expected("a number or null") }
        if let name = map.optional("name") { _ = try name.nonEmptyString() }
        do {
            return try JSONDecoder().decode(GateRule.self, from: try node.json())
        } catch let error as AuditSpecError {
            throw error
        } catch let error as DecodingError {
            throw node.decodingError(error)
        } catch {
            throw node.error("\(error)")
        }
    }
}

// MARK: - Checks across keys

extension AuditSpec {
    /// The attack that measures `metric` (`utility.*` needs none).
    fileprivate static func attack(measuring metric: String) -> (name: String, attack: AuditAttacks)? {
        let prefix = metric.split(separator: ".").first.map(String.init) ?? metric
        return AuditAttacks.names.first { $0.0 == prefix }.map { (name: $0.0, attack: $0.1) }
    }

    /// Whether the attack that measures `metric` runs.
    fileprivate func runs(metric: String) -> Bool {
        Self.attack(measuring: metric).map { attacks.contains($0.attack) } ?? true
    }

    /// The checks that involve more than one key, each naming the key path it is about.
    fileprivate func check(_ root: SpecNode, rulesWritten: Bool) throws {
        if attacks.contains(.forgetQuality), gold < 1 {
            throw root.error(at: [.key("gold")], "forget_quality compares the target with gold models but gold is 0; "
                             + "set gold ≥ 1 (e.g. gold: 8) or remove forget_quality from attacks")
        }
        try checkShadows(root)
        if rulesWritten {
            try checkRules(root)
        } else if gate.rules.isEmpty {
            throw root.error(at: [.key("gate"), .key("rules")], "the default rules cover ulira, umia and forget_quality and none of them runs; "
                             + "write rules for the attacks that run, e.g. - {metric: svm.post_existence, at_most: 0.6}")
        } else if gold < 1, let rule = gate.rules.first(where: { $0.bound == .null }) {
            throw root.error(at: [.key("gold")], "the default rule \(rule) has a null bound, calibrated on gold models, but gold is 0; "
                             + "set gold ≥ 1 (e.g. gold: 8) or write gate.rules with fixed bounds")
        }
    }

    private func checkShadows(_ root: SpecNode) throws {
        let shadowAttacks = AuditAttacks.names.filter { [.ulira, .umia].contains($0.1) && attacks.contains($0.1) }.map(\.0)
        guard !shadowAttacks.isEmpty else { return }
        let users = shadowAttacks.joined(separator: " and ")
        let (need, run) = shadowAttacks.count > 1 ? ("need", "run") : ("needs", "runs")
        if shadows.count < 4 || !shadows.count.isMultiple(of: 2) {
            throw root.error(at: [.key("shadows"), .key("count")], "\(users) \(need) an even number of shadow models, at least 4, "
                             + "got \(shadows.count); use e.g. count: 16")
        }
        if case .adapter = target, shadows.method == nil {
            throw root.error(at: [.key("shadows"), .key("method")], "required when the target is an adapter and \(users) \(run): the shadows "
                             + "must apply the method the audited model claims, which an adapter cannot say; set it to one of: "
                             + UnlearningMethods.names.joined(separator: ", "))
        }
    }

    private func checkRules(_ root: SpecNode) throws {
        for (index, rule) in gate.rules.enumerated() {
            let at: [SpecPath.Component] = [.key("gate"), .key("rules"), .index(index)]
            if let needed = Self.attack(measuring: rule.metric), !attacks.contains(needed.attack) {
                throw root.error(at: at + [.key("metric")], "\(rule.metric) is measured by \(needed.name), which is not in attacks; "
                                 + "add \(needed.name) to attacks or remove this rule")
            }
            if rule.bound == .null, !AuditMetricNames.withNull.contains(rule.metric) {
                throw root.error(at: at, "\(rule.metric) has no null distribution (only the shadow attacks and forget quality are "
                                 + "scored on gold models); give it a fixed bound")
            }
            if rule.bound == .null, gold < 1 {
                throw root.error(at: at, "a null bound is calibrated on gold models but gold is 0; set gold ≥ 1 (e.g. gold: 8) or give a fixed bound")
            }
        }
    }
}
