import AuditData
import Foundation
import ModelAdapters
import NumericCore
import Stats
import SVM

/// Settings of the SVM black-box membership attack (SPEC §5.1).
public struct SVMAttackSettings: Codable, Equatable, Sendable {
    /// The attacker's RBF C-SVC (C = 3, γ = 1/features, probabilities on).
    public var svm = SVMSettings()
    /// Seed of the member subset, the train/evaluation halves, libsvm's `rand()` and the bootstrap.
    public var seed: UInt64 = 0
    /// The attacker "has power" when the lower end of its AUC interval (DeLong, 95%) exceeds this.
    public var powerThreshold: Double = 0.5

    public init(seed: UInt64 = 0) { self.seed = seed }
}

/// What the SVM attack found; every probability is P(member) from the attacker.
public struct SVMAttackResult: Codable, Equatable, Sendable {
    /// E = mean P(member) over the forget set under the reference (original) model.
    public var priorExistence: Double
    /// E over the forget set under the audited model.
    public var postExistence: Double
    /// prior / post (the paper's "prior-to-post"; > 1: the forget set looks less like members).
    public var ratio: Double
    /// E over the holdout set under the audited model: what a never-seen set scores.
    public var holdoutExistence: Double
    /// The attacker's AUC on held-out members vs non-members of the reference model.
    public var attackerAUC: Double
    public var attackerAUCInterval: [Double]
    /// False when the attacker cannot tell members of the reference model apart: then a low post
    /// value proves nothing and the report must say so.
    public var attackerHasPower: Bool
    public var trainingMembers: Int
    public var trainingNonMembers: Int

    enum CodingKeys: String, CodingKey {
        case priorExistence = "prior_existence", postExistence = "post_existence", ratio
        case holdoutExistence = "holdout_existence", attackerAUC = "attacker_auc"
        case attackerAUCInterval = "attacker_auc_interval", attackerHasPower = "attacker_has_power"
        case trainingMembers = "training_members", trainingNonMembers = "training_non_members"
    }
}

/// The SVM black-box membership-inference attack of the MultiDelete paper (§3), as SPEC §5.1 fixes it.
///
/// Members are a seeded random subset of the retain split as large as the validation split;
/// non-members are the validation split. Both are cut into halves by the seed: the attacker trains
/// on the first halves of the reference model's outputs (features standardised with that training
/// set's statistics) and its AUC is measured on the second halves. Higher P(member) = "looks
/// trained on".
public enum SVMMembershipAttack {
    public static func run(dataSet: PairDataSet, reference: any ModelAdapter, audited: any ModelAdapter,
                           forget: [Int], retain: [Int], validation: [Int], holdout: [Int],
                           settings: SVMAttackSettings = SVMAttackSettings()) throws -> SVMAttackResult {
        guard !forget.isEmpty, !holdout.isEmpty else {
            throw AttackError(description: "the SVM attack needs a non-empty forget set and holdout set; check the splits")
        }
        guard validation.count >= 4, retain.count >= validation.count else {
            throw AttackError(description: "the SVM attack needs at least 4 validation rows and as many retain rows (got \(validation.count) and \(retain.count))")
        }
        var generator = RandomSource(seed: settings.seed).derived("svm-attack")
        var members = retain
        generator.shuffle(&members)
        members = Array(members.prefix(validation.count))
        var nonMembers = validation
        generator.shuffle(&nonMembers)
        let half = validation.count / 2
        let trainRows = Array(members.prefix(half)) + Array(nonMembers.prefix(half))
        let trainLabels = [Int](repeating: 1, count: half) + [Int](repeating: 0, count: half)
        let evaluationRows = Array(members.dropFirst(half)) + Array(nonMembers.dropFirst(half))
        let evaluationLabels = [Bool](repeating: true, count: members.count - half) + [Bool](repeating: false, count: nonMembers.count - half)

        func features(_ adapter: any ModelAdapter, _ rows: [Int]) throws -> [[Double]] {
            try adapter.probabilities(forRows: rows, in: dataSet).map { MembershipSignals.attackFeatures($0, trueClass: 1) }
        }
        let referenceTrain = try features(reference, trainRows)
        let standardizer = try FeatureStandardizer(fitting: referenceTrain, input: "SVM attack features")
        let svm = try SupportVectorMachine(features: referenceTrain.map(standardizer.transform), labels: trainLabels,
                                           settings: settings.svm, seed: UInt32(truncatingIfNeeded: settings.seed))
        func existence(_ adapter: any ModelAdapter, _ rows: [Int]) throws -> [Double] {
            svm.probabilityOfPositive(try features(adapter, rows).map(standardizer.transform))
        }
        let evaluationScores = try existence(reference, evaluationRows)
        let curve = try ROCCurve(scores: evaluationScores, labels: evaluationLabels)
        let metrics = try ROCMetrics(curve: curve)
        let interval = try AUCInterval.delong(curve)
        let prior = mean(try existence(reference, forget))
        let post = mean(try existence(audited, forget))
        return SVMAttackResult(
            priorExistence: prior, postExistence: post, ratio: prior / post,
            holdoutExistence: mean(try existence(audited, holdout)),
            attackerAUC: metrics.areaUnderCurve,
            attackerAUCInterval: interval.map { [$0.lower, $0.upper] } ?? [],
            attackerHasPower: (interval?.lower ?? metrics.areaUnderCurve) > settings.powerThreshold,
            trainingMembers: half, trainingNonMembers: half)
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
}
