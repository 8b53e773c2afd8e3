import Foundation
import Stats

/// The pool P = D_f ∪ D_h that shadow attacks score: forget rows first (label 1, "unlearned"),
/// then holdout rows (label 0, "never seen").
public struct AttackPool: Sendable, Equatable {
    public let forget: [Int]
    public let holdout: [Int]

    /// - Throws: `AttackError` when either set is empty, or they share a row (a row cannot be both
    ///   unlearned and never seen).
    public init(forget: [Int], holdout: [Int]) throws {
        guard !forget.isEmpty else {
            throw AttackError(description: "the forget set is empty: there is nothing whose deletion could be audited; check the forget split")
        }
        guard !holdout.isEmpty else {
            throw AttackError(description: "the holdout set is empty: the attacks need never-seen rows to compare the forget set with; check the holdout split")
        }
        let shared = Set(forget).intersection(holdout)
        guard shared.isEmpty else {
            throw AttackError(description: "\(shared.count) row(s) are in both the forget and the holdout set (first: row \(shared.min()!)); a row cannot be both unlearned and never seen — fix the splits")
        }
        self.forget = forget
        self.holdout = holdout
    }

    /// Pool rows in pool order.
    public var rows: [Int] { forget + holdout }
    /// true for forget rows.
    public var labels: [Bool] { [Bool](repeating: true, count: forget.count) + [Bool](repeating: false, count: holdout.count) }
    public var count: Int { forget.count + holdout.count }
}

/// Spread of a metric over the shadows, each scored as the target against the others.
public struct MethodLevelSummary: Codable, Equatable, Sendable {
    /// One AUC per shadow, in shadow order.
    public let aucs: [Double]
    public let mean: Double
    public let standardDeviation: Double
    public let minimum: Double
    public let maximum: Double

    init(_ values: [Double]) {
        aucs = values
        let center = values.reduce(0, +) / Double(values.count)
        mean = center
        standardDeviation = (values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(values.count)).squareRoot()
        minimum = values.min() ?? .nan
        maximum = values.max() ?? .nan
    }

    enum CodingKeys: String, CodingKey {
        case aucs, mean, minimum, maximum
        case standardDeviation = "standard_deviation"
    }
}

/// U-LiRA's result (SPEC §5.4): scores Λ on D_f (1) vs D_h (0).
public struct ULiRAResult: Codable, Equatable, Sendable {
    /// Online: log N(φ; in) − log N(φ; out); natural threshold 0.
    public let online: AttackMetrics
    /// Offline: −log N(φ; out), from out shadows only.
    public let offline: AttackMetrics
    /// `per-example` or `pooled`: how σ was estimated.
    public let variance: String
    public let shadows: Int
    public let minimumInShadows: Int
    public let minimumOutShadows: Int
    /// Each shadow as the target, scored with the others (online AUC, its in vs out examples).
    public let methodLevel: MethodLevelSummary?

    enum CodingKeys: String, CodingKey {
        case online, offline, variance, shadows
        case minimumInShadows = "minimum_in_shadows", minimumOutShadows = "minimum_out_shadows", methodLevel = "method_level"
    }
}

/// U-LiRA, the per-example attack of Hayes et al. (2024), SPEC §5.4.
public enum ULiRA {
    /// Fits the per-example Gaussians to the shadows' φ and scores the target.
    /// - Parameters:
    ///   - shadowScores: φ of pool example x under shadow k, K × |P|.
    ///   - keep: which shadows trained on (then unlearned) each example.
    ///   - targetScores: φ of the pool under the audited model.
    ///   - labels: true for D_f rows of the pool.
    ///   - methodLevel: also score each shadow against the others.
    public static func run(shadowScores: [[Double]], keep: KeepMatrix, targetScores: [Double], labels: [Bool],
                           variance: LiRAVariance = .automatic, methodLevel: Bool = true) throws -> ULiRAResult {
        try run(fitted: try ShadowGaussians(shadowScores: shadowScores, keep: keep.rows, variance: variance),
                shadowScores: shadowScores, keep: keep, targetScores: targetScores, labels: labels, methodLevel: methodLevel)
    }

    /// As `run`, with the Gaussians already fitted to `shadowScores` and `keep` (so a caller that
    /// also scores gold models fits them once).
    public static func run(fitted gaussians: ShadowGaussians, shadowScores: [[Double]], keep: KeepMatrix, targetScores: [Double],
                           labels: [Bool], methodLevel: Bool = true) throws -> ULiRAResult {
        let online = try AttackMetrics(scores: try gaussians.onlineScores(targetScores: targetScores), labels: labels,
                                       naturalThreshold: 0, scoresInput: "U-LiRA online scores")
        let offline = try AttackMetrics(scores: try gaussians.offlineScores(targetScores: targetScores), labels: labels,
                                        scoresInput: "U-LiRA offline scores")
        var summary: MethodLevelSummary?
        if methodLevel {
            summary = MethodLevelSummary(try (0..<keep.shadows).map { k in
                let others = (0..<keep.shadows).filter { $0 != k }
                let fit = try ShadowGaussians(shadowScores: others.map { shadowScores[$0] }, keep: others.map { keep.rows[$0] },
                                              variance: gaussians.variance)
                let scores = try fit.onlineScores(targetScores: shadowScores[k])
                return try ROCCurve(scores: scores, labels: keep.rows[k], scoresInput: "shadow \(k) U-LiRA scores").areaUnderCurve
            })
        }
        return ULiRAResult(online: online, offline: offline, variance: gaussians.variance.rawValue, shadows: keep.shadows,
                           minimumInShadows: gaussians.minimumInCount, minimumOutShadows: gaussians.minimumOutCount,
                           methodLevel: summary)
    }

