extension GateRule {
    /// Evaluates the rule on `measured`, the metric named by `metric`, with fixed bounds and with
    /// null bounds decided by the percentile rule (`NullRule.percentile`); `GatePolicy.evaluate`
    /// decides null bounds by the prediction-interval rule instead.
    ///
    /// With the decision interval [lo, hi] (`MeasuredMetric.decisionInterval`) and value v:
    ///
    /// | bound           | pass              | fail            | inconclusive |
    /// |-----------------|-------------------|-----------------|--------------|
    /// | `at_most` b     | hi ≤ b            | lo > b          | otherwise    |
    /// | `at_least` b    | lo ≥ b            | hi < b          | otherwise    |
    /// | `at_most` null  | v ≤ null's P95    | lo > null's max | otherwise    |
    /// | `at_least` null | v ≥ null's P5     | hi < null's min | otherwise    |
    ///
    /// Equality with the bound is on the good side. The null rows are SPEC §8's null-calibrated
    /// bound and its mirror image; percentiles interpolate linearly (see `NullSummary`).
    ///
    /// - Parameter available: the names of all measured metrics, for the message when `measured` is nil.
    /// - Throws: `GateError.missingMetric` when `measured` is nil, `.missingNullDistribution` for a
    ///   null bound without a null, `.invalidMeasurement` for a non-finite value or interval, an
    ///   interval with lower > upper, or an empty or non-finite null.
    public func evaluate(_ measured: MeasuredMetric?, available: [String] = []) throws -> RuleResult {
        guard let measured else { throw GateError.missingMetric(rule: displayName, metric: metric, available: available) }
        try check(measured)
        let v = measured.value
        let range = measured.decisionInterval
        let lo = range.lowerBound, hi = range.upperBound
        let shown = "\(metric) = \(formatNumber(v)) [\(formatNumber(lo)), \(formatNumber(hi))]"
        let outcome: RuleOutcome
        let explanation: String
        var summary: NullSummary?

        switch (bound, direction) {
        case let (.fixed(b), .atMost):
            outcome = hi <= b ? .pass : lo > b ? .fail : .inconclusive
            explanation = shown + Self.fixedReason(outcome, bound: b, good: "at or below", bad: "above")
        case let (.fixed(b), .atLeast):
            outcome = lo >= b ? .pass : hi < b ? .fail : .inconclusive
            explanation = shown + Self.fixedReason(outcome, bound: b, good: "at or above", bad: "below")
        case (.null, _):
            guard let null = measured.nullValues else {
                throw GateError.missingNullDistribution(rule: displayName, metric: metric)
            }
            guard !null.isEmpty, null.allSatisfy(\.isFinite) else {
                throw GateError.invalidMeasurement(
                    rule: displayName, problem: "the null distribution of '\(metric)' is empty or holds a non-finite value")
            }
            let s = NullSummary(values: null, audited: v)
            summary = s
            let context = " (at percentile \(String(format: "%.1f", s.auditedPercentile)) of \(s.size) gold models)"
            if direction == .atMost {
                outcome = v <= s.percentile95 ? .pass : lo > s.maximum ? .fail : .inconclusive
                switch outcome {
                case .pass: explanation = shown + " is at or below the null's 95th percentile \(formatNumber(s.percentile95))" + context
                case .fail: explanation = shown + " lies wholly above the null's maximum \(formatNumber(s.maximum))" + context
                case .inconclusive:
                    explanation = shown + " is above the null's 95th percentile \(formatNumber(s.percentile95))"
                        + " but not wholly above its maximum \(formatNumber(s.maximum))" + context
                }
            } else {
                outcome = v >= s.percentile5 ? .pass : hi < s.minimum ? .fail : .inconclusive
                switch outcome {
                case .pass: explanation = shown + " is at or above the null's 5th percentile \(formatNumber(s.percentile5))" + context
                case .fail: explanation = shown + " lies wholly below the null's minimum \(formatNumber(s.minimum))" + context
                case .inconclusive:
                    explanation = shown + " is below the null's 5th percentile \(formatNumber(s.percentile5))"
                        + " but not wholly below its minimum \(formatNumber(s.minimum))" + context
                }
            }
        }
        return RuleResult(rule: self, value: v, interval: [lo, hi], null: summary, outcome: outcome,
                          explanation: explanation + ": \(outcome.rawValue).")
    }

    /// Refuses a non-finite value or interval, or lower > upper: a bug upstream, never a pass.
    func check(_ measured: MeasuredMetric) throws {
        let v = measured.value
        guard v.isFinite, measured.lower.isFinite, measured.upper.isFinite else {
            throw GateError.invalidMeasurement(
                rule: displayName, problem: "'\(metric)' = \(v) with interval [\(measured.lower), \(measured.upper)] is not finite")
        }
        guard measured.lower <= measured.upper else {
            throw GateError.invalidMeasurement(
                rule: displayName, problem: "'\(metric)' has interval [\(measured.lower), \(measured.upper)] with lower > upper")
        }
        if let null = measured.nullValues, case .null = bound, null.isEmpty || !null.allSatisfy(\.isFinite) {
            throw GateError.invalidMeasurement(rule: displayName, problem: "the null distribution of '\(metric)' is empty or holds a non-finite value")
        }
    }

    private static func fixedReason(_ outcome: RuleOutcome, bound: Double, good: String, bad: String) -> String {
        switch outcome {
        case .pass: " lies wholly \(good) \(formatNumber(bound))"
        case .fail: " lies wholly \(bad) \(formatNumber(bound))"
        case .inconclusive: " straddles the bound \(formatNumber(bound))"
        }
    }
}
