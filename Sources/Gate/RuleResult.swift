/// A rule's three-valued outcome (SPEC §8).
public enum RuleOutcome: String, Codable, Sendable, CaseIterable {
    /// The metric is on the good side of the bound.
    case pass
    /// The metric is on the bad side of the bound.
    case fail
    /// The evidence does not decide: a fixed bound's interval straddles it, or a null rule cannot
    /// be calibrated, or the metric is missing or says it cannot decide (the explanation says which).
    case inconclusive
}

/// The result of one rule: what was measured, what it was compared with, and the outcome.
public struct RuleResult: Codable, Equatable, Sendable {
    /// The rule.
    public let rule: GateRule
    /// The measured value; nil when the metric was not measured.
    public let value: Double?
    /// The measured interval `[lower, upper]` (see `MeasuredMetric.decisionInterval`); nil when not measured.
    public let interval: [Double]?
    /// What the percentile rule used from the null distribution.
    public let null: NullSummary?
    /// The prediction-interval test of a null rule.
    public let test: PredictionTest?
    /// The outcome.
    public let outcome: RuleOutcome
    /// One line a person can read, ending in the outcome.
    public let explanation: String

    /// A result with the given fields.
    public init(rule: GateRule, value: Double?, interval: [Double]?, null: NullSummary? = nil, test: PredictionTest? = nil,
                outcome: RuleOutcome, explanation: String) {
        self.rule = rule
        self.value = value
        self.interval = interval
        self.null = null
        self.test = test
        self.outcome = outcome
        self.explanation = explanation
    }

    /// The sentence saying what this audit can detect, for a null rule decided by the prediction test.
    public var powerSentence: String? { test.map { $0.powerSentence(metric: rule.metric, direction: rule.direction) } }

    /// `metric = v [lo, hi]`, or `metric not measured`.
    static func shown(_ rule: GateRule, _ measured: MeasuredMetric?) -> String {
        guard let measured else { return "\(rule.metric) not measured" }
        let range = measured.decisionInterval
        return "\(rule.metric) = \(formatNumber(measured.value)) [\(formatNumber(range.lowerBound)), \(formatNumber(range.upperBound))]"
    }

    static func inconclusive(_ rule: GateRule, measured: MeasuredMetric?, reason: String) -> RuleResult {
        RuleResult(rule: rule, value: measured?.value, interval: measured.map { [$0.decisionInterval.lowerBound, $0.decisionInterval.upperBound] },
                   outcome: .inconclusive, explanation: shown(rule, measured) + " cannot decide: \(reason): inconclusive.")
    }

    static func predicted(_ rule: GateRule, measured: MeasuredMetric, test: PredictionTest) -> RuleResult {
        let outcome: RuleOutcome = test.adjustedPValue <= test.alpha ? .fail : .pass
        let scale = test.scale == .probit ? " on the probit scale" : ""
        let against = "against exact retraining's \(formatNumber(test.mean)) ± \(formatNumber(test.standardDeviation))\(scale) "
            + "(\(test.goldModels) gold models, κ \(formatNumber(test.kappa)))"
        let statistics = "t = \(formatNumber(test.statistic)), p = \(formatNumber(test.pvalue)), Holm-adjusted \(formatNumber(test.adjustedPValue)) "
            + "(α \(formatNumber(test.alpha)) over \(test.family) null rule\(test.family == 1 ? "" : "s"))"
        return RuleResult(rule: rule, value: measured.value,
                          interval: [measured.decisionInterval.lowerBound, measured.decisionInterval.upperBound], test: test, outcome: outcome,
                          explanation: shown(rule, measured) + " \(against): \(statistics); "
                            + test.powerSentence(metric: rule.metric, direction: rule.direction) + ": \(outcome.rawValue).")
    }
}
