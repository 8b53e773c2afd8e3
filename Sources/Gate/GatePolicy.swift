/// How the gate turns rule outcomes into a verdict and an exit code.
public struct GatePolicy: Codable, Equatable, Sendable {
    /// Whether an inconclusive rule fails the gate (exit 1) rather than exiting 2. Default: true,
    /// so a release is blocked until the evidence decides.
    public var inconclusiveFails: Bool

    /// The default policy: inconclusive fails.
    public init(inconclusiveFails: Bool = true) {
        self.inconclusiveFails = inconclusiveFails
    }

    /// Evaluates every rule on `metrics` (keyed by metric name), in rule order.
    ///
    /// - Throws: `GateError.noRules` for an empty rule list, or the first rule's `GateError` that
    ///   cannot be evaluated (a missing metric is never a pass).
    public func evaluate(_ rules: [GateRule], on metrics: [String: MeasuredMetric]) throws -> GateVerdict {
        guard !rules.isEmpty else { throw GateError.noRules }
        let names = Array(metrics.keys)
        let results = try rules.map { try $0.evaluate(metrics[$0.metric], available: names) }
        return GateVerdict(results: results, policy: self)
    }

    enum CodingKeys: String, CodingKey {
        case inconclusiveFails = "inconclusive_fails"
    }
}

/// The gate's overall outcome over all rules, and the exit code it maps to.
public struct GateVerdict: Codable, Equatable, Sendable {
    /// Each rule's result, in rule order.
    public let results: [RuleResult]
    /// The policy the verdict was reached under.
    public let policy: GatePolicy
    /// `fail` if any rule fails, else `inconclusive` if any is inconclusive, else `pass`
    /// (encoded as `verdict`, the field the report store's verdict column reads).
    ///
    /// This is the evidence, independent of the policy; `exitCode` applies the policy.
    public let outcome: RuleOutcome

    /// The verdict over `results` under `policy`.
    public init(results: [RuleResult], policy: GatePolicy) {
        self.results = results
        self.policy = policy
        let outcomes = Set(results.map(\.outcome))
        outcome = outcomes.contains(.fail) ? .fail : outcomes.contains(.inconclusive) ? .inconclusive : .pass
    }

    /// Whether the gate lets the release through: the outcome is pass.
    public var passes: Bool { outcome == .pass }

    /// 0 pass, 1 fail, 2 inconclusive — or 1 when the policy says inconclusive fails.
    public var exitCode: Int32 {
        switch outcome {
        case .pass: 0
        case .fail: 1
        case .inconclusive: policy.inconclusiveFails ? 1 : 2
        }
    }

    enum CodingKeys: String, CodingKey {
        case results, policy
        case outcome = "verdict"
    }
}
