import Foundation
import Stats

/// An operating point as reports show it.
public struct OperatingPointSummary: Codable, Equatable, Sendable {
    public let tpr: Double
    public let achievedFPR: Double
    /// The score threshold; nil for the point that flags nothing (threshold +∞).
    public let threshold: Double?
    public let truePositives: Int
    public let falsePositives: Int

    init(_ point: OperatingPoint) {
        tpr = point.truePositiveRate
        achievedFPR = point.falsePositiveRate
        threshold = point.threshold.isFinite ? point.threshold : nil
        truePositives = point.truePositives
        falsePositives = point.falsePositives
    }

    enum CodingKeys: String, CodingKey {
        case tpr, threshold, achievedFPR = "achieved_fpr", truePositives = "true_positives", falsePositives = "false_positives"
    }
}

/// The metrics of one attack's scores on D_f (members, 1) vs D_h (non-members, 0), SPEC §6.
public struct AttackMetrics: Codable, Equatable, Sendable {
    public let auc: Double
    /// DeLong 95% interval of the AUC, [lower, upper].
    public let aucInterval: [Double]
    /// True when the AUC lies clearly below 0.5: the scores rank non-members above members,
    /// as over-unlearning does; a leak too.
    public let aucBelowChance: Bool
    /// Best balanced accuracy over thresholds.
    public let balancedAccuracy: Double
    /// Balanced accuracy at the attack's natural threshold (0.5 for a probability, 0 for a
    /// log-likelihood ratio), when it has one: the "accuracy" an attacker would report.
    public let balancedAccuracyAtNaturalThreshold: Double?
    public let naturalThreshold: Double?
    public let advantage: Double
    /// TPR at FPR ≤ 10%, 1%, 0.1% (keys "0.1", "0.01", "0.001"); null when too few non-members.
    public let tprAtFPR: [String: OperatingPointSummary?]
    public let positives: Int
    public let negatives: Int

    /// Metrics of `scores` (higher = member) against `labels` (true = member).
    /// - Throws: `StatsError` for NaN scores, a single class or unequal lengths.
    public init(scores: [Double], labels: [Bool], naturalThreshold: Double? = nil, scoresInput: String = "attack scores") throws {
        let metrics = try ROCMetrics(scores: scores, labels: labels,
                                     settings: ROCMetricsSettings(naturalThreshold: naturalThreshold), scoresInput: scoresInput)
        let interval = try AUCInterval.delong(metrics.curve)
        auc = metrics.areaUnderCurve
        aucInterval = interval.map { [$0.lower, $0.upper] } ?? [metrics.areaUnderCurve, metrics.areaUnderCurve]
        aucBelowChance = metrics.areaUnderCurveBelowChance
        balancedAccuracy = metrics.balancedAccuracy
        balancedAccuracyAtNaturalThreshold = metrics.naturalThresholdPoint?.balancedAccuracy
        self.naturalThreshold = naturalThreshold
        advantage = metrics.advantage
        var targets: [String: OperatingPointSummary?] = [:]
        // updateValue keeps an undefined point as an explicit null (a nil subscript assignment would drop the key).
        for target in metrics.truePositiveRateAtTargets {
            targets.updateValue(target.point.map(OperatingPointSummary.init), forKey: "\(target.target)")
        }
        tprAtFPR = targets
        positives = metrics.curve.positives
        negatives = metrics.curve.negatives
    }

    /// True when the whole AUC interval lies above 0.5: the attack detects the members.
    public var detects: Bool { aucInterval[0] > 0.5 }

    enum CodingKeys: String, CodingKey {
        case auc, positives, negatives, advantage
        case aucInterval = "auc_interval", aucBelowChance = "auc_below_chance", balancedAccuracy = "balanced_accuracy"
        case balancedAccuracyAtNaturalThreshold = "balanced_accuracy_at_natural_threshold", naturalThreshold = "natural_threshold"
        case tprAtFPR = "tpr_at_fpr"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(auc, forKey: .auc)
        try container.encode(aucInterval, forKey: .aucInterval)
        try container.encode(aucBelowChance, forKey: .aucBelowChance)
        try container.encode(balancedAccuracy, forKey: .balancedAccuracy)
        try container.encode(balancedAccuracyAtNaturalThreshold, forKey: .balancedAccuracyAtNaturalThreshold)
        try container.encode(naturalThreshold, forKey: .naturalThreshold)
        try container.encode(advantage, forKey: .advantage)
        try container.encode(tprAtFPR, forKey: .tprAtFPR)
        try container.encode(positives, forKey: .positives)
        try container.encode(negatives, forKey: .negatives)
    }
}

/// The distribution of one metric when exact unlearning (a gold model retrained on D_r) is scored
/// as the target (SPEC §8, "null-calibrated bounds").
public struct NullDistribution: Codable, Equatable, Sendable {
    /// The metric's value for each gold model, in gold order.
    public let values: [Double]
    /// The 95th percentile (linear interpolation between order statistics, numpy's default).
    public let percentile95: Double
    public let maximum: Double
    public let minimum: Double
    /// The audited value, and its percentile in the null: 100 × (below + ½ ties) / size.
    public let audited: Double
    public let auditedPercentile: Double
    /// The number of gold models behind the null.
    public let size: Int

    public init(values: [Double], audited: Double) {
        let sorted = values.sorted()
        self.values = values
        size = values.count
        percentile95 = Self.quantile(sorted, 0.95)
        maximum = sorted.last ?? .nan
        minimum = sorted.first ?? .nan
        self.audited = audited
        let below = Double(sorted.filter { $0 < audited }.count), ties = Double(sorted.filter { $0 == audited }.count)
        auditedPercentile = sorted.isEmpty ? .nan : 100 * (below + ties / 2) / Double(sorted.count)
    }

    /// numpy's default (linear) quantile of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }

    enum CodingKeys: String, CodingKey {
        case values, maximum, minimum, audited, size
        case percentile95 = "percentile_95", auditedPercentile = "audited_percentile"
    }
}