    /// Online scores of `targetScores` against Gaussians fitted once (for scoring gold models as targets).
    public static func scores(_ gaussians: ShadowGaussians, targetScores: [Double], labels: [Bool]) throws -> (online: AttackMetrics, offline: AttackMetrics) {
        (try AttackMetrics(scores: try gaussians.onlineScores(targetScores: targetScores), labels: labels, naturalThreshold: 0),
         try AttackMetrics(scores: try gaussians.offlineScores(targetScores: targetScores), labels: labels))
    }
}

/// U-MIA's result (SPEC §5.3): a logistic attacker's P(unlearned) on D_f (1) vs D_h (0).
public struct UMIAResult: Codable, Equatable, Sendable {
    /// `shadow` (trained on the shadows' in/out pairs) or `cross-validated` (on the target's own
    /// D_f vs D_h, stratified k-fold).
    public let variant: String
    /// Balanced accuracy at P = 0.5: the attack's accuracy with the class sizes equalised. Ideal 0.5.
    public let accuracy: Double
    public let metrics: AttackMetrics
    /// Training pairs of the attacker (shadow variant) or folds (cross-validated).
    public let trainingExamples: Int
    public let folds: Int?

    enum CodingKeys: String, CodingKey {
        case variant, accuracy, metrics, folds
        case trainingExamples = "training_examples"
    }
}

/// U-MIA, the population attack (SPEC §5.3). The feature is the LiRA score φ.
public enum UMIA {
    /// The shadow-trained attacker: fitted on every (shadow, example) pair's φ, label in/out.
    public static func fitOnShadows(shadowScores: [[Double]], keep: KeepMatrix) throws -> LogisticRegression {
        var features: [[Double]] = [], labels: [Bool] = []
        for k in 0..<keep.shadows {
            for x in 0..<keep.examples {
                features.append([shadowScores[k][x]])
                labels.append(keep.rows[k][x])
            }
        }
        return try LogisticRegression(features: features, labels: labels)
    }

    /// Scores a target's pool φ with a fitted shadow attacker.
    public static func score(_ attacker: LogisticRegression, targetScores: [Double], labels: [Bool], trainingExamples: Int) throws -> UMIAResult {
        let probabilities = attacker.probabilities(targetScores.map { [$0] })
        let metrics = try AttackMetrics(scores: probabilities, labels: labels, naturalThreshold: 0.5, scoresInput: "U-MIA probabilities")
        return UMIAResult(variant: "shadow", accuracy: metrics.balancedAccuracyAtNaturalThreshold ?? .nan, metrics: metrics,
                          trainingExamples: trainingExamples, folds: nil)
    }

    /// The shadow-free attacker: logistic regression on the target's own D_f vs D_h φ, by
    /// stratified cross-validation (out-of-fold probabilities).
    public static func crossValidated(targetScores: [Double], labels: [Bool], folds: Int = 10, seed: UInt64) throws -> UMIAResult {
        try crossValidated(probabilities: try crossValidatedProbabilities(targetScores: targetScores, labels: labels, folds: folds, seed: seed),
                           labels: labels, folds: folds)
    }

    /// The shadow-free attacker's out-of-fold P(unlearned) per example.
    public static func crossValidatedProbabilities(targetScores: [Double], labels: [Bool], folds: Int = 10, seed: UInt64) throws -> [Double] {
        let assignment = try CrossValidation.stratifiedFolds(labels: labels, folds: folds, seed: seed)
        return try CrossValidation.logisticOutOfFoldProbabilities(features: targetScores.map { [$0] }, labels: labels, folds: assignment)
    }

    /// The shadow-free result from out-of-fold probabilities.
    public static func crossValidated(probabilities: [Double], labels: [Bool], folds: Int) throws -> UMIAResult {
        let metrics = try AttackMetrics(scores: probabilities, labels: labels, naturalThreshold: 0.5, scoresInput: "U-MIA probabilities")
        return UMIAResult(variant: "cross-validated", accuracy: metrics.balancedAccuracyAtNaturalThreshold ?? .nan, metrics: metrics,
                          trainingExamples: labels.count, folds: folds)
    }
}
