import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import SmallFixtureSupport
import Stats
import Testing
import Unlearning
@testable import MembershipInference

@Suite struct KeepMatrixTests {
    @Test func everyExampleIsKeptByExactlyHalfTheShadows() throws {
        let keep = try KeepMatrix(shadows: 16, examples: 500, seed: 3)
        #expect(keep.shadows == 16 && keep.examples == 500)
        for x in 0..<500 { #expect((0..<16).filter { keep.rows[$0][x] }.count == 8) }
        // Each shadow keeps about half the pool (binomial, sd ≈ 11 here).
        for k in 0..<16 { #expect(abs(keep.kept(by: k).count - 250) < 60) }
        #expect(try KeepMatrix(shadows: 16, examples: 500, seed: 3) == keep)
        #expect(try KeepMatrix(shadows: 16, examples: 500, seed: 4) != keep)
    }

    @Test(arguments: [3, 7, 2, 0, -4])
    func oddOrTooSmallShadowCountsAreErrors(count: Int) {
        #expect {
            _ = try KeepMatrix(shadows: count, examples: 10, seed: 0)
        } throws: { error in
            "\(error)".contains("shadow count must be even and at least 4") && "\(error)".contains("got \(count)")
        }
    }

    @Test func poolErrors() {
        #expect { _ = try AttackPool(forget: [], holdout: [1]) } throws: { "\($0)".contains("forget set is empty") }
        #expect { _ = try AttackPool(forget: [1], holdout: []) } throws: { "\($0)".contains("holdout set is empty") }
        #expect { _ = try AttackPool(forget: [1, 2, 5], holdout: [5, 6]) } throws: {
            "\($0)".contains("in both the forget and the holdout set") && "\($0)".contains("row 5")
        }
        let pool = try? AttackPool(forget: [4, 1], holdout: [7])
        #expect(pool?.rows == [4, 1, 7] && pool?.labels == [true, true, false])
    }
}

@Suite struct ShadowScoreTests {
    /// Synthetic φ: out shadows ~ N(μ_x, 1); in shadows ~ N(μ_x + shift, 1); the target is "in" on
    /// the first half of the pool (D_f) when `leaks`, otherwise out everywhere.
    static func synthetic(shadows: Int = 16, examples: Int = 200, shift: Double = 2, leaks: Bool, seed: UInt64 = 1)
        throws -> (scores: [[Double]], keep: KeepMatrix, target: [Double], labels: [Bool]) {
        let keep = try KeepMatrix(shadows: shadows, examples: examples, seed: seed)
        var generator = RandomSource(seed: seed).derived("synthetic")
        let centers = (0..<examples).map { _ in 3 * generator.nextGaussian() }
        let scores = (0..<shadows).map { k in
            (0..<examples).map { x in centers[x] + (keep.rows[k][x] ? shift : 0) + generator.nextGaussian() }
        }
        let labels = (0..<examples).map { $0 < examples / 2 }
        let target = (0..<examples).map { x in centers[x] + (leaks && labels[x] ? shift : 0) + generator.nextGaussian() }
        return (scores, keep, target, labels)
    }

    @Test func uLiRADetectsALeakingTargetAndNotACleanOne() throws {
        let leaky = try Self.synthetic(leaks: true)
        let detected = try ULiRA.run(shadowScores: leaky.scores, keep: leaky.keep, targetScores: leaky.target, labels: leaky.labels)
        #expect(detected.online.auc > 0.8 && detected.online.detects)
        #expect(detected.variance == "pooled" && detected.minimumInShadows == 8 && detected.minimumOutShadows == 8)
        #expect(detected.online.naturalThreshold == 0)
        // Method level: every shadow is itself "leaky" on its in examples.
        let level = try #require(detected.methodLevel)
        #expect(level.aucs.count == 16 && level.minimum > 0.7)

        let clean = try Self.synthetic(leaks: false)
        let passed = try ULiRA.run(shadowScores: clean.scores, keep: clean.keep, targetScores: clean.target, labels: clean.labels)
        #expect(passed.online.aucInterval[0] < 0.5 && passed.online.aucInterval[1] > 0.5)
        #expect(passed.offline.aucInterval[0] < 0.5 && passed.offline.aucInterval[1] > 0.5)
    }

