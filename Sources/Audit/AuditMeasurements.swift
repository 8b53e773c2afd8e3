import AuditData
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning

/// The metrics an audit measured, by the names gate rules use (`AuditMetricNames.all`).
public enum AuditMetrics {
    /// Every metric the results support, by gate name; non-finite values are left out.
    public static func measure(shadowAudit: ShadowAuditResult?, svm: SVMAttackResult?, utility: UtilityComparison) -> [String: MeasuredMetric] {
        var metrics: [String: MeasuredMetric] = [:]
        let nulls = shadowAudit?.nulls ?? [:]
        if let ulira = shadowAudit?.ulira {
            metrics["ulira.online.auc"] = MeasuredMetric(auc: ulira.online, null: nulls["ulira.online.auc"])
            metrics["ulira.offline.auc"] = MeasuredMetric(auc: ulira.offline, null: nulls["ulira.offline.auc"])
        }
        if let umia = shadowAudit?.umia {
            metrics["umia.shadow.auc"] = MeasuredMetric(auc: umia.metrics, null: nulls["umia.shadow.auc"])
            metrics["umia.shadow.accuracy"] = MeasuredMetric(value: umia.accuracy, null: nulls["umia.shadow.accuracy"])
        }
        if let cv = shadowAudit?.umiaCrossValidated {
            metrics["umia.cross_validated.auc"] = MeasuredMetric(auc: cv.metrics, null: nulls["umia.cross_validated.auc"])
            metrics["umia.cross_validated.accuracy"] = MeasuredMetric(value: cv.accuracy, null: nulls["umia.cross_validated.accuracy"])
        }
        if let quality = shadowAudit?.forgetQuality {
            metrics["forget_quality.median_pvalue"] = MeasuredMetric(value: quality.medianPValue, null: nulls["forget_quality.median_pvalue"])
        }
        if let svm {
            metrics["svm.post_existence"] = MeasuredMetric(value: svm.postExistence)
            if svm.ratio.isFinite { metrics["svm.prior_to_post_ratio"] = MeasuredMetric(value: svm.ratio) }
        }
        metrics["utility.test_itm_accuracy"] = MeasuredMetric(value: utility.audited.testITMAccuracy)
        if let change = utility.testITMAccuracyChange { metrics["utility.test_itm_accuracy_drop"] = MeasuredMetric(value: -change) }
        return metrics.filter { $0.value.value.isFinite }
    }
}

extension ReportedMetric {
    init(_ metric: MeasuredMetric) {
        self.init(value: metric.value, interval: [metric.lower, metric.upper],
                  null: metric.null.flatMap { $0.values.isEmpty ? nil : NullSummary(values: $0.values, audited: metric.value) })
    }
}

extension ROCPoints {
    /// The ROC curve of each attack's per-example scores.
    static func curves(_ examples: ShadowAuditExamples) throws -> [String: ROCPoints] {
        try examples.attackScores.mapValues { scores in
            let curve = try ROCCurve(scores: scores, labels: examples.labels)
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
        let models = [("audited", [audited]), ("original", [original])] + (gold.isEmpty ? [] : [("gold", gold)])
        return ScoreHistograms(edges: edges, models: models.map {
            ModelHistogram(model: $0.0, modelCount: $0.1.count, forget: counts($0.1, member: true), holdout: counts($0.1, member: false))
        })
    }
}
