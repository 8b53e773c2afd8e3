import AuditData
import Foundation
import Gate
import MembershipInference
import Stats

/// The metrics an audit measured, by the names gate rules use (`AuditMetricNames.all`).
public enum AuditMetrics {
    /// Every attack metric with its interval and null values, and the utility metrics;
    /// non-finite values are left out.
    public static func measure(suite: AttackSuiteResult, utility: UtilityComparison) -> [String: MeasuredMetric] {
        var metrics = attackMetrics(suite)
        // Classification reports name the same figures as plain accuracies.
        let prefix = utility.audited.isClassification ? "utility.test_accuracy" : "utility.test_itm_accuracy"
        metrics[prefix] = MeasuredMetric(value: utility.audited.testITMAccuracy)
        if let change = utility.testITMAccuracyChange { metrics[prefix + "_drop"] = MeasuredMetric(value: -change) }
        return metrics.filter { $0.value.value.isFinite }
    }

    /// Every attack metric with its interval and null values; non-finite values are left out.
    public static func attackMetrics(_ suite: AttackSuiteResult) -> [String: MeasuredMetric] {
        var metrics: [String: MeasuredMetric] = [:]
        for (name, measured) in suite.measurements {
            let scale: NullScale = measured.isPValue ? .probit : .identity
            metrics[name] = measured.interval.map {
                MeasuredMetric(value: measured.value, interval: $0, nullValues: measured.null?.values, scale: scale,
                               undecidable: measured.undecidable)
            } ?? MeasuredMetric(value: measured.value, nullValues: measured.null?.values, scale: scale, undecidable: measured.undecidable)
        }
        return metrics.filter { $0.value.value.isFinite }
    }
}

extension ReportedMetric {
    /// A measured metric as reports keep it: the null as a summary of the gold values.
    public init(_ metric: MeasuredMetric) {
        self.init(value: metric.value, interval: [metric.lower, metric.upper],
                  null: metric.nullValues.flatMap { $0.isEmpty ? nil : NullSummary(values: $0, audited: metric.value) })
    }
}

extension ROCPoints {
    /// The ROC curve of each attack variant's per-example scores on the pool.
    static func curves(_ scores: [String: [Double]], labels: [Bool]) throws -> [String: ROCPoints] {
        try scores.mapValues { scores in
            let curve = try ROCCurve(scores: scores, labels: labels)
            return ROCPoints(fpr: curve.falsePositives.map { Double($0) / Double(curve.negatives) },
                             tpr: curve.truePositives.map { Double($0) / Double(curve.positives) }, auc: curve.areaUnderCurve)
        }
    }
}

extension ScoreHistograms {
    /// Histograms of φ on shared edges spanning the 0.5th to 99.5th percentile of all scores;
    /// scores outside fall into the end bins.
    static func make(labels: [Bool], audited: [Double], original: [Double], gold: [[Double]], bins: Int) -> ScoreHistograms? {
        let all = (audited + original + gold.flatMap { $0 }).filter(\.isFinite).sorted()
        guard !all.isEmpty, bins > 0 else { return nil }
        func quantile(_ q: Double) -> Double { all[min(all.count - 1, Int((q * Double(all.count - 1)).rounded()))] }
        var low = quantile(0.005), high = quantile(0.995)
        if !(high > low) { (low, high) = (low - 0.5, low + 0.5) }
        let width = (high - low) / Double(bins)
        let edges = (0...bins).map { $0 == bins ? high : low + Double($0) * width }
        func counts(_ scores: [[Double]], member: Bool) -> [Int] {
            var result = [Int](repeating: 0, count: bins)
            for model in scores {
                for (score, label) in zip(model, labels) where label == member && score.isFinite {
                    result[max(0, min(bins - 1, Int(((score - low) / width).rounded(.down))))] += 1
                }
            }
            return result
        }
        let models = [("audited", [audited])] + (original.isEmpty ? [] : [("original", [original])]) + (gold.isEmpty ? [] : [("gold", gold)])
        return ScoreHistograms(edges: edges, models: models.map {
            ModelHistogram(model: $0.0, modelCount: $0.1.count, forget: counts($0.1, member: true), holdout: counts($0.1, member: false))
        })
    }
}
