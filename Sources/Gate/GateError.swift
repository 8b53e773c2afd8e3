import Diagnostics

/// What a user can get wrong with gate rules and the metrics they are evaluated on.
///
/// Every message is one sentence naming the rule, field or metric and the fix. A rule that
/// cannot be evaluated is always an error, never a silent pass. Statuses follow sysexits: a rule
/// written wrongly is `.usage`; a metric that is missing, non-finite or lacks its null
/// distribution is `.data`.
public enum GateError: ReportableError, Equatable, Sendable {
    /// A rule object holds a key the rule format does not know.
    case unknownKey(field: String, key: String)
    /// A rule field is missing or holds a value of the wrong type.
    case invalidField(field: String, problem: String)
    /// No metric with the rule's name was measured.
    case missingMetric(rule: String, metric: String, available: [String])
    /// A rule with a `null` bound was evaluated on a metric that has no null distribution.
    case missingNullDistribution(rule: String, metric: String)
    /// The measured value, its interval or its null distribution is unusable.
    case invalidMeasurement(rule: String, problem: String)
    /// The gate was asked to decide with no rules at all.
    case noRules

    /// The status the command line exits with.
    public var exitStatus: SysExit {
        switch self {
        case .unknownKey, .invalidField, .noRules: .usage
        case .missingMetric, .missingNullDistribution, .invalidMeasurement: .data
        }
    }

    /// The one-sentence message.
    public var description: String {
        switch self {
        case let .unknownKey(field, key):
            return "gate rule \(field): unknown key '\(key)'; a rule has 'metric', one of 'at_most' or 'at_least', and optionally 'name'."
        case let .invalidField(field, problem):
            return "gate rule field \(field) \(problem)."
        case let .missingMetric(rule, metric, available):
            let shown = available.sorted().prefix(12).joined(separator: ", ")
            let more = available.count > 12 ? ", …" : ""
            return "gate rule '\(rule)': no metric named '\(metric)' was measured"
                + " (measured: \(available.isEmpty ? "none" : shown + more)); run the attack that produces it, fix the name or remove the rule."
        case let .missingNullDistribution(rule, metric):
            return "gate rule '\(rule)': the bound is null-calibrated but '\(metric)' has no null distribution; "
                + "score the gold models for this metric (gold models > 0) or give a fixed bound."
        case let .invalidMeasurement(rule, problem):
            return "gate rule '\(rule)': \(problem); fix the computation that produced it."
        case .noRules:
            return "the gate has no rules; add at least one rule (e.g. {\"metric\": \"ulira.online.auc\", \"at_most\": \"null\"})."
        }
    }
}
