import Foundation
import Stats

/// The scale a null-calibrated rule compares a metric on (SPEC §8): b(v) = v for an AUC or an
/// accuracy; for a p-value the probit b(p) = Φ⁻¹(p) (increasing in p; SPEC writes Φ⁻¹(1 − p),
/// the same test with the sign of the bad side turned), since p-values of equally good models
/// are far from normal on their own scale.
public enum NullScale: String, Codable, Equatable, Sendable {
    case identity
    case probit

    /// p is clamped to [1e-300, 1 − 2⁻⁵³] first, so p = 0 and p = 1 stay finite.
    static let probitFloor = 1e-300, probitCeiling = 1 - 0x1p-53

    /// b(v).
    public func transform(_ value: Double) -> Double {
        switch self {
        case .identity: value
        case .probit: NormalDistribution.quantile(min(max(value, Self.probitFloor), Self.probitCeiling))
        }
    }

    /// The metric value whose b is `b`.
    public func inverse(_ b: Double) -> Double {
        switch self {
        case .identity: b
        case .probit: NormalDistribution.cdf(b)
        }
    }
}

/// A metric as an audit measured it: a value, its interval, and its null distribution if any.
public struct MeasuredMetric: Equatable, Sendable {
    /// The point value.
    public var value: Double
    /// The lower end of the interval (equal to `value` for a point value).
    public var lower: Double
    /// The upper end of the interval (equal to `value` for a point value).
    public var upper: Double
    /// The metric's values on the gold models (each scored as if it were the audited model), for
    /// null-calibrated bounds; nil when the metric has no null distribution.
    public var nullValues: [Double]?
    /// The scale null-calibrated rules compare it on.
    public var scale: NullScale
    /// Why the metric cannot decide anything, when it cannot (e.g. the SVM attacker has no power):
    /// every rule on it is then inconclusive with this reason.
    public var undecidable: String?

    /// A value with interval `[lower, upper]`; pass nil for a point value (an interval of zero width).
    public init(value: Double, interval: (lower: Double, upper: Double)? = nil, nullValues: [Double]? = nil,
                scale: NullScale = .identity, undecidable: String? = nil) {
        self.value = value
        self.lower = interval?.lower ?? value
        self.upper = interval?.upper ?? value
        self.nullValues = nullValues
        self.scale = scale
        self.undecidable = undecidable
    }

    /// A value with its interval given as `[lower, upper]`.
    ///
    /// - Precondition: `interval` has exactly two elements.
    public init(value: Double, interval: [Double], nullValues: [Double]? = nil, scale: NullScale = .identity,
                undecidable: String? = nil) {
        precondition(interval.count == 2, "an interval is [lower, upper], got \(interval.count) values")
        self.init(value: value, interval: (interval[0], interval[1]), nullValues: nullValues, scale: scale, undecidable: undecidable)
    }

    /// The interval the gate decides on: `[min(lower, value), max(upper, value)]`.
    ///
    /// A percentile bootstrap interval can, rarely, exclude its point value; widening it to include
    /// the value can only move an outcome towards inconclusive, never to a pass.
    public var decisionInterval: ClosedRange<Double> { min(lower, value) ... max(upper, value) }
}

/// What a null-calibrated rule used from the null distribution.
///
/// Percentiles use linear interpolation between order statistics (numpy's default): the q-th
/// quantile of sorted values x₀ ≤ … ≤ xₙ₋₁ is x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋₊₁ − x_⌊h⌋) with h = q(n − 1).
public struct NullSummary: Codable, Equatable, Sendable {
    /// The 95th percentile: the pass threshold of an `at_most` rule.
    public let percentile95: Double
    /// The 5th percentile: the pass threshold of an `at_least` rule.
    public let percentile5: Double
    /// The largest null value: an `at_most` rule fails when the whole interval lies above it.
    public let maximum: Double
    /// The smallest null value: an `at_least` rule fails when the whole interval lies below it.
    public let minimum: Double
    /// The number of gold models.
    public let size: Int
    /// The audited value's percentile in the null: 100 × (#below + ½ #equal) / size.
    public let auditedPercentile: Double

    /// The summary of null `values` for audited value `audited`.
    ///
    /// - Precondition: `values` is non-empty and finite (the gate checks this first).
    public init(values: [Double], audited: Double) {
        precondition(!values.isEmpty && values.allSatisfy(\.isFinite), "a null summary needs finite values, got \(values)")
        let sorted = values.sorted()
        percentile95 = Self.quantile(sorted, 0.95)
        percentile5 = Self.quantile(sorted, 0.05)
        maximum = sorted[sorted.count - 1]
        minimum = sorted[0]
        size = sorted.count
        let below = sorted.filter { $0 < audited }.count, equal = sorted.filter { $0 == audited }.count
        auditedPercentile = 100 * (Double(below) + Double(equal) / 2) / Double(sorted.count)
    }

    /// numpy's linear quantile of non-empty sorted values, `q` in [0, 1].
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }

    enum CodingKeys: String, CodingKey {
        case maximum, minimum, size
        case percentile95 = "percentile_95", percentile5 = "percentile_5", auditedPercentile = "audited_percentile"
    }
}
