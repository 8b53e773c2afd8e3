import Gate

extension ReportContent {
    /// The gate's rules with measured value, bound, outcome and explanation, then every measured metric.
    static func gateSection(_ report: AuditReport) -> ExportSection {
        let gate = report.gate
        let policy = gate.policy.inconclusiveFails
            ? "Policy: an inconclusive rule fails the gate."
            : "Policy: an inconclusive rule exits with code 2 and does not fail the gate."
        var blocks: [ExportBlock] = [.paragraph("\(policy) Exit code: \(gate.exitCode).")]
        if gate.results.isEmpty {
            blocks.append(.note("The gate has no rules.", .warning))
        } else {
            blocks.append(.table(ExportTable(
                headers: ["Rule", "Measured [interval]", "Bound", "Outcome", "Explanation"],
                rows: gate.results.map(ruleRow))))
        }
        blocks.append(.heading("Measured metrics"))
        blocks.append(metricsTable(report.metrics))
        return ExportSection(id: "gate", title: "Gate", blocks: blocks)
    }

    static func ruleRow(_ result: RuleResult) -> [ExportCell] {
        let metric = result.rule.metric
        return [
            ExportCell(result.rule.displayName),
            ExportCell(ExportFormat.metric(result.value, interval: result.interval, name: metric)),
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
            guard let null = result.null else { return "\(symbol) null (no null summary recorded)" }
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
