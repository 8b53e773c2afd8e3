import Foundation
import Testing
@testable import Stats

/// metrics_reference.json (make_metrics_reference.py, seed 7): φ from probabilities, ROC metrics
/// with heavy ties, and two U-LiRA cases (pooled K = 16 and per-example K = 64).
struct MetricsReference: Decodable {
    struct Target: Decodable {
        let tpr: Double
        let achieved_fpr: Double
        let threshold: Double?
    }
    struct Case: Decodable {
        let name: String
        let probs: [[Double]]?
        let labels: [Int]?
        let phi: [Double]?
        let scores: [Double]?
        let variance: String?
        let phi_shadow: [[Double]]?
        let keep: [[Int]]?
        let phi_target: [Double]?
        let mu_in: [Double]?
        let sd_in: [Double]?
        let mu_out: [Double]?
        let sd_out: [Double]?
        let score: [Double]?
        let auc: Double?
        let balanced_accuracy: Double?
        let advantage: Double?
        let tpr_at_fpr: [String: Target]?
    }
    let cases: [Case]

    static func load() throws -> MetricsReference { try Fixture.load("metrics_reference") }

    static func named(_ name: String) throws -> Case {
        try #require(try load().cases.first { $0.name == name })
    }
}

struct MetricsReferenceTests {
    @Test func phiFromProbabilities() throws {
        let reference = try MetricsReference.named("phi_from_probs")
        let phi = try LiRA.scores(probabilityRows: try #require(reference.probs), trueClasses: try #require(reference.labels))
        var worst = 0.0
        for (actual, expected) in zip(phi, try #require(reference.phi)) {
            worst = max(worst, Fixture.relativeError(actual, expected))
        }
        #expect(phi.count == 50)
        #expect(worst <= 1e-12, "worst relative φ error \(worst)")
    }

    @Test func rocMetricsWithTies() throws {
        let reference = try MetricsReference.named("roc_ties")
        let labels = try #require(reference.labels).map { $0 == 1 }
        let metrics = try ROCMetrics(scores: try #require(reference.scores), labels: labels)
        try Self.compare(metrics, reference)
        // 158 negatives: 0.1 and 0.01 are defined; 0.001 needs 1000 negatives.
        #expect(metrics.truePositiveRateAtTargets.map { $0.point != nil } == [true, true, false])
        #expect(metrics.truePositiveRateAtTargets[2].requiredNegatives == 1000)
    }

    @Test(arguments: ["ulira_K16_M200", "ulira_K64_M300"])
    func uLiRA(caseName: String) throws {
        let reference = try MetricsReference.named(caseName)
        let keep = try #require(reference.keep).map { $0.map { $0 == 1 } }
        let fits = try ShadowGaussians(shadowScores: try #require(reference.phi_shadow), keep: keep)
        #expect(fits.variance.rawValue == reference.variance)
        let pairs: [([Double], [Double]?)] = [(fits.meanIn, reference.mu_in), (fits.standardDeviationIn, reference.sd_in),
                                             (fits.meanOut, reference.mu_out), (fits.standardDeviationOut, reference.sd_out)]
        for (actual, expected) in pairs {
            let expected = try #require(expected)
            let worst = zip(actual, expected).map { Fixture.relativeError($0, $1) }.max() ?? 0
            #expect(worst <= 1e-12, "\(caseName): worst relative fit error \(worst)")
        }
        let scores = try fits.onlineScores(targetScores: try #require(reference.phi_target))
        var worst = 0.0
        for (actual, expected) in zip(scores, try #require(reference.score)) {
            // Relative, with an absolute floor for scores that cancel to near 0.
            worst = max(worst, abs(actual - expected) / max(abs(expected), 1e-3))
        }
        #expect(worst <= 1e-9, "\(caseName): worst relative score error \(worst)")
        let labels = try #require(reference.labels).map { $0 == 1 }
        try Self.compare(try ROCMetrics(scores: scores, labels: labels), reference)

        let offline = try fits.offlineScores(targetScores: try #require(reference.phi_target))
        let x = 0, z = (reference.phi_target![x] - fits.meanOut[x]) / fits.standardDeviationOut[x]
        // One-sided: −log Pr[Z ≥ φ] = −log(½ erfc(z/√2)).
        #expect(abs(offline[x] + log(0.5 * erfc(z / 2.0.squareRoot()))) <= 1e-12 * max(1, abs(offline[x])))
    }

    /// AUC, balanced accuracy and advantage to 1e-12; TPR at every target (the reference ignores the
    /// negatives rule, so its raw best point is compared through `ROCMetrics.bestPoint`).
    static func compare(_ metrics: ROCMetrics, _ reference: MetricsReference.Case) throws {
        #expect(Fixture.relativeError(metrics.areaUnderCurve, try #require(reference.auc)) <= 1e-12)
        #expect(Fixture.relativeError(metrics.balancedAccuracy, try #require(reference.balanced_accuracy)) <= 1e-12)
        #expect(Fixture.relativeError(metrics.advantage, try #require(reference.advantage)) <= 1e-12)
        for (key, expected) in try #require(reference.tpr_at_fpr) {
            let target = try #require(Double(key))
            let point = ROCMetrics.bestPoint(metrics.curve, maximumFalsePositiveRate: target)
            #expect(point.truePositiveRate == expected.tpr, "\(reference.name) @\(key)")
            #expect(point.falsePositiveRate == expected.achieved_fpr, "\(reference.name) @\(key)")
            // Thresholds are scores, which our U-LiRA recomputes to within a few ulps.
            if let threshold = expected.threshold {
                #expect(Fixture.relativeError(point.threshold, threshold) <= 1e-9, "\(reference.name) @\(key)")
            } else {
                #expect(point.threshold == .infinity, "\(reference.name) @\(key)")
            }
            let reported = try #require(metrics.truePositiveRateAtTargets.first { $0.target == target })
            if metrics.curve.negatives >= reported.requiredNegatives {
                #expect(reported.point == point)
            } else {
                #expect(reported.point == nil)
            }
        }
    }
}
