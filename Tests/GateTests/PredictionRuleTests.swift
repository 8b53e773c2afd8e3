import Foundation
@testable import Gate
import Testing

/// The revised null rule (SPEC §8): a prediction-interval t test against the gold models, Holm
/// across the null rules. Reference values from scipy 1.17 (`scipy.stats.t.sf`, `.ppf`,
/// `scipy.stats.norm.ppf`, `.cdf`) on the fixture null: m = 0.52125, s = 0.04015594601052253.
@Suite struct PredictionRuleTests {
    let uLiRA = GateRule(metric: "ulira.online.auc", .atMost, .null)
    let quality = GateRule(metric: "forget_quality.median_pvalue", .atLeast, .null)

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    @Test func tAndPMatchScipy() throws {
        let expected: [(Double, Double, Double)] = [  // value, t, p (κ = 1.5, G = 8)
            (0.52, -0.019565575696124552, 0.507532030169165), (0.62, 1.5456804799938728, 0.08304990145026973),
            (0.7, 2.7978773245458703, 0.013302647145888748),
        ]
        for (value, t, p) in expected {
            let verdict = try GatePolicy().evaluate([uLiRA], on: ["ulira.online.auc": measured(value, value - 0.05, value + 0.05, null: true)])
            let test = try #require(verdict.results[0].test)
            #expect(Self.close(test.mean, 0.52125) && Self.close(test.standardDeviation, 0.04015594601052253))
            #expect(Self.close(test.statistic, t), "t at \(value): \(test.statistic)")
            #expect(Self.close(test.pvalue, p, 1e-10), "p at \(value): \(test.pvalue)")
            #expect(test.goldModels == 8 && test.kappa == 1.5 && test.family == 1 && test.adjustedPValue == test.pvalue)
            #expect(verdict.results[0].outcome == (p <= 0.05 ? .fail : .pass))
        }
    }

    /// The audited value's interval does not decide: an interval reaching far past the gold models
    /// still passes when the value is typical.
    @Test func theIntervalDoesNotDecide() throws {
        let wide = try GatePolicy().evaluate([uLiRA], on: ["ulira.online.auc": measured(0.53, 0.3, 0.9, null: true)])
        #expect(wide.outcome == .pass)
        #expect(wide.results[0].interval == [0.3, 0.9])
    }

