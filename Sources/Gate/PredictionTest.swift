import Foundation
import Stats

/// The null-calibrated test of SPEC §8 (revised): is the audited model's value an outlier among
/// G exactly unlearned models (the gold models, each scored as if it were the audited one)?
///
/// On the rule's scale b (`NullScale`), with m and s the mean and standard deviation (divisor
/// G − 1) of the gold models' b-values, the excess e of the audited value on the rule's bad side
/// (b(x) − m for `at_most`, m − b(x) for `at_least`) gives
///   t = e / (κ·s·√(1 + 1/G)),   p = 1 − F_t(t; G − 1),
/// the p-value of a prediction interval for one more draw from the gold models' distribution,
/// widened by κ (a retrained target varies more than one seed's gold pool can show). The gate
/// then applies Holm's step-down across its null rules. The audited value's own interval does
/// not enter: the gold models are scored on the same rows, so their spread holds that noise.
public struct PredictionTest: Codable, Equatable, Sendable {
    public let scale: NullScale
    /// m and s of the gold models' b-values.
    public let mean: Double
    public let standardDeviation: Double
    /// G.
    public let goldModels: Int
    public let kappa: Double
    /// t and its one-sided p (G − 1 degrees of freedom).
    public let statistic: Double
    public let pvalue: Double
    /// Holm's adjusted p across the gate's null rules; the rule fails when it is at most `alpha`.
    public var adjustedPValue: Double
    public let alpha: Double
    /// How many null rules Holm's family held.
    public var family: Int
    /// The shift of b(x) from m, on the bad side, that this audit fails 8 times in 10.
    public var detectableShift: Double
    /// The metric value at that shift: m + Δ (or m − Δ) mapped back to the metric's own scale.
    public var detectableValue: Double

    /// Power 0.8: z₀.₈ = Φ⁻¹(0.8).
    static let powerQuantile = NormalDistribution.quantile(0.8)

    /// The test of `value` against `nullValues`, or the reason it cannot be calibrated.
    public static func prepare(value: Double, nullValues: [Double], scale: NullScale, direction: BoundDirection, kappa: Double, alpha: Double,
                        minimumGoldModels: Int) -> Result<PredictionTest, Uncalibrated> {
        let g = nullValues.count
        guard g >= minimumGoldModels else {
            return .failure(Uncalibrated("it is calibrated on \(g) gold models, fewer than \(minimumGoldModels); give gold: 16 or more (32 for a release gate)"))
        }
        let b = nullValues.map(scale.transform)
        let mean = b.reduce(0, +) / Double(g)
        let sd = (b.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g - 1)).squareRoot()
        guard sd > 0, sd.isFinite, mean.isFinite else {
            return .failure(Uncalibrated("the \(g) gold models' values do not spread (s = \(formatNumber(sd))), so no prediction interval exists; check the gold models"))
        }
        let x = scale.transform(value)
        let excess = direction == .atMost ? x - mean : mean - x
        let t = excess / (kappa * sd * (1 + 1 / Double(g)).squareRoot())
        let p = StudentTDistribution.survival(t, degreesOfFreedom: Double(g - 1))
        return .success(PredictionTest(scale: scale, mean: mean, standardDeviation: sd, goldModels: g, kappa: kappa, statistic: t,
                                       pvalue: p, adjustedPValue: p, alpha: alpha, family: 1, detectableShift: .nan, detectableValue: .nan))
    }

    /// Sets the family size and the shift this audit detects 8 times in 10: a model whose b lies
    /// Δ beyond m (spread s like a gold model) fails Holm's first step (level α / R) with
    /// probability 0.8 when Δ = t_{1−α/R, G−1}·κ·s·√(1 + 1/G) + z₀.₈·s.
    public mutating func setFamily(_ size: Int, direction: BoundDirection) {
        family = size
        let critical = StudentTDistribution.quantile(1 - alpha / Double(size), degreesOfFreedom: Double(goldModels - 1))
        detectableShift = critical * kappa * standardDeviation * (1 + 1 / Double(goldModels)).squareRoot()
            + Self.powerQuantile * standardDeviation
        detectableValue = scale.inverse(direction == .atMost ? mean + detectableShift : mean - detectableShift)
    }

    /// The gold models' typical value on the metric's own scale: m mapped back.
    public var typicalValue: Double { scale.inverse(mean) }

    /// "this audit fails a model whose ulira.online.auc exceeds exact retraining's by 0.094 or more, 8 times in 10".
    public func powerSentence(metric: String, direction: BoundDirection) -> String {
        switch (scale, direction) {
        case (.identity, .atMost):
            return "this audit fails a model whose \(metric) exceeds exact retraining's by \(formatNumber(detectableShift)) or more, 8 times in 10"
        case (.identity, .atLeast):
            return "this audit fails a model whose \(metric) falls short of exact retraining's by \(formatNumber(detectableShift)) or more, 8 times in 10"
        case (.probit, .atLeast):
            return "this audit fails a model whose \(metric) is \(formatNumber(detectableValue)) or lower (exact retraining's is typically "
                + "\(formatNumber(typicalValue))), 8 times in 10"
        case (.probit, .atMost):
            return "this audit fails a model whose \(metric) is \(formatNumber(detectableValue)) or higher (exact retraining's is typically "
                + "\(formatNumber(typicalValue))), 8 times in 10"
        }
    }

    enum CodingKeys: String, CodingKey {
        case scale, mean, kappa, statistic, pvalue, alpha, family
        case standardDeviation = "standard_deviation", goldModels = "gold_models", adjustedPValue = "adjusted_pvalue"
        case detectableShift = "detectable_shift", detectableValue = "detectable_value"
    }
}

/// Why a null-calibrated rule cannot decide.
public struct Uncalibrated: Error, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Holm's step-down adjustment (Holm 1979): with the R p-values sorted p₍₁₎ ≤ … ≤ p₍R₎, the
/// adjusted p₍ᵢ₎ = max over j ≤ i of min(1, (R − j + 1)·p₍ⱼ₎). A rule is rejected at level α when
/// its adjusted p is at most α; this holds the family-wise error rate at α.
public enum HolmAdjustment {
    public static func adjusted(_ pvalues: [Double]) -> [Double] {
        let order = pvalues.indices.sorted { (pvalues[$0], $0) < (pvalues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: pvalues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(pvalues.count - rank) * pvalues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
