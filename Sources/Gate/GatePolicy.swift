/// How a `null` bound is decided (SPEC §8).
public enum NullRule: String, Codable, Sendable, CaseIterable {
    /// The revised rule: a prediction-interval t test of the audited value against the gold models
    /// (`PredictionTest`), with Holm's step-down across the null rules at α.
    case predictionInterval = "prediction_interval"
    /// The first rule: pass at or below the null's 95th percentile, fail when the whole interval
    /// lies beyond its maximum, inconclusive between. Kept to read and compare older reports.
    case percentile
}

/// How the gate turns rule outcomes into a verdict and an exit code.
public struct GatePolicy: Codable, Equatable, Sendable {
    /// Whether an inconclusive rule fails the gate (exit 1) rather than exiting 2. Default: true,
    /// so a release is blocked until the evidence decides.
    public var inconclusiveFails: Bool
    /// How null bounds are decided.
    public var nullRule: NullRule
    /// The family-wise error rate of the null rules (Holm).
    public var alpha: Double
    /// κ, the widening of the prediction interval (SPEC §8: 1.5).
    public var kappa: Double
    /// Fewer gold models than this leave a null rule inconclusive.
    public var minimumGoldModels: Int

    public static let defaultAlpha = 0.05, defaultKappa = 1.5, defaultMinimumGoldModels = 8

    /// The default policy: inconclusive fails; null bounds by the prediction-interval rule.
    public init(inconclusiveFails: Bool = true, nullRule: NullRule = .predictionInterval, alpha: Double = defaultAlpha,
                kappa: Double = defaultKappa, minimumGoldModels: Int = defaultMinimumGoldModels) {
        self.inconclusiveFails = inconclusiveFails
        self.nullRule = nullRule
        self.alpha = alpha
        self.kappa = kappa
        self.minimumGoldModels = minimumGoldModels
    }

    /// Evaluates every rule on `metrics` (keyed by metric name), in rule order.
    ///
    /// A rule on a metric that was not measured, or that the measurement says cannot decide, is
    /// inconclusive with the reason; so is a null rule that cannot be calibrated (too few gold
    /// models, no spread). Under the prediction-interval rule the null rules' p-values are
    /// adjusted together by Holm's step-down and a rule fails when its adjusted p is at most α.
    ///
    /// - Throws: `GateError.noRules` for an empty rule list; `.missingNullDistribution` for a null
    ///   bound on a metric without a null; `.invalidMeasurement` for a non-finite value, interval or null.
    /// - Parameter blockedBy: why no verdict may be reached whatever the rules say (the audited
    ///   model does not resemble its reference models): the rules are still evaluated and shown,
    ///   and the outcome is inconclusive with this reason.
    public func evaluate(_ rules: [GateRule], on metrics: [String: MeasuredMetric], blockedBy blocker: String? = nil) throws -> GateVerdict {
        guard !rules.isEmpty else { throw GateError.noRules }
        var results = [RuleResult?](repeating: nil, count: rules.count)
        var tests: [(index: Int, test: PredictionTest)] = []
        for (index, rule) in rules.enumerated() {
            guard let measured = metrics[rule.metric] else {
                results[index] = RuleResult.inconclusive(rule, measured: nil, reason: "it was not measured (measured: "
                    + metrics.keys.sorted().prefix(12).joined(separator: ", ") + (metrics.count > 12 ? ", …" : "") + ")")
                continue
            }
            try rule.check(measured)
            if let reason = measured.undecidable {
                results[index] = RuleResult.inconclusive(rule, measured: measured, reason: reason)
                continue
            }
            guard case .null = rule.bound, nullRule == .predictionInterval else {
                results[index] = try rule.evaluate(measured)
                continue
            }
            guard let null = measured.nullValues else { throw GateError.missingNullDistribution(rule: rule.displayName, metric: rule.metric) }
            switch PredictionTest.prepare(value: measured.value, nullValues: null, scale: measured.scale, direction: rule.direction,
                                          kappa: kappa, alpha: alpha, minimumGoldModels: minimumGoldModels) {
            case let .success(test): tests.append((index, test))
            case let .failure(problem): results[index] = RuleResult.inconclusive(rule, measured: measured, reason: "it cannot be calibrated: " + problem.reason)
            }
        }
        let adjusted = HolmAdjustment.adjusted(tests.map(\.test.pvalue))
        for (position, entry) in tests.enumerated() {
            let rule = rules[entry.index]
            var test = entry.test
            test.adjustedPValue = adjusted[position]
            test.setFamily(tests.count, direction: rule.direction)
            results[entry.index] = RuleResult.predicted(rule, measured: metrics[rule.metric]!, test: test)
        }
        return GateVerdict(results: results.map { $0! }, policy: self, blocked: blocker)
    }

    enum CodingKeys: String, CodingKey {
        case alpha, kappa
        case inconclusiveFails = "inconclusive_fails", nullRule = "null_rule", minimumGoldModels = "minimum_gold_models"
    }

    /// Reads a policy; one recorded before the revised rule (no `null_rule`) decided nulls by percentile.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inconclusiveFails = try container.decode(Bool.self, forKey: .inconclusiveFails)
        nullRule = try container.decodeIfPresent(NullRule.self, forKey: .nullRule) ?? .percentile
        alpha = try container.decodeIfPresent(Double.self, forKey: .alpha) ?? Self.defaultAlpha
        kappa = try container.decodeIfPresent(Double.self, forKey: .kappa) ?? Self.defaultKappa
        minimumGoldModels = try container.decodeIfPresent(Int.self, forKey: .minimumGoldModels) ?? Self.defaultMinimumGoldModels
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
    /// Why the outcome is inconclusive whatever the rules say, when it is (SPEC §5.2: the audited
    /// model does not resemble its reference models, so comparing them measures nothing).
    public let blocked: String?

    /// The verdict over `results` under `policy`; `blocked` makes it inconclusive.
    public init(results: [RuleResult], policy: GatePolicy, blocked: String? = nil) {
        self.results = results
        self.policy = policy
        self.blocked = blocked
        let outcomes = Set(results.map(\.outcome))
        outcome = blocked != nil ? .inconclusive
            : outcomes.contains(.fail) ? .fail : outcomes.contains(.inconclusive) ? .inconclusive : .pass
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
        case results, policy, blocked
        case outcome = "verdict"
    }
}
