@testable import Gate
import Testing

/// Null-calibrated bounds by the first rule (`NullRule.percentile`, through `GateRule.evaluate`)
/// against the fixture null: P95 0.5825, P5 0.477, max 0.6, min 0.47.
@Suite struct NullBoundTests {
    let atMost = GateRule(metric: "ulira.online.auc", .atMost, .null)
    let atLeast = GateRule(metric: "forget_quality.median_pvalue", .atLeast, .null)

    @Test func theSummaryMatchesNumpy() {
        let summary = NullSummary(values: nullValues, audited: 0.52)
        #expect(abs(summary.percentile95 - 0.5825) < 1e-12)
        #expect(abs(summary.percentile5 - 0.477) < 1e-12)
        #expect(summary.maximum == 0.6)
        #expect(summary.minimum == 0.47)
        #expect(summary.size == 8)
        // below: 0.47, 0.49, 0.5, 0.51 (4); equal: 0.52 (1) → 100 × 4.5 / 8.
        #expect(summary.auditedPercentile == 56.25)
        #expect(NullSummary(values: [3], audited: 3).percentile95 == 3)
    }

    @Test func atMostPassesAtOrBelowThe95thPercentile() throws {
        let result = try atMost.evaluate(measured(0.52, 0.48, 0.56, null: true))
        #expect(result.outcome == .pass)
        #expect(result.null?.size == 8)
        #expect(result.null?.auditedPercentile == 56.25)
        #expect(result.explanation == "ulira.online.auc = 0.52 [0.48, 0.56] is at or below the null's 95th percentile 0.5825 "
            + "(at percentile 56.2 of 8 gold models): pass.")
        let p95 = NullSummary(values: nullValues, audited: 0).percentile95
        #expect(try atMost.evaluate(measured(p95, p95 - 0.05, p95 + 0.05, null: true)).outcome == .pass)
        // The value decides a pass even when the interval reaches past the null's maximum.
        #expect(try atMost.evaluate(measured(0.55, 0.45, 0.7, null: true)).outcome == .pass)
    }

    @Test func atMostIsInconclusiveBetweenThe95thPercentileAndTheMaximum() throws {
        let result = try atMost.evaluate(measured(0.59, 0.55, 0.63, null: true))
        #expect(result.outcome == .inconclusive)
        #expect(result.explanation.hasSuffix("is above the null's 95th percentile 0.5825 but not wholly above its maximum 0.6 "
            + "(at percentile 87.5 of 8 gold models): inconclusive."))
        // Above the maximum, but the interval reaches down to it.
        #expect(try atMost.evaluate(measured(0.63, 0.6, 0.66, null: true)).outcome == .inconclusive)
        #expect(try atMost.evaluate(measured(0.63, 0.55, 0.7, null: true)).outcome == .inconclusive)
        let justAbove = NullSummary(values: nullValues, audited: 0).percentile95.nextUp
        #expect(try atMost.evaluate(measured(justAbove, null: true)).outcome == .inconclusive)
    }

    @Test func atMostFailsWhenTheWholeIntervalIsAboveTheMaximum() throws {
        let result = try atMost.evaluate(measured(0.63, 0.61, 0.69, null: true))
        #expect(result.outcome == .fail)
        #expect(result.null?.auditedPercentile == 100)
        #expect(result.explanation.contains("lies wholly above the null's maximum 0.6"))
        #expect(try atMost.evaluate(measured(0.6.nextUp, null: true)).outcome == .fail)
    }

    @Test func atLeastPassesAtOrAboveThe5thPercentile() throws {
        #expect(try atLeast.evaluate(measured(0.5, 0.4, 0.6, null: true)).outcome == .pass)
        let p5 = NullSummary(values: nullValues, audited: 0).percentile5
        #expect(try atLeast.evaluate(measured(p5, null: true)).outcome == .pass)
        // The value decides a pass even when the interval reaches below the null's minimum.
        #expect(try atLeast.evaluate(measured(0.5, 0.3, 0.6, null: true)).outcome == .pass)
        let result = try atLeast.evaluate(measured(0.5, null: true))
        #expect(result.explanation == "forget_quality.median_pvalue = 0.5 [0.5, 0.5] is at or above the null's 5th percentile 0.477 "
            + "(at percentile 31.2 of 8 gold models): pass.")
    }

    @Test func atLeastIsInconclusiveBetweenTheMinimumAndThe5thPercentile() throws {
        let p5 = NullSummary(values: nullValues, audited: 0).percentile5
        #expect(try atLeast.evaluate(measured(p5.nextDown, null: true)).outcome == .inconclusive)
        #expect(try atLeast.evaluate(measured(0.46, 0.43, 0.47, null: true)).outcome == .inconclusive)  // upper end on the minimum
        let result = try atLeast.evaluate(measured(0.472, null: true))
        #expect(result.outcome == .inconclusive)
        #expect(result.explanation.contains("is below the null's 5th percentile 0.477 but not wholly below its minimum 0.47"))
    }

    @Test func atLeastFailsWhenTheWholeIntervalIsBelowTheMinimum() throws {
        let result = try atLeast.evaluate(measured(0.3, 0.2, 0.4, null: true))
        #expect(result.outcome == .fail)
        #expect(result.null?.auditedPercentile == 0)
        #expect(result.explanation.contains("lies wholly below the null's minimum 0.47"))
        #expect(try atLeast.evaluate(measured(0.47.nextDown, null: true)).outcome == .fail)
    }

    @Test func aNullBoundWithoutANullIsAnErrorNamingTheFix() {
        let error = gateError { _ = try atMost.evaluate(measured(0.5)) }
        #expect(error == .missingNullDistribution(rule: "ulira.online.auc at_most null", metric: "ulira.online.auc"))
        #expect(error?.description.contains("give a fixed bound") == true)
        #expect(error?.exitStatus == .data)
    }

    @Test func anEmptyOrNonFiniteNullIsAnError() {
        let empty = MeasuredMetric(value: 0.5, nullValues: [])
        #expect(gateError { _ = try atMost.evaluate(empty) } == .invalidMeasurement(
            rule: "ulira.online.auc at_most null", problem: "the null distribution of 'ulira.online.auc' is empty or holds a non-finite value"))
        let nan = MeasuredMetric(value: 0.5, nullValues: [0.5, .nan])
        #expect(gateError { _ = try atMost.evaluate(nan) } != nil)
    }

    @Test func aFixedBoundIgnoresTheNull() throws {
        let rule = GateRule(metric: "ulira.online.auc", .atMost, .fixed(0.6))
        let result = try rule.evaluate(measured(0.59, null: true))
        #expect(result.outcome == .pass)
        #expect(result.null == nil)
    }
}
