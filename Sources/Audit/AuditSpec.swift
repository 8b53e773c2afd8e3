import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import ReferenceModels

/// An audit as a YAML file describes it (SPEC §8): the data, the models, the attacks and the gate.
///
/// `AuditSpec.load(from:)` reads and checks a spec; every relative path in it is resolved against
/// the spec file's directory, so an audit runs the same from any working directory.
public struct AuditSpec: Equatable, Sendable {
    /// The audit's name (reports and JUnit suites carry it).
    public var name: String
    public var description: String?
    /// The run seed: every random choice of the audit derives from it (`AuditSeeds`).
    public var seed: UInt64 = 0
    /// The data set directory (absolute after loading).
    public var data: String
    /// Which of the data set's splits play each role.
    public var splits = AuditSplitNames()
    /// The original model: its outputs are the SVM attack's reference and its recipe trains the
    /// shadow and gold models.
    public var original: OriginalModelSpec
    /// The model under audit.
    public var target: TargetModelSpec
    /// Shadow models (U-LiRA, U-MIA).
    public var shadows = ShadowModelsSpec()
    /// An external trainer (`trainer: {command: [...], concurrency: 2}`): it trains the shadows and
    /// gold models, and the original and target when the spec says `original: {trainer: {}}`.
    public var trainer: ExternalTrainerSettings?
    /// Reference models trained elsewhere (`references: {supplied: DIR}`): their outputs replace
    /// training, and their counts and shadow method are the spec's. Nil: miaudit trains them.
    public var suppliedReferences: SuppliedReferences?
    /// Gold models retrained on the retain split: forget quality's references and every null.
    /// 16 by default; the gate needs 8 to calibrate a null rule, and 32 suits a release gate.
    public var gold: Int = AuditSpec.defaultGoldModels

    public static let defaultGoldModels = 16
    /// `full` (shadows applying the claimed method, online and method-level attacks) or `fast`
    /// (no shadows: the gold models are every reference-model attack's references; docs/profiles.md).
    public var profile: AuditProfile = .full
    /// Which attacks run: `AttackRegistry` names, in registry order.
    public var attacks: [String] = AttackRegistry.defaults.map(\.name)
    public var settings = AuditSettings()
    /// Model cache directory (absolute after loading), or nil for none.
    public var cache: String?
    public var gate = GateSpec()
    /// The file as read: its path, its bytes (reports carry them verbatim) and their SHA-256.
    public var source: SpecSource

    public init(name: String, data: String, original: OriginalModelSpec, target: TargetModelSpec, source: SpecSource) {
        self.name = name
        self.data = data
        self.original = original
        self.target = target
        self.source = source
    }

    /// What an auditor should know before trusting this spec's verdict, one sentence each.
    public var warnings: [String] {
        var warnings: [String] = []
        let nullRules = gate.rules.filter { $0.bound == .null }
        if !nullRules.isEmpty, gold < Self.defaultGoldModels {
            warnings.append("gold: \(gold) gold models calibrate the null rules; the gate's false-alarm rate is measured at 16 and more "
                            + "(docs/gate.md), so use gold: 16, or 32 for a release gate")
        }
        return warnings
    }

    /// The method every shadow applies: `shadows.method`, else the target's unlearning method.
    public var shadowMethod: String? {
        if let method = shadows.method { return method }
        if case let .unlearn(unlearn) = target { return unlearn.method }
        return nil
    }
}

/// How much an audit trains (docs/profiles.md).
public enum AuditProfile: String, Sendable, Equatable, CaseIterable {
    /// K shadows applying the claimed method and G gold models: online and offline attacks, and
    /// statements about the method.
    case full
    /// G gold models only: offline attacks against them, forget quality, and nulls by leaving each
    /// gold model out in turn. About a third of the full profile's training.
    case fast

    /// Where reference-model attacks take their references from.
    public var references: ReferenceSource { self == .fast ? .golds : .shadows }
}

/// The spec file itself.
public struct SpecSource: Equatable, Sendable {
    /// The path given to `load` (absolute).
    public var path: String
    /// The file's text, verbatim.
    public var text: String
    /// SHA-256 (hex) of the file's bytes.
    public var sha256: String

    public init(path: String, text: String, sha256: String) {
        self.path = path
        self.text = text
        self.sha256 = sha256
    }
}

/// Split names by role. YAML: `splits: {forget: forget, holdout: holdout, ...}`; each defaults to its role's name.
public struct AuditSplitNames: Equatable, Sendable {
    public var train = "train"
    public var forget = "forget"
    public var retain = "retain"
    public var holdout = "holdout"
    public var validation = "validation"
    public var test = "test"
    public init() {}
}

/// The original model. YAML, one of:
/// ```
/// original:
///   path: ../reports/demo/original.safetensors
///   train: {seed: 0, recipe: {epochs: 25}}   # optional: train it when the file is missing
/// original:
///   adapter: {kind: outputs, path: original.npy, ids: original.ids.json}   # any adapter (SPEC §3)
/// ```
/// A miaudit model file carries the recipe that native shadows, gold models and unlearned
/// targets are trained with; an adapter's model is only scored, so an audit with one needs the
/// target as an adapter and the reference models supplied (`references`).
public struct OriginalModelSpec: Equatable, Sendable {
    /// The safetensors file (absolute after loading); for an adapter, what names it in messages
    /// (its file or command).
    public var path: String
    /// The original reached through an adapter instead of a miaudit model file.
    public var adapter: AdapterDescription?
    /// The original trained by the spec's external trainer on the train split.
    public var byTrainer = false
    /// When present and `path` does not exist, the original is trained on the train split with
    /// this recipe and seed, and written to `path`.
    public var train: OriginalTraining?

