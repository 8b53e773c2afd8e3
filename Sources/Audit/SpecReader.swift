import AuditData
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NeuralNet
import NumericCore
import ReferenceModels
import Stats
import Unlearning
import Yams


// MARK: - Typing the tree

/// Reads a spec's tree into an `AuditSpec`, key by key, resolving relative paths against the spec's
/// directory.
struct SpecReader {
    /// The spec file's directory.
    let directory: URL

    static let topKeys = ["name", "description", "seed", "data", "splits", "original", "target", "profile", "shadows", "gold", "references",
                          "trainer", "attacks", "settings", "cache", "gate"]
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
        if let node = top["profile"] {
            let name = try node.nonEmptyString()
            guard let profile = AuditProfile(rawValue: name) else {
                throw node.error("is '\(name)'; use full (shadows and gold models) or fast (gold models only, docs/profiles.md)")
            }
            spec.profile = profile
        }
        if let node = top["shadows"] { spec.shadows = try shadows(node) }
        if let node = top["gold"] { spec.gold = try node.integer(in: 0...256) }
        if let node = top["references"] { try references(node, top: top, into: &spec) }
        if let node = top["trainer"] { spec.trainer = try trainer(node) }
        if spec.original.byTrainer, spec.trainer == nil {
            throw root.error(at: [.key("original"), .key("trainer")], "the original is to be trained by the external trainer but the spec has no trainer; add trainer: {command: [python3, train.py]}")
        }
        if let node = top["attacks"] { spec.attacks = try attacks(node) }
        if let node = top["settings"] { spec.settings = try settings(node) }
        spec.cache = try top.optional("cache").map(path)
        if let node = top["gate"] { spec.gate = try gate(node) }
        let rulesWritten = root.descendant([.key("gate"), .key("rules")]) != nil
        if !rulesWritten { spec.gate.rules = AuditMetricNames.defaultRules(for: spec.profile).filter { spec.runs(metric: $0.metric) } }
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
        let map = try node.mapping(known: ["path", "train", "adapter", "trainer"])
        if let trainer = map["trainer"] {
            guard map.entries.count == 1 else {
                throw node.error("has trainer beside other keys; original: {trainer: {}} trains it with the spec's trainer, alone", onKeyLine: true)
            }
            _ = try trainer.mapping(known: [])
            return .trainerMade
        }
        if let adapter = map["adapter"] {
            if map["path"] != nil || map["train"] != nil {
                throw node.error("has adapter beside path or train; keep adapter (a model you bring, only scored) or path (a miaudit model file)",
                                 onKeyLine: true)
            }
            return OriginalModelSpec(adapter: try self.adapter(adapter))
        }
        var original = OriginalModelSpec(path: try path(map.required("path", example: "path: ../reports/demo/original.safetensors")))
        original.train = try map.optional("train").map(training)
        return original
    }

    func training(_ node: SpecNode) throws -> OriginalTraining {
        let map = try node.mapping(known: ["seed", "recipe"])
        var training = OriginalTraining()
        training.seed = try map.optional("seed")?.unsignedInteger()
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
        unlearn.seed = try map.optional("seed")?.unsignedInteger()
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

    /// `references: {supplied: DIR}`: reads DIR/references.json; its shadow and gold counts and
    /// shadow method become the spec's, and a spec that writes other ones is refused.
    func references(_ node: SpecNode, top: SpecMapping, into spec: inout AuditSpec) throws {
        let map = try node.mapping(known: ["supplied"])
        let directoryNode = try map.required("supplied", example: "supplied: references/ (a directory holding references.json)")
        let supplied: SuppliedReferences
        do {
            supplied = try SuppliedReferences.load(directory: URL(fileURLWithPath: try path(directoryNode), isDirectory: true))
        } catch let error as ReferenceModelError {
            throw directoryNode.error(error.description)
        }
        let file = supplied.directory + "/" + SuppliedReferences.fileName
        if top["gold"] != nil, spec.gold != supplied.golds.count {
            throw top["gold"]!.error("is \(spec.gold) but \(file) lists \(supplied.golds.count) gold models; remove gold (the supplied count applies) or make them agree")
        }
        spec.gold = supplied.golds.count
        if let count = top.owner.descendant([.key("shadows"), .key("count")]), spec.shadows.count != supplied.shadows.count {
            throw count.error("is \(spec.shadows.count) but \(file) lists \(supplied.shadows.count) shadows; remove it (the supplied count applies) or make them agree")
        }
        spec.shadows.count = supplied.shadows.count
        if let method = supplied.shadowMethod {
            guard UnlearningMethods.names.contains(method) else {
                throw directoryNode.error("\(file): shadow_method \"\(method)\" is not a method miaudit knows; use one of: \(UnlearningMethods.names.joined(separator: ", "))")
            }
            if let written = spec.shadows.method, written != method {
                throw top.owner.descendant([.key("shadows"), .key("method")])!.error("is \(written) but the supplied shadows applied \(method) (\(file)); remove it or make them agree")
            }
            spec.shadows.method = method
        }
        spec.suppliedReferences = supplied
    }

    /// `trainer: {command: [...], working_directory: .., timeout_seconds: 60, train_timeout_seconds: 3600, concurrency: 1}`.
    func trainer(_ node: SpecNode) throws -> ExternalTrainerSettings {
        let map = try node.mapping(known: ["command", "working_directory", "timeout_seconds", "train_timeout_seconds", "concurrency",
                                           "batch_size", "encoding"])
        let command = try map.required("command", example: "command: [python3, train.py]").list().map { try $0.nonEmptyString() }
        guard !command.isEmpty else { throw map["command"]!.error("the command is empty; give the program and its arguments, e.g. [python3, train.py]") }
        var process = AdapterDescription.ProcessSettings(command: command)
        process.workingDirectory = try map.optional("working_directory").map(path)
        if let value = map["timeout_seconds"] {
            process.timeoutSeconds = try value.number()
            guard process.timeoutSeconds > 0, process.timeoutSeconds <= 86_400 else { throw value.expected("a number of seconds in (0, 86400]") }
        }
        if let value = map["batch_size"] { process.batchSize = try value.integer(in: 1...1_000_000) }
        if let value = map["encoding"] { process.encoding = try value.choice(of: AdapterDescription.ArrayEncoding.self) }
        var settings = ExternalTrainerSettings(process: process)
        if let value = map["concurrency"] { settings.concurrency = try value.integer(in: 1...64) }
        if let value = map["train_timeout_seconds"] {
            settings.trainTimeoutSeconds = try value.number()
            guard settings.trainTimeoutSeconds > 0, settings.trainTimeoutSeconds <= 604_800 else { throw value.expected("a number of seconds up to a week") }
        }
        return settings
    }

    // MARK: Attacks and gate

    func shadows(_ node: SpecNode) throws -> ShadowModelsSpec {
        let map = try node.mapping(known: ["count", "method"])
        var shadows = ShadowModelsSpec()
        if let count = map["count"] { shadows.count = try count.integer(in: 0...4096) }
        shadows.method = try map.optional("method")?.choice(UnlearningMethods.names, noun: "method")
        return shadows
    }

    func attacks(_ node: SpecNode) throws -> [String] {
        let items = try node.list()
        let names = AttackRegistry.names
        guard !items.isEmpty else { throw node.error("the list is empty; list at least one of: \(names.joined(separator: ", "))") }
        var chosen: Set<String> = []
        for item in items {
            let name = try item.choice(names, noun: "attack")
            guard chosen.insert(name).inserted else { throw item.error("\(name) is listed twice; list each attack once") }
        }
        return names.filter(chosen.contains)
    }

    /// The signal and reference-model settings, and the attacks' options by their declared kinds.
    func settings(_ node: SpecNode) throws -> AuditSettings {
        var settings = AuditSettings()
        let optionKeys = AttackRegistry.options.map(\.key)
        for entry in try node.mapping(known: ["perturbations", "collapse_accuracy"] + optionKeys).entries {
            let value = entry.value
            switch entry.key {
            case "perturbations": settings.perturbations = try value.integer(in: 1...50)
            case "collapse_accuracy":
                settings.collapseAccuracy = try value.number()
                guard (0..<1).contains(settings.collapseAccuracy) else { throw value.expected("a number in [0, 1)") }
            default:
                guard let option = AttackRegistry.option(entry.key)?.option else { continue }
                settings.attackOptions[option.key] = try attackOption(option, value)
            }
        }
        return settings
    }

    /// A value of `option`, read as its kind says.
    func attackOption(_ option: AttackOption, _ node: SpecNode) throws -> AttackOptionValue {
        switch option.kind {
        case let .integer(range): return .integer(try node.integer(in: range))
        case let .number(range):
            let number = try node.number()
            guard range.contains(number) else { throw node.expected(option.accepted) }
            return .number(number)
        case let .choice(names): return .text(try node.choice(names, noun: "value"))
        }
    }

    func gate(_ node: SpecNode) throws -> GateSpec {
        let map = try node.mapping(known: ["inconclusive_fails", "null_rule", "alpha", "kappa", "rules"])
        var gate = GateSpec()
        if let value = map["inconclusive_fails"] { gate.policy.inconclusiveFails = try value.bool() }
        if let value = map["null_rule"] { gate.policy.nullRule = try value.choice(of: NullRule.self) }
        if let value = map["alpha"] {
            gate.policy.alpha = try value.number()
            guard gate.policy.alpha > 0, gate.policy.alpha < 1 else { throw value.expected("a number in (0, 1), e.g. 0.05") }
        }
        if let value = map["kappa"] {
            gate.policy.kappa = try value.number()
            guard gate.policy.kappa >= 1, gate.policy.kappa <= 10 else { throw value.expected("a number in [1, 10], e.g. 1.5") }
        }
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