    @Test func holmAdjustsTheNullRulesTogether() throws {
        // Reference: by hand, p (0.01, 0.04, 0.03, 0.005) → (0.03, 0.06, 0.06, 0.02).
        #expect(HolmAdjustment.adjusted([0.01, 0.04, 0.03, 0.005]).enumerated().allSatisfy {
            Self.close($0.element, [0.03, 0.06, 0.06, 0.02][$0.offset], 1e-15)
        })
        #expect(HolmAdjustment.adjusted([]) == [])
        #expect(HolmAdjustment.adjusted([0.9, 0.9]) == [1, 1])
        // 0.66 alone fails (p 0.0326); beside a second null rule Holm doubles its p and it passes.
        let rules = [uLiRA, GateRule(metric: "umia.shadow.auc", .atMost, .null)]
        #expect(try GatePolicy().evaluate([uLiRA], on: ["ulira.online.auc": measured(0.66, null: true)]).outcome == .fail)
        let two = try GatePolicy().evaluate(rules, on: ["ulira.online.auc": measured(0.66, null: true), "umia.shadow.auc": measured(0.5, null: true)])
        let test = try #require(two.results[0].test)
        #expect(Self.close(test.adjustedPValue, 2 * test.pvalue, 1e-15) && test.family == 2 && test.pvalue > 0.025 && test.pvalue < 0.05)
        #expect(two.results.map(\.outcome) == [.pass, .pass])
        // A fixed-bound rule is not in Holm's family.
        let mixed = try GatePolicy().evaluate([uLiRA, GateRule(metric: "umia.shadow.auc", .atMost, .fixed(0.6))],
                                              on: ["ulira.online.auc": measured(0.7, null: true), "umia.shadow.auc": measured(0.5)])
        #expect(mixed.results[0].outcome == .fail && mixed.results[0].test?.family == 1)
    }

    /// p-values compare on the probit scale; a low median p fails an `at_least` rule.
    @Test func pValuesCompareOnTheProbitScale() throws {
        let null = [0.4, 0.62, 0.33, 0.8, 0.15, 0.5, 0.27, 0.7, 0.45, 0.55]
        for (value, t, p) in [(0.3, 0.5238957911988574, 0.30650312175683847), (0.01, 2.5882571067938795, 0.014648554452150301)] {
            let metric = MeasuredMetric(value: value, nullValues: null, scale: .probit)
            let result = try GatePolicy().evaluate([quality], on: ["forget_quality.median_pvalue": metric]).results[0]
            let test = try #require(result.test)
            #expect(Self.close(test.mean, -0.0671004114939098) && Self.close(test.standardDeviation, 0.5548413073627149))
            #expect(Self.close(test.statistic, t, 1e-11) && Self.close(test.pvalue, p, 1e-10))
            #expect(result.outcome == (p <= 0.05 ? .fail : .pass))
        }
        // p = 0 and p = 1 stay finite on the probit scale.
        let extremes = MeasuredMetric(value: 0, nullValues: null + [1], scale: .probit)
        #expect(try GatePolicy().evaluate([quality], on: ["forget_quality.median_pvalue": extremes]).outcome == .fail)
    }

    /// The shift this audit fails 8 times in 10: t_{1−α/R}·κ·s·√(1 + 1/G) + z₀.₈·s.
    @Test func thePowerSentenceStatesTheDetectableShift() throws {
        let verdict = try GatePolicy().evaluate([uLiRA], on: ["ulira.online.auc": measured(0.52, null: true)])
        let test = try #require(verdict.results[0].test)
        #expect(Self.close(test.detectableShift, 0.15483640215414146, 1e-10))
        #expect(verdict.results[0].powerSentence
            == "this audit fails a model whose ulira.online.auc exceeds exact retraining's by 0.1548 or more, 8 times in 10")
        #expect(verdict.results[0].explanation.contains("t = -0.0196, p = 0.5075, Holm-adjusted 0.5075 (α 0.05 over 1 null rule); "
            + "this audit fails a model whose ulira.online.auc exceeds exact retraining's by 0.1548 or more, 8 times in 10: pass."))
        // Three null rules: Holm's first step is at α/3, so the detectable shift grows.
        let three = try GatePolicy().evaluate(
            [uLiRA, GateRule(metric: "a", .atMost, .null), GateRule(metric: "b", .atMost, .null)],
            on: ["ulira.online.auc": measured(0.52, null: true), "a": measured(0.5, null: true), "b": measured(0.5, null: true)])
        #expect(Self.close(try #require(three.results[0].test).detectableShift, 0.20257848479293883, 1e-10))
        // On the probit scale the sentence names the p-value itself.
        let null = [0.4, 0.62, 0.33, 0.8, 0.15, 0.5, 0.27, 0.7, 0.45, 0.55]
        let p = try GatePolicy().evaluate([quality], on: ["forget_quality.median_pvalue": MeasuredMetric(value: 0.3, nullValues: null, scale: .probit)])
        let probit = try #require(p.results[0].test)
        #expect(Self.close(probit.detectableShift, 2.067060640733237, 1e-10) && Self.close(probit.detectableValue, 0.016414799835962682, 1e-9))
        #expect(p.results[0].powerSentence == "this audit fails a model whose forget_quality.median_pvalue is 0.0164 or lower "
            + "(exact retraining's is typically 0.4733), 8 times in 10")
    }

    @Test func aRuleThatCannotBeCalibratedIsInconclusiveWithTheReason() throws {
        let few = MeasuredMetric(value: 0.9, nullValues: [0.5, 0.52, 0.48, 0.51])
        let flat = MeasuredMetric(value: 0.9, nullValues: [Double](repeating: 0.5, count: 10))
        let verdict = try GatePolicy().evaluate([uLiRA, GateRule(metric: "umia.shadow.auc", .atMost, .null)],
                                                on: ["ulira.online.auc": few, "umia.shadow.auc": flat])
        #expect(verdict.results.map(\.outcome) == [.inconclusive, .inconclusive])
        #expect(verdict.results[0].explanation.contains("it cannot be calibrated: it is calibrated on 4 gold models, fewer than 8"))
        #expect(verdict.results[1].explanation.contains("do not spread (s = 0)"))
        #expect(verdict.outcome == .inconclusive && verdict.results.allSatisfy { $0.test == nil })
        // A metric that says it cannot decide (an SVM attacker without power) is inconclusive under any bound.
        let powerless = MeasuredMetric(value: 0.2, nullValues: nullValues, undecidable: "the SVM attacker has no power")
        for rule in [GateRule(metric: "svm.post_existence", .atMost, .null), GateRule(metric: "svm.post_existence", .atMost, .fixed(0.6))] {
            let result = try GatePolicy().evaluate([rule], on: ["svm.post_existence": powerless]).results[0]
            #expect(result.outcome == .inconclusive && result.explanation.contains("cannot decide: the SVM attacker has no power"))
        }
        #expect(throws: GateError.self) { _ = try GatePolicy().evaluate([uLiRA], on: ["ulira.online.auc": measured(0.5)]) }
    }

    @Test func aPolicyRecordedBeforeTheRevisedRuleReadsAsThePercentileRule() throws {
        let old = try JSONDecoder().decode(GatePolicy.self, from: Data(#"{"inconclusive_fails":true}"#.utf8))
        #expect(old.nullRule == .percentile && old.kappa == 1.5 && old.alpha == 0.05)
        let now = try JSONDecoder().decode(GatePolicy.self, from: try JSONEncoder().encode(GatePolicy(kappa: 1.25)))
        #expect(now == GatePolicy(kappa: 1.25) && now.nullRule == .predictionInterval)
        let percentile = try GatePolicy(nullRule: .percentile).evaluate([uLiRA], on: ["ulira.online.auc": measured(0.59, 0.55, 0.63, null: true)])
        #expect(percentile.outcome == .inconclusive && percentile.results[0].null?.size == 8)
    }
}