    @Test func uLiRAOnlineScoreIsTheGaussianLogLikelihoodRatio() throws {
        let s = try Self.synthetic(shadows: 4, examples: 6, leaks: true)
        let gaussians = try ShadowGaussians(shadowScores: s.scores, keep: s.keep.rows, variance: .pooled)
        let online = try gaussians.onlineScores(targetScores: s.target)
        // Direct computation for example 0 with the pooled σ of each side.
        var inResiduals: [Double] = [], outResiduals: [Double] = []
        var means = (in: [Double](), out: [Double]())
        for x in 0..<6 {
            let inside = (0..<4).filter { s.keep.rows[$0][x] }.map { s.scores[$0][x] }
            let outside = (0..<4).filter { !s.keep.rows[$0][x] }.map { s.scores[$0][x] }
            let mi = inside.reduce(0, +) / 2, mo = outside.reduce(0, +) / 2
            means.in.append(mi)
            means.out.append(mo)
            inResiduals += inside.map { $0 - mi }
            outResiduals += outside.map { $0 - mo }
        }
        let sdIn = (inResiduals.map { $0 * $0 }.reduce(0, +) / 12).squareRoot()
        let sdOut = (outResiduals.map { $0 * $0 }.reduce(0, +) / 12).squareRoot()
        func logNormal(_ v: Double, _ m: Double, _ s: Double) -> Double { -0.5 * log(2 * Double.pi * s * s) - (v - m) * (v - m) / (2 * s * s) }
        for x in 0..<6 {
            let expected = logNormal(s.target[x], means.in[x], sdIn) - logNormal(s.target[x], means.out[x], sdOut)
            #expect(abs(online[x] - expected) < 1e-12 * max(1, abs(expected)))
        }
    }

    @Test func uMIAFromShadowsAndByCrossValidation() throws {
        let leaky = try Self.synthetic(shift: 4, leaks: true)
        // Population attack: the shift is the same for every example, so φ alone carries it
        // (weakly, because examples' centres spread with sd 3).
        let attacker = try UMIA.fitOnShadows(shadowScores: leaky.scores, keep: leaky.keep)
        #expect(attacker.coefficients[0] > 0)
        let result = try UMIA.score(attacker, targetScores: leaky.target, labels: leaky.labels, trainingExamples: 3200)
        #expect(result.variant == "shadow" && result.metrics.auc > 0.6)
        #expect(result.accuracy == result.metrics.balancedAccuracyAtNaturalThreshold)
        let cv = try UMIA.crossValidated(targetScores: leaky.target, labels: leaky.labels, seed: 5)
        #expect(cv.variant == "cross-validated" && cv.folds == 10 && cv.metrics.auc > 0.6)
        #expect(try UMIA.crossValidated(targetScores: leaky.target, labels: leaky.labels, seed: 5) == cv)
    }

