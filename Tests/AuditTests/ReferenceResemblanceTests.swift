import Audit
import Foundation
import Gate
import MembershipInference
import NumericCore
import Stats
import Testing

/// The reference check (SPEC §5.2) on synthetic signals: references of one kind, an audited model
/// of the same kind, and two of another kind (one without utility, one with shifted scores).
struct ReferenceResemblanceTests {
    /// 20 forget rows then 60 holdout rows.
    static let labels = [Bool](repeating: true, count: 20) + [Bool](repeating: false, count: 60)

    /// A model whose true-pair probability is sigmoid(φ), φ ~ N(mean, 1) on every row, with `utility`.
    static func model(_ name: String, mean: Double, utility: Double?, seed: UInt64) throws -> ModelSignals {
        var random = RandomSource(seed: seed)
        let phi = labels.map { _ in mean + random.nextGaussian() }
        var signals = try ModelSignals(name: name, trueClassProbability: phi.map { 1 / (1 + exp(-$0)) })
        signals.utility = utility
        return signals
    }

    /// 16 shadows with φ ~ N(1, 1) and test accuracy 0.70 … 0.775 (8 kept rows each, keep matrix by parity).
    static func shadows(count: Int = 16) throws -> (signals: [ModelSignals], membership: [[Bool]]) {
        let signals = try (0..<count).map { try model("shadow \($0)", mean: 1, utility: 0.70 + 0.005 * Double($0), seed: 100 + UInt64($0)) }
        let membership = (0..<count).map { k in labels.indices.map { ($0 + k) % 2 == 0 } }
        return (signals, membership)
    }

    /// D by brute force: the largest gap between the two empirical CDFs over every observed value.
    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        (a + b).map { x in
            abs(Double(a.count { $0 <= x }) / Double(a.count) - Double(b.count { $0 <= x }) / Double(b.count))
        }.max()!
    }

    @Test func aModelOfTheReferencesKindResemblesThem() throws {
        let (shadows, membership) = try Self.shadows()
        let target = try Self.model("target", mean: 1, utility: 0.74, seed: 7)
        let table = try SignalTable(labels: Self.labels, target: target, shadows: shadows, membership: membership, seed: 0)
        let check = try #require(try ReferenceResemblance.check(table))
        #expect(check.references == "shadows")
        #expect(check.resembles)

        // The statistics, recomputed independently: each shadow contributes its unseen holdout rows.
        let holdout = Self.labels.indices.filter { !Self.labels[$0] }
        let samples = zip(shadows, membership).map { shadow, kept in holdout.filter { !kept[$0] }.map { shadow.lira[$0] } }
        let audited = holdout.map { target.lira[$0] }
        #expect(abs(check.statistic - Self.distance(audited, samples.flatMap { $0 })) < 1e-12)
        for k in samples.indices {
            let others = samples.indices.filter { $0 != k }.flatMap { samples[$0] }
            #expect(abs(check.referenceStatistics[k] - Self.distance(samples[k], others)) < 1e-12)
        }
        let g = Double(samples.count)
        let mean = check.referenceStatistics.reduce(0, +) / g
        let sd = (check.referenceStatistics.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (g - 1)).squareRoot()
        let t = (check.statistic - mean) / (1.5 * sd * (1 + 1 / g).squareRoot())
        let test = try #require(check.test)
        #expect(abs(test.pvalue - StudentTDistribution.survival(t, degreesOfFreedom: g - 1)) < 1e-12)
        #expect(check.utility == 0.74)
        #expect(check.referenceUtilities?.count == 16)
        let utilityP = try #require(check.utilityPValue)
        #expect(utilityP > 0.5 && utilityP <= 1)
        #expect(check.explanation.contains("no difference found"))
    }

    @Test func aModelWithoutTheReferencesUtilityIsUnlikeThem() throws {
        let (shadows, membership) = try Self.shadows()
        // φ like theirs, but chance accuracy on the test pairs (the untrained-model case).
        let target = try Self.model("target", mean: 1, utility: 0.5, seed: 7)
        let check = try #require(try ReferenceResemblance.check(
            try SignalTable(labels: Self.labels, target: target, shadows: shadows, membership: membership, seed: 0)))
        #expect(!check.resembles)
        #expect(try #require(check.utilityPValue) <= ReferenceResemblance.alpha / 2)
        #expect(check.explanation.contains("its test accuracy differs"))
        #expect(check.explanation.contains("trained by the audited model's own procedure"))

        // The gate over any metrics is then inconclusive with the reason, never pass or fail.
        let metrics = ["x": MeasuredMetric(value: 0.5)]
        let policy = GatePolicy()
        let verdict = try policy.evaluate([GateRule(metric: "x", .atMost, .fixed(0.9))], on: metrics,
                                          blockedBy: "unlike its shadows")
        #expect(verdict.results.map(\.outcome) == [.pass])
        #expect(verdict.outcome == .inconclusive)
        #expect(verdict.blocked == "unlike its shadows")
        #expect(verdict.exitCode == (policy.inconclusiveFails ? 1 : 2))
    }

    @Test func shiftedScoresAreUnlikeTheReferences() throws {
        let (shadows, membership) = try Self.shadows()
        let target = try Self.model("target", mean: -3, utility: 0.74, seed: 7)
        let check = try #require(try ReferenceResemblance.check(
            try SignalTable(labels: Self.labels, target: target, shadows: shadows, membership: membership, seed: 0)))
        #expect(!check.resembles)
        #expect(try #require(check.test).pvalue <= ReferenceResemblance.alpha / 2)
        #expect(check.explanation.contains("its φ distribution differs"))
        #expect(!check.explanation.contains("its test accuracy differs"))
    }

    @Test func goldModelsStandInForTooFewShadowsAndTooFewOfEitherMeansNoCheck() throws {
        let (shadows, membership) = try Self.shadows(count: 4)
        let golds = try (0..<8).map { try Self.model("gold \($0)", mean: 1, utility: 0.70 + 0.01 * Double($0), seed: 200 + UInt64($0)) }
        let target = try Self.model("target", mean: 1, utility: nil, seed: 7)
        let check = try #require(try ReferenceResemblance.check(
            try SignalTable(labels: Self.labels, target: target, shadows: shadows, membership: membership, golds: golds, seed: 0)))
        #expect(check.references == "gold models")
        #expect(check.referenceStatistics.count == 8)
        // Every gold model contributes all 60 holdout rows.
        let others = (1..<8).flatMap { k in Self.labels.indices.filter { !Self.labels[$0] }.map { golds[k].lira[$0] } }
        let first = Self.labels.indices.filter { !Self.labels[$0] }.map { golds[0].lira[$0] }
        #expect(abs(check.referenceStatistics[0] - Self.distance(first, others)) < 1e-12)
        // Without the audited model's utility, only φ is compared, and the report says so.
        #expect(check.utilityPValue == nil)
        #expect(check.explanation.contains("test accuracy not compared"))

        let few = try SignalTable(labels: Self.labels, target: target, shadows: shadows, membership: membership,
                                  golds: Array(golds.prefix(7)), seed: 0)
        #expect(try ReferenceResemblance.check(few) == nil)
    }
}