    public init(path: String, train: OriginalTraining? = nil) {
        self.path = path
        self.train = train
    }

    /// The original the spec's external trainer trains on the train split.
    public static var trainerMade: OriginalModelSpec {
        var spec = OriginalModelSpec(path: "the external trainer's original")
        spec.byTrainer = true
        return spec
    }

    public init(adapter: AdapterDescription) {
        self.adapter = adapter
        switch adapter {
        case let .native(settings): path = settings.path
        case let .outputs(settings): path = settings.path
        case let .process(settings): path = settings.command.joined(separator: " ")
        }
    }
}

public struct OriginalTraining: Equatable, Sendable {
    /// The training seed; nil derives it from the run seed (`AuditSeeds.originalTraining`).
    public var seed: UInt64?
    /// The default recipe with the spec's fields replacing its own.
    public var recipe = TrainingRecipe()
    public init() {}
}

/// The model under audit. YAML, one of:
/// ```
/// target: {unlearn: {method: none, seed: 0}}            # the original with a method applied to the forget split
/// target: {adapter: {kind: native, path: model.safetensors}}   # any adapter (SPEC §3)
/// ```
public enum TargetModelSpec: Equatable, Sendable {
    case unlearn(UnlearnTarget)
    case adapter(AdapterDescription)
}

public struct UnlearnTarget: Equatable, Sendable {
    /// A method name from `UnlearningMethods.names`.
    public var method: String
    /// The method's seed; nil derives it from the run seed (`AuditSeeds.targetUnlearning`).
    public var seed: UInt64?
    public init(method: String, seed: UInt64? = nil) {
        self.method = method
        self.seed = seed
    }
}

/// YAML: `shadows: {count: 16, method: none}`.
public struct ShadowModelsSpec: Equatable, Sendable {
    /// K (even, ≥ 4).
    public var count: Int = 16
    /// The method the audited model claims; every shadow applies it. Defaults to the target's
    /// unlearning method; required when the target is an adapter and U-LiRA or U-MIA runs.
    public var method: String?
    public init() {}
}

/// YAML: `settings: {variance: automatic, folds: 10, perturbations: 5, collapse_accuracy: 0.55, rmia_gamma: 1}`:
/// the signals' and reference models' settings, and every attack option (`AttackRegistry.options`).
public struct AuditSettings: Equatable, Sendable {
    /// k of the truth ratio.
    public var perturbations: Int = 5
    /// Validation ITM accuracy at or below which a shadow or gold model counts as collapsed.
    public var collapseAccuracy: Double = 0.55
    /// Attack options by key; options not given take their defaults.
    public var attackOptions = AttackOptionValues()
    public init() {}
}

/// YAML:
/// ```
/// gate:
///   inconclusive_fails: true
///   null_rule: prediction_interval    # or percentile, the first rule
///   alpha: 0.05                       # family-wise error rate of the null rules (Holm)
///   kappa: 1.5                        # widening of the prediction interval
///   rules:
///     - {metric: ulira.online.auc, at_most: null}
///     - {metric: forget_quality.median_pvalue, at_least: null}
/// ```
/// Without `rules`, the `AuditMetricNames.defaultRules` whose attacks run apply.
public struct GateSpec: Equatable, Sendable {
    public var rules: [GateRule] = AuditMetricNames.defaultRules
    public var policy = GatePolicy()
    public init() {}
}

/// The metrics an audit measures, by the names gate rules use.
public enum AuditMetricNames {
    /// The utility metrics: the ITM names on image–text data, the plain accuracy names on classification data.
    public static let utility = ["utility.test_itm_accuracy", "utility.test_itm_accuracy_drop",
                                 "utility.test_accuracy", "utility.test_accuracy_drop"]

    /// Every name a rule may use: each attack's metrics (`AttackRegistry.metricNames`) and utility's.
    public static var all: [String] { AttackRegistry.metricNames + utility }

    /// The metrics with a null distribution from the gold models (SPEC §8): only these take `null` bounds.
    public static var withNull: Set<String> { Set(AttackRegistry.metricNames) }

    /// SPEC §8's defaults (those whose attack runs): U-LiRA's and U-MIA's AUCs at most, and forget
    /// quality's median p at least, what exact retraining gives (null-calibrated bounds).
    public static let defaultRules = [
        GateRule(metric: "ulira.online.auc", .atMost, .null),
        GateRule(metric: "umia.shadow.auc", .atMost, .null),
        GateRule(metric: "umia.cross_validated.auc", .atMost, .null),
        GateRule(metric: "forget_quality.median_pvalue", .atLeast, .null),
    ]

    /// The fast profile's defaults: the offline attacks against the gold models, the shadow-free
    /// U-MIA and forget quality, each against what exact retraining gives.
    public static let fastRules = [
        GateRule(metric: "ulira.offline.auc", .atMost, .null),
        GateRule(metric: "rmia.offline.auc", .atMost, .null),
        GateRule(metric: "umia.cross_validated.auc", .atMost, .null),
        GateRule(metric: "forget_quality.median_pvalue", .atLeast, .null),
    ]

    /// The default rules of `profile`.
    public static func defaultRules(for profile: AuditProfile) -> [GateRule] { profile == .fast ? fastRules : defaultRules }
}