    @Test func nanScoresAndSingleClassLabelsAreErrors() throws {
        var s = try Self.synthetic(shadows: 4, examples: 20, leaks: false)
        var target = s.target
        target[3] = .nan
        #expect { _ = try ULiRA.run(shadowScores: s.scores, keep: s.keep, targetScores: target, labels: s.labels) } throws: {
            "\($0)".lowercased().contains("nan")
        }
        s.scores[1][7] = .nan
        #expect { _ = try ULiRA.run(shadowScores: s.scores, keep: s.keep, targetScores: s.target, labels: s.labels) } throws: {
            "\($0)".lowercased().contains("nan") && "\($0)".contains("shadow 1")
        }
        let clean = try Self.synthetic(shadows: 4, examples: 20, leaks: false)
        let oneClass = [Bool](repeating: true, count: 20)
        #expect(throws: StatsError.self) {
            _ = try ULiRA.run(shadowScores: clean.scores, keep: clean.keep, targetScores: clean.target, labels: oneClass)
        }
        #expect(throws: StatsError.self) { _ = try UMIA.crossValidated(targetScores: clean.target, labels: oneClass, seed: 0) }
        #expect(throws: StatsError.self) { _ = try AttackMetrics(scores: [0.1, 0.2], labels: [false, false]) }
    }

    @Test func nullDistributionPercentilesFollowNumpy() {
        // np.percentile([0.3, 0.5, 0.4, 0.9, 0.6], 95) = 0.84
        let null = NullDistribution(values: [0.3, 0.5, 0.4, 0.9, 0.6], audited: 0.5)
        #expect(abs(null.percentile95 - 0.84) < 1e-12)
        #expect(null.maximum == 0.9 && null.minimum == 0.3 && null.size == 5)
        #expect(null.auditedPercentile == 50)  // 2 below, 1 tie: (2 + 0.5) / 5
        #expect(NullDistribution(values: [0.2], audited: 0.7).auditedPercentile == 100)
    }

    @Test func forgetQualityOfIdenticalRatiosIsOneAndMedianIsTaken() throws {
        let a = (0..<50).map { Double($0) / 7 }
        let shifted = a.map { $0 + 100 }
        let result = try ForgetQualityResult(audited: a, gold: [a, shifted, a], view: .paraphrase, perturbations: 5)
        #expect(result.tests.count == 3)
        #expect(result.tests[0].pvalue == 1 && result.tests[2].pvalue == 1)
        #expect(result.tests[1].saturated && result.tests[1].statistic == 1)
        #expect(result.medianPValue == 1)
        // Reference: scipy.stats.ks_2samp(a, a + 100) gives p = 2 / C(100, 50).
        #expect(abs(result.tests[1].pvalue - 1.9823306042836678e-29) / 1.9823306042836678e-29 < 1e-9)
    }
}

/// An adapter that answers NaN for one example, as a broken external model might.
final class NaNAdapter: ModelAdapter {
    let identity = AdapterIdentity(kind: "test", modelID: "broken-model", digest: "none", classes: matchingClasses)
    let badRow: Int
    init(badRow: Int) { self.badRow = badRow }
    func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        queries.map { $0.image == badRow ? [Double.nan, .nan] : [0.4, 0.6] }
    }
}

@Suite struct AdapterScoreErrorTests {
    @Test func nanProbabilitiesNameTheModelAndTheExample() throws {
        let dataSet = try PairDataSet.load(directory: SmallFixtureSupport.directory)
        let pool = try AttackPool(forget: try dataSet.indices(ofSplit: "forget"), holdout: try dataSet.indices(ofSplit: "holdout"))
        let bad = pool.holdout[3]
        #expect { _ = try ShadowAudit.lira(NaNAdapter(badRow: bad), pool: pool, dataSet: dataSet) } throws: {
            "\($0)".contains("broken-model gave NaN probabilities for example \(dataSet.ids[bad])")
        }
        let truth = try TruthRatio(dataSet: dataSet, rows: [bad], seed: 0)
        #expect { _ = try truth.ratios(NaNAdapter(badRow: bad), in: dataSet) } throws: {
            "\($0)".contains("broken-model gave p(match) = nan") && "\($0)".contains(dataSet.ids[bad])
        }
    }
}

@Suite struct AttackMetricsEncodingTests {
    /// With 20 non-members, FPR ≤ 1% and ≤ 0.1% allow no false positive: those points are the
    /// "flag nothing" point (threshold +∞), reported with no threshold; the keys stay, and a point
    /// that does not exist at all would be an explicit null rather than a missing key.
    @Test func everyTargetKeepsItsKeyAndEncodesWithoutInfinities() throws {
        let scores = (0..<40).map { Double($0 % 7) + ($0 < 20 ? 0.5 : 0) }
        let labels = (0..<40).map { $0 < 20 }
        let metrics = try AttackMetrics(scores: scores, labels: labels)
        #expect(Set(metrics.tprAtFPR.keys) == ["0.1", "0.01", "0.001"])
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .throw
        let decoded = try JSONDecoder().decode(AttackMetrics.self, from: try encoder.encode(metrics))
        #expect(decoded == metrics)
        #expect(Set(decoded.tprAtFPR.keys) == ["0.1", "0.01", "0.001"])
    }
}
