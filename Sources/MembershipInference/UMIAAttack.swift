import Foundation
import NumericCore
import Stats

/// U-MIA, the population attack of Hayes et al. (2024), SPEC §5.3: a logistic-regression attacker
/// on per-example signals (SPEC §4): with `umia_features: all` (the default) φ, the loss −log p_y,
/// the entropy, the sorted probabilities (all but the last, which the others fix) and log R, the
/// truth ratio, when the audit collected it; with `umia_features: lira`, φ alone. One feature has
/// no direction of its own: its AUC is ± the signal's, with the sign learnt from the shadows.
///
/// `shadow`: fitted on every (shadow, pool example) pair, label "the shadow trained on it, then
/// unlearned it"; it scores the model's signals. `cross_validated` (shadow-free): the same attacker fitted
/// on the scored model's own D_f vs D_h φ by stratified k-fold cross-validation, scoring each
/// example out of fold; the folds come from `RandomSource.derivedSeed(seed, "umia-folds")`. Scores
/// are P(unlearned); accuracy is the balanced accuracy at P = 0.5.
public struct UMIAAttack: MembershipAttack {
    public init() {}

    public let name = "umia"
    public let title = "U-MIA (population)"
    public let summary = "A logistic-regression attacker on the LiRA score φ: shadow-trained on every shadow's (φ, in/out) "
        + "pairs, and shadow-free by stratified cross-validation on the scored model's own D_f vs D_h. Scores are "
        + "P(unlearned); accuracy is the balanced accuracy at P = 0.5."
    public let needs: SignalNeeds = [.shadows]
    public let wants: SignalNeeds = [.truthRatios]
    public let variants = [
        ScoreVariant(name: "shadow", label: "U-MIA shadow-trained", naturalThreshold: 0.5, reportsAccuracy: true),
        ScoreVariant(name: "cross_validated", label: "U-MIA cross-validated", naturalThreshold: 0.5, reportsAccuracy: true),
    ]
    public let valueMetrics: [ValueMetric] = []
    public var detailType: any AttackDetail.Type { UMIADetail.self }

    /// `folds` of the shadow-free attacker.
    public static let folds = AttackOption(key: "folds", kind: .integer(2...100), defaultValue: .integer(10),
                                           help: "folds of the shadow-free (cross-validated) U-MIA attacker")
    /// `features`: which signals the attacker sees.
    public static let features = AttackOption(key: "umia_features", kind: .choice(["all", "lira"]), defaultValue: .text("all"),
                                              help: "U-MIA's features: all of SPEC §4's signals (φ, loss, entropy, sorted probabilities, truth ratio), or lira (φ alone)")
    public var options: [AttackOption] { [Self.folds, Self.features] }

    /// With gold models as references no shadow ever trained on a pool example, so only the
    /// shadow-free attacker exists.
    public var goldReferencedVariants: [String] { ["cross_validated"] }

    public func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        let all = context.options.text(Self.features) == "all"
        // The truth ratio is a feature only when every model has it.
        let ratios = all && ([table.target] + table.shadows + table.golds).allSatisfy { $0.truthRatios != nil }
        let signals = Signals(all: all, truthRatio: ratios)
        var features: [[Double]] = [], labels: [Bool] = []
        let goldReferenced = context.references == .golds
        for (shadow, kept) in zip(table.shadows, table.membership) where !goldReferenced {
            features += signals.rows(shadow)
            labels += kept
        }
        let attacker = goldReferenced ? nil : try LogisticRegression(features: features, labels: labels)
        let folds = context.options.integer(Self.folds)
        let assignment = try CrossValidation.stratifiedFolds(labels: table.labels, folds: folds,
                                                             seed: RandomSource.derivedSeed(table.seed, "umia-folds"))
        return Fitted(attacker: attacker, assignment: assignment, table: table, signals: signals,
                      detail: UMIADetail(shadowTrainingPairs: features.count, folds: folds, crossValidatedExamples: table.labels.count,
                                         features: signals.names(classes: table.target.probabilities.first?.count ?? 2)))
    }

    /// The attacker's feature rows of a model's pool examples.
    struct Signals: Sendable {
        let all: Bool
        let truthRatio: Bool

        func rows(_ model: ModelSignals) -> [[Double]] {
            guard all else { return model.lira.map { [$0] } }
            return model.lira.indices.map { x in
                let p = model.probabilities[x]
                var row = [model.lira[x], -log(model.trueClassProbability[x] + LiRA.probabilityFloor), MembershipSignals.entropy(p)]
                row += p.sorted(by: >).dropLast()
                if truthRatio, let ratios = model.truthRatios { row.append(log(ratios[x])) }
                return row
            }
        }

        func names(classes: Int) -> [String] {
            guard all else { return ["lira"] }
            return ["lira", "loss", "entropy"] + (0..<max(classes - 1, 0)).map { "sorted_probability_\($0 + 1)" }
                + (truthRatio ? ["log_truth_ratio"] : [])
        }
    }

    struct Fitted: FittedAttack {
        /// Nil when the references are gold models (no shadow-trained attacker).
        let attacker: LogisticRegression?
        let assignment: [Int]
        let table: SignalTable
        let signals: Signals
        let detail: UMIADetail

        func score(_ model: ScoredModel) throws -> AttackScoring? {
            let rows = signals.rows(table.signals(of: model))
            let outOfFold = try CrossValidation.logisticOutOfFoldProbabilities(features: rows, labels: table.labels, folds: assignment)
            var scores = ["cross_validated": outOfFold]
            if let attacker { scores["shadow"] = attacker.probabilities(rows) }
            return AttackScoring(scores: scores, detail: model == .target ? detail : nil)
        }
    }
}

/// What U-MIA reports besides its metrics: what each attacker was trained on, and its features.
public struct UMIADetail: AttackDetail, Equatable {
    /// (shadow, pool example) pairs the shadow-trained attacker was fitted on.
    public let shadowTrainingPairs: Int
    public let folds: Int
    public let crossValidatedExamples: Int
    /// The attacker's features, in order (`lira` alone in reports before the signal set).
    public let features: [String]

    public init(shadowTrainingPairs: Int, folds: Int, crossValidatedExamples: Int, features: [String] = ["lira"]) {
        self.shadowTrainingPairs = shadowTrainingPairs
        self.folds = folds
        self.crossValidatedExamples = crossValidatedExamples
        self.features = features
    }

    enum CodingKeys: String, CodingKey {
        case folds, features
        case shadowTrainingPairs = "shadow_training_pairs", crossValidatedExamples = "cross_validated_examples"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        shadowTrainingPairs = try container.decode(Int.self, forKey: .shadowTrainingPairs)
        folds = try container.decode(Int.self, forKey: .folds)
        crossValidatedExamples = try container.decode(Int.self, forKey: .crossValidatedExamples)
        features = try container.decodeIfPresent([String].self, forKey: .features) ?? ["lira"]
    }

    public var presentation: [DetailBlock] {
        [.facts([
            DetailFact("Features", features.joined(separator: ", ")),
            DetailFact("Shadow-trained attacker fitted on", "\(shadowTrainingPairs) shadow (model, example) pairs"),
            DetailFact("Cross-validated attacker", "\(crossValidatedExamples) examples, \(folds)-fold"),
        ])]
    }
}
