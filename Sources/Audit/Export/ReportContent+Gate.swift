import Gate

extension ReportContent {
    /// The gate's rules with measured value, bound, outcome and explanation, then every measured metric.
    static func gateSection(_ report: AuditReport) -> ExportSection {
        let gate = report.gate
        let policy = gate.policy.inconclusiveFails
            ? "Policy: an inconclusive rule fails the gate."
            : "Policy: an inconclusive rule exits with code 2 and does not fail the gate."
        var blocks: [ExportBlock] = [.paragraph("\(policy) Exit code: \(gate.exitCode). " + nullRuleSentence(gate.policy))]
        if let blocked = gate.blocked {
            blocks.append(.note("No verdict: " + blocked + ".", .warning))
        }
        if let resemblance = report.resemblance {
            blocks.append(resemblance.resembles ? .paragraph("Reference check: " + resemblance.explanation + ".")
                                                : .note("Reference check: " + resemblance.explanation + ".", .warning))
        } else {
            blocks.append(.paragraph("Reference check: not made (it needs 8 shadow or gold models)."))
        }
        if gate.results.isEmpty {
            blocks.append(.note("The gate has no rules.", .warning))
        } else {
            blocks.append(.table(ExportTable(
                headers: ["Rule", "Measured [interval]", "Bound", "Outcome", "Explanation"],
                rows: gate.results.map(ruleRow))))
        }
        let power = gate.results.compactMap(\.powerSentence)
        if !power.isEmpty {
            blocks.append(.heading("What this audit can detect"))
            blocks += power.map { .paragraph(String($0.prefix(1)).uppercased() + $0.dropFirst() + ".") }
        }
        blocks.append(.heading("Measured metrics"))
        blocks.append(metricsTable(report.metrics))
        return ExportSection(id: "gate", title: "Gate", blocks: blocks)
    }

    /// How null bounds were decided, in one sentence.
    static func nullRuleSentence(_ policy: GatePolicy) -> String {
        switch policy.nullRule {
        case .predictionInterval:
            return "Null bounds: the audited value is tested against the gold models' values with a prediction interval widened by "
                + "κ = \(ExportFormat.fixed(policy.kappa, digits: 2)) (Student's t, G − 1 degrees of freedom), and the null rules' p-values "
                + "are adjusted together by Holm's step-down at α = \(ExportFormat.fixed(policy.alpha, digits: 2)); a rule with fewer than "
                + "\(policy.minimumGoldModels) gold models or without spread is inconclusive."
        case .percentile:
            return "Null bounds: pass at or below the gold models' 95th percentile, fail when the whole interval lies beyond their "
                + "maximum, inconclusive between (the first rule)."
        }
    }

    static func ruleRow(_ result: RuleResult) -> [ExportCell] {
        let metric = result.rule.metric
        let measured = result.value.map { ExportFormat.metric($0, interval: result.interval ?? [], name: metric) } ?? "not measured"
        return [
            ExportCell(result.rule.displayName),
            ExportCell(measured),
            ExportCell(boundText(result)),
            ExportCell(result.outcome.rawValue.uppercased(), tone: ExportTone(result.outcome)),
            ExportCell(result.explanation),
        ]
    }

    /// `≤ 0.600`, or for a null-calibrated bound the null's threshold, extreme, size and the
    /// audited value's percentile.
    static func boundText(_ result: RuleResult) -> String {
        let rule = result.rule, symbol = rule.direction.symbol
        switch rule.bound {
        case let .fixed(bound):
            return "\(symbol) \(ExportFormat.metric(bound, name: rule.metric))"
        case .null:
            if let test = result.test {
                let typical = test.scale == .probit ? "typically \(ExportFormat.metric(test.typicalValue, name: rule.metric))"
                    : "\(ExportFormat.fixed(test.mean)) ± \(ExportFormat.fixed(test.standardDeviation))"
                return "\(symbol) null: exact retraining \(typical) (\(test.goldModels) gold models); p \(ExportFormat.pValue(test.pvalue)), "
                    + "Holm \(ExportFormat.pValue(test.adjustedPValue))"
            }
            guard let null = result.null else { return "\(symbol) null (not calibrated)" }
            let f = { (value: Double) in ExportFormat.metric(value, name: rule.metric) }
            let thresholds = rule.direction == .atMost
                ? "95th percentile \(f(null.percentile95)), max \(f(null.maximum))"
                : "5th percentile \(f(null.percentile5)), min \(f(null.minimum))"
            return "\(symbol) null: \(thresholds); \(null.size) gold models; audited at percentile "
                + ExportFormat.percentile(null.auditedPercentile)
        }
    }

    /// Every metric the audit measured, by name, with its interval and null.
    static func metricsTable(_ metrics: [String: ReportedMetric]) -> ExportBlock {
        guard !metrics.isEmpty else { return .note("No metrics were measured.", .warning) }
        let rows: [[ExportCell]] = metrics.keys.sorted().compactMap { name in
            guard let metric = metrics[name] else { return nil }
            let null = metric.null.map { s in
                "95th pct \(ExportFormat.metric(s.percentile95, name: name)), max \(ExportFormat.metric(s.maximum, name: name)), "
                    + "n = \(s.size); audited at percentile \(ExportFormat.percentile(s.auditedPercentile))"
            } ?? "—"
            return [.code(name), ExportCell(ExportFormat.metric(metric.value, interval: metric.interval, name: name)), ExportCell(null)]
        }
        return .table(ExportTable(headers: ["Metric", "Value [interval]", "Null (gold models)"], rows: rows))
    }
}
