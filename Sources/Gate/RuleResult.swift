/// A rule's three-valued outcome (SPEC §8).
public enum RuleOutcome: String, Codable, Sendable, CaseIterable {
    /// The metric is on the good side of the bound.
    case pass
    /// The metric is on the bad side of the bound.
    case fail
    /// The evidence does not decide: the interval straddles the bound, or the value lies between
    /// the null's 95th percentile and its maximum.
    case inconclusive
}

/// The result of one rule: what was measured, what it was compared with, and the outcome.
public struct RuleResult: Codable, Equatable, Sendable {
    /// The rule.
    public let rule: GateRule
    /// The measured value.
    public let value: Double
    /// The interval decided on, `[lower, upper]` (see `MeasuredMetric.decisionInterval`).
    public let interval: [Double]
    /// What was used from the null distribution; nil for a fixed bound.
    public let null: NullSummary?
    /// The outcome.
    public let outcome: RuleOutcome
    /// One line a person can read, ending in the outcome.
    public let explanation: String

    /// A result with the given fields.
    public init(rule: GateRule, value: Double, interval: [Double], null: NullSummary?, outcome: RuleOutcome, explanation: String) {
        self.rule = rule
        self.value = value
        self.interval = interval
        self.null = null
        self.outcome = outcome
        self.explanation = explanation
    }
}
