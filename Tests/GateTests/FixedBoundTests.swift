@testable import Gate
import Testing

/// Fixed bounds: pass when the whole interval is on the good side, fail when wholly on the bad
/// side, inconclusive otherwise; equality with the bound is on the good side.
@Suite struct FixedBoundTests {
    let atMost = GateRule(metric: "ulira.online.auc", .atMost, .fixed(0.6))
    let atLeast = GateRule(metric: "forget_quality.median_pvalue", .atLeast, .fixed(0.05))

    @Test func atMostPassesWhenTheWholeIntervalIsBelow() throws {
        let result = try atMost.evaluate(measured(0.55, 0.52, 0.58))
        #expect(result.outcome == .pass)
        #expect(result.value == 0.55)
        #expect(result.interval == [0.52, 0.58])
        #expect(result.null == nil)
        #expect(result.explanation == "ulira.online.auc = 0.55 [0.52, 0.58] lies wholly at or below 0.6: pass.")
    }

    @Test func atMostPassesWhenTheUpperEndEqualsTheBound() throws {
        #expect(try atMost.evaluate(measured(0.55, 0.5, 0.6)).outcome == .pass)
        #expect(try atMost.evaluate(measured(0.6)).outcome == .pass)  // a point value on the bound
    }

    @Test func atMostFailsWhenTheWholeIntervalIsAbove() throws {
        let result = try atMost.evaluate(measured(0.7, 0.65, 0.75))
        #expect(result.outcome == .fail)
        #expect(result.explanation == "ulira.online.auc = 0.7 [0.65, 0.75] lies wholly above 0.6: fail.")
        #expect(try atMost.evaluate(measured(0.6000001)).outcome == .fail)
    }

    @Test func atMostIsInconclusiveWhenTheIntervalStraddlesOrTouchesFromAbove() throws {
        let straddle = try atMost.evaluate(measured(0.62, 0.57, 0.67))
        #expect(straddle.outcome == .inconclusive)
        #expect(straddle.explanation == "ulira.online.auc = 0.62 [0.57, 0.67] straddles the bound 0.6: inconclusive.")
        // lower end on the bound, upper end above: not wholly above, not wholly at or below.
        #expect(try atMost.evaluate(measured(0.65, 0.6, 0.7)).outcome == .inconclusive)
        // the value below the bound does not pass while the interval reaches above it.
        #expect(try atMost.evaluate(measured(0.58, 0.5, 0.61)).outcome == .inconclusive)
    }

    @Test func atLeastMirrorsAtMost() throws {
        #expect(try atLeast.evaluate(measured(0.3, 0.1, 0.5)).outcome == .pass)
        #expect(try atLeast.evaluate(measured(0.3, 0.05, 0.5)).outcome == .pass)  // lower end on the bound
        #expect(try atLeast.evaluate(measured(0.05)).outcome == .pass)
        #expect(try atLeast.evaluate(measured(0.01, 0.001, 0.04)).outcome == .fail)
        #expect(try atLeast.evaluate(measured(0.03, 0.01, 0.05)).outcome == .inconclusive)  // upper end on the bound
        #expect(try atLeast.evaluate(measured(0.06, 0.02, 0.1)).outcome == .inconclusive)
        let fail = try atLeast.evaluate(measured(0.01, 0.001, 0.04))
        #expect(fail.explanation == "forget_quality.median_pvalue = 0.01 [0.001, 0.04] lies wholly below 0.05: fail.")
    }

    @Test func anIntervalThatExcludesTheValueIsWidenedToIncludeIt() throws {
        // value 0.62 above an interval [0.5, 0.59] that is wholly below the bound: not a pass.
        let result = try atMost.evaluate(measured(0.62, 0.5, 0.59))
        #expect(result.interval == [0.5, 0.62])
        #expect(result.outcome == .inconclusive)
    }

    @Test func nonFiniteOrInvertedMeasurementsAreErrorsNamingTheRule() throws {
        let nan = gateError { _ = try atMost.evaluate(measured(.nan)) }
        guard case let .invalidMeasurement(rule, _)? = nan else { Issue.record("expected invalidMeasurement, got \(String(describing: nan))"); return }
        #expect(rule == "ulira.online.auc at_most 0.6")
        #expect(nan?.exitStatus == .data)
        let inverted = gateError { _ = try atMost.evaluate(measured(0.5, 0.6, 0.4)) }
        #expect(inverted?.description == "gate rule 'ulira.online.auc at_most 0.6': 'ulira.online.auc' has interval [0.6, 0.4] "
            + "with lower > upper; fix the computation that produced it.")
        #expect(gateError { _ = try atMost.evaluate(measured(0.5, -.infinity, 0.6)) } != nil)
    }

    @Test func aMissingMetricIsAnErrorListingWhatWasMeasured() {
        let error = gateError { _ = try atMost.evaluate(nil, available: ["umia.shadow.accuracy", "forget_quality.median_pvalue"]) }
        #expect(error == .missingMetric(rule: "ulira.online.auc at_most 0.6", metric: "ulira.online.auc",
                                        available: ["umia.shadow.accuracy", "forget_quality.median_pvalue"]))
        #expect(error?.description == "gate rule 'ulira.online.auc at_most 0.6': no metric named 'ulira.online.auc' was measured "
            + "(measured: forget_quality.median_pvalue, umia.shadow.accuracy); run the attack that produces it, fix the name or remove the rule.")
        #expect(error?.exitStatus == .data)
    }

    @Test func numbersAreShownCompactly() {
        #expect(formatNumber(0.6) == "0.6")
        #expect(formatNumber(0.58251) == "0.5825")
        #expect(formatNumber(0) == "0")
        #expect(formatNumber(-0.00001) == "-1e-05")
        #expect(formatNumber(12.5) == "12.5")
    }
}
