import Foundation

/// The signals an attack reads from a `SignalTable`, so the pipeline collects only what runs.
public struct SignalNeeds: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Shadow models and their membership (SPEC §5.2).
    public static let shadows = SignalNeeds(rawValue: 1)
    /// The original model's signals on the pool.
    public static let original = SignalNeeds(rawValue: 2)
    /// p_y on population rows under the target and every reference model (RMIA's z).
    public static let population = SignalNeeds(rawValue: 4)
    /// Truth ratios of D_f under the target and every gold model (forget quality).
    public static let truthRatios = SignalNeeds(rawValue: 8)
    /// The original's outputs on rows of known membership (the SVM attack's training data).
    public static let calibration = SignalNeeds(rawValue: 16)
    /// Gold models (forget quality compares with them; every attack's null comes from them).
    public static let golds = SignalNeeds(rawValue: 32)
}

/// One kind of per-example score an attack produces, e.g. U-LiRA's `online` score.
public struct ScoreVariant: Sendable, Equatable {
    /// The variant's name in metric names (`ulira.online.auc`) and curve keys (`ulira.online`).
    public let name: String
    /// The label charts and tables show, e.g. "U-LiRA online".
    public let label: String
    /// The threshold the attack itself would use (0 for a log-likelihood ratio, 0.5 for a
    /// probability), or nil.
    public let naturalThreshold: Double?
    /// Whether `<attack>.<variant>.accuracy` (balanced accuracy at the natural threshold) is a metric.
    public let reportsAccuracy: Bool

    public init(name: String, label: String, naturalThreshold: Double? = nil, reportsAccuracy: Bool = false) {
        precondition(!reportsAccuracy || naturalThreshold != nil, "\(name): accuracy needs a natural threshold")
        self.name = name
        self.label = label
        self.naturalThreshold = naturalThreshold
        self.reportsAccuracy = reportsAccuracy
    }
}

/// A metric an attack reports besides its scores' AUC and accuracy, e.g. forget quality's median p.
public struct ValueMetric: Sendable, Equatable {
    /// The name after the attack's: `median_pvalue` gives `forget_quality.median_pvalue`.
    public let name: String
    /// What the value means, in one line, with the direction that suggests a leak.
    public let summary: String
    /// True for a p-value: the gate compares it with the gold models on the probit scale.
    public let isPValue: Bool

    public init(name: String, summary: String, isPValue: Bool = false) {
        self.name = name
        self.summary = summary
        self.isPValue = isPValue
    }
}

/// What an attack gives for one scored model.
public struct AttackScoring: Sendable {
    /// Per-example scores by variant name, pool order; higher = "looks trained on".
    public var scores: [String: [Double]]
    /// The attack's value metrics by name (`ValueMetric.name`).
    public var values: [String: Double]
    /// Attack-specific facts for the report; only the audited model's is kept.
    public var detail: (any AttackDetail)?
    /// Why this attack's metrics cannot decide anything about the scored model (e.g. the SVM
    /// attacker has no power); the gate then leaves its rules inconclusive with this reason.
    public var undecidable: String?

    public init(scores: [String: [Double]] = [:], values: [String: Double] = [:], detail: (any AttackDetail)? = nil,
                undecidable: String? = nil) {
        self.scores = scores
        self.values = values
        self.detail = detail
        self.undecidable = undecidable
    }
}

/// What the pipeline hands every attack besides the table.
public struct AttackContext: Sendable {
    /// Option values by key (`AttackOption.key`), with the defaults filled in.
    public let options: AttackOptionValues
    /// What the table's `shadows` are: shadow models with their membership (the full profile), or
    /// gold models standing in as references that never saw any pool example (the fast profile).
    public let references: ReferenceSource

    public init(options: AttackOptionValues = AttackOptionValues(), references: ReferenceSource = .shadows) {
        self.options = options
        self.references = references
    }
}

/// Where an attack's reference models come from (docs/profiles.md).
///
/// - `shadows`: shadow models that trained on part of the pool and then applied the audited
///   method, with their membership; online and offline variants both exist.
/// - `golds`: the gold models (retrained on D_r) as references: every pool example is "out" for
///   every one of them, so only the offline variants and the reference-free ones exist. The
///   suite scores gold model g against the others (leave-one-out) for the nulls.
public enum ReferenceSource: String, Sendable, Codable, CaseIterable {
    case shadows
    case golds
}

/// A membership-inference attack or test (SPEC §5): a pure scorer over a `SignalTable`.
///
/// An attack is fitted once on the reference models, then scores the audited model and each gold
/// model as if it were the audited one; `AttackSuite` turns the scores into metrics, intervals,
/// null distributions and curves. Every score's direction is "higher = looks trained on", and D_f
/// is the positive class. To add an attack, write one conforming type and list it in
/// `AttackRegistry.all`.
public protocol MembershipAttack: Sendable {
    /// The name specs, metric names and the command line use: `ulira`.
    var name: String { get }
    /// The heading reports show: "U-LiRA (per-example)".
    var title: String { get }
    /// One paragraph for reports and `--help`: what is fitted on what, and what the scores mean.
    var summary: String { get }
    /// The signals it cannot run without.
    var needs: SignalNeeds { get }
    /// The signals it uses when the audit collects them (the pipeline collects them for it).
    var wants: SignalNeeds { get }
    /// Its score variants, in report order (may be empty).
    var variants: [ScoreVariant] { get }
    /// Its value metrics, in report order (may be empty).
    var valueMetrics: [ValueMetric] { get }
    /// Its options (spec `settings:` keys and `--setting KEY=VALUE`).
    var options: [AttackOption] { get }
    /// The type its detail decodes to, so stored reports can be presented again.
    var detailType: any AttackDetail.Type { get }
    /// Whether a spec without an `attacks:` list runs it.
    var runsByDefault: Bool { get }

    /// Its score variants when the references are gold models (`ReferenceSource.golds`): the
    /// variants that need no "in" reference. Empty for an attack that cannot run that way.
    var goldReferencedVariants: [String] { get }

    /// Fits the attack on the table's reference models.
    /// - Throws: `AttackError` naming the missing or unusable signal and the fix.
    func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack
}

/// An attack fitted to a table's reference models.
public protocol FittedAttack: Sendable {
    /// Scores `model`; nil when a gold model cannot be scored as the target in this table (then
    /// the attack's metrics have no null distribution).
    func score(_ model: ScoredModel) throws -> AttackScoring?
}

extension MembershipAttack {
    public var wants: SignalNeeds { [] }
    public var options: [AttackOption] { [] }
    public var runsByDefault: Bool { true }
    public var goldReferencedVariants: [String] { [] }

    /// Whether the attack fits reference models (it needs shadows in the full profile; in the fast
    /// profile the gold models take their place).
    public var usesReferenceModels: Bool { needs.contains(.shadows) }

    /// Every metric this attack reports: `<name>.<variant>.auc`, `<name>.<variant>.accuracy` for
    /// variants with a natural threshold, and `<name>.<value>`.
    public var metricNames: [String] {
        variants.flatMap { variant in
            ["\(name).\(variant.name).auc"] + (variant.reportsAccuracy ? ["\(name).\(variant.name).accuracy"] : [])
        } + valueMetrics.map { "\(name).\($0.name)" }
    }
}
