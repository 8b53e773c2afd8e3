import Foundation
import NumericCore
import Stats

/// U-MIA, the population attack of Hayes et al. (2024), SPEC §5.3: a logistic-regression attacker
/// on the LiRA score φ.
///
/// `shadow`: fitted on every (shadow, pool example) pair, label "the shadow trained on it, then
/// unlearned it"; it scores the model's φ. `cross_validated` (shadow-free): the same attacker fitted
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
    public let variants = [
        ScoreVariant(name: "shadow", label: "U-MIA shadow-trained", naturalThreshold: 0.5, reportsAccuracy: true),
        ScoreVariant(name: "cross_validated", label: "U-MIA cross-validated", naturalThreshold: 0.5, reportsAccuracy: true),
    ]
    public let valueMetrics: [ValueMetric] = []
    public var detailType: any AttackDetail.Type { UMIADetail.self }

    /// `folds` of the shadow-free attacker.
    public static let folds = AttackOption(key: "folds", kind: .integer(2...100), defaultValue: .integer(10),
                                           help: "folds of the shadow-free (cross-validated) U-MIA attacker")
    public var options: [AttackOption] { [Self.folds] }

    public func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        var features: [[Double]] = [], labels: [Bool] = []
        for (shadow, kept) in zip(table.shadows, table.membership) {
            features += shadow.lira.map { [$0] }
            labels += kept
        }
        let attacker = try LogisticRegression(features: features, labels: labels)
        let folds = context.options.integer(Self.folds)
        let assignment = try CrossValidation.stratifiedFolds(labels: table.labels, folds: folds,
                                                             seed: RandomSource.derivedSeed(table.seed, "umia-folds"))
        return Fitted(attacker: attacker, assignment: assignment, table: table,
                      detail: UMIADetail(shadowTrainingPairs: features.count, folds: folds, crossValidatedExamples: table.labels.count))
    }

    struct Fitted: FittedAttack {
        let attacker: LogisticRegression
        let assignment: [Int]
        let table: SignalTable
        let detail: UMIADetail

        func score(_ model: ScoredModel) throws -> AttackScoring? {
            let phi = table.signals(of: model).lira.map { [$0] }
            let outOfFold = try CrossValidation.logisticOutOfFoldProbabilities(features: phi, labels: table.labels, folds: assignment)
            return AttackScoring(scores: ["shadow": attacker.probabilities(phi), "cross_validated": outOfFold],
                                 detail: model == .target ? detail : nil)
        }
    }
}

/// What U-MIA reports besides its metrics: what each attacker was trained on.
public struct UMIADetail: AttackDetail, Equatable {
    /// (shadow, pool example) pairs the shadow-trained attacker was fitted on.
    public let shadowTrainingPairs: Int
    public let folds: Int
    public let crossValidatedExamples: Int

    public init(shadowTrainingPairs: Int, folds: Int, crossValidatedExamples: Int) {
        self.shadowTrainingPairs = shadowTrainingPairs
        self.folds = folds
        self.crossValidatedExamples = crossValidatedExamples
    }

    enum CodingKeys: String, CodingKey {
        case folds
        case shadowTrainingPairs = "shadow_training_pairs", crossValidatedExamples = "cross_validated_examples"
    }

    public var presentation: [DetailBlock] {
        [.facts([
            DetailFact("Shadow-trained attacker fitted on", "\(shadowTrainingPairs) shadow (model, example) pairs"),
            DetailFact("Cross-validated attacker", "\(crossValidatedExamples) examples, \(folds)-fold"),
        ])]
    }
}
