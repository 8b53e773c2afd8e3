import MembershipInference

extension ReportContent {
    /// One subsection per registered attack, in registry order ("not run" when the report has no
    /// result for it), then any attack this build does not know. Each shows the attack's summary,
    /// its score variants' metrics, its values, its own detail and its null distributions.
    static func attacksSection(_ report: AuditReport) -> ExportSection {
        var blocks: [ExportBlock] = [.paragraph(
            "Each attack scores the forget set D_f (label 1) against the never-seen holdout set D_h (label 0); higher scores mean "
                + "\"looks trained on\". Ideal: AUC and accuracy 0.5. Each null is the metric with the gold models (retrained without "
                + "D_f) scored as the target.")]
        for attack in AttackRegistry.all {
            blocks.append(.heading(attack.title))
            if let result = report.attacks[attack.name] {
                var part = attackBlocks(result, attack: attack)
                if attack.name == "forget_quality", let truth = report.signals.truthRatio {
                    part.insert(.paragraph(truthRatioSentence(truth)), at: min(1, part.count))
                }
                blocks += part
            } else {
                blocks.append(notRun(attack.title))
            }
        }
        for result in report.orderedAttacks where AttackRegistry.named(result.attack) == nil {
            blocks += [.heading(result.title)] + attackBlocks(result, attack: nil)
        }
        return ExportSection(id: "attacks", title: "Attacks", blocks: blocks)
    }

    /// How the truth ratios behind forget quality were formed, stated so a reader knows what a
    /// missing paraphrase view means.
    static func truthRatioSentence(_ truth: TruthRatioRecord) -> String {
        switch truth.view {
        case "paraphrase":
            return "Truth ratios: each forget example's paraphrase (the data set's paraphrase view) against \(truth.perturbations) texts of other groups."
        case "caption":
            return "Truth ratios: the data set has no paraphrase view, so each forget example's own caption, the very text the model "
                + "was trained on, stands in for its paraphrase (against \(truth.perturbations) texts of other groups). Forget quality then "
                + "measures memory of the exact pairs rather than of their meaning; add a paraphrases array to the data set to measure the latter."
        case "classes":
            return "Truth ratios (classification): R = mean over the other classes of p_c, divided by p_y of the true class, from each "
                + "model's own output distribution; no perturbed inputs."
        default:
            return "Truth ratios: \(truth.view) view, \(truth.perturbations) perturbations per forget example."
        }
    }

    /// The blocks of one attack's result; `attack` is nil for an attack this build does not know.
    static func attackBlocks(_ result: AttackResult, attack: (any MembershipAttack)?) -> [ExportBlock] {
        var blocks: [ExportBlock] = []
        if let attack { blocks.append(.paragraph(attack.summary)) }
        let variantNames = (attack?.variants.map(\.name) ?? []).filter { result.variants[$0] != nil }
            + result.variants.keys.filter { name in !(attack?.variants.contains { $0.name == name } ?? false) }.sorted()
        if !variantNames.isEmpty {
            let labelled = variantNames.compactMap { name -> (String, AttackMetrics)? in
                guard let metrics = result.variants[name] else { return nil }
                return (attack?.variants.first { $0.name == name }?.label ?? name, metrics)
            }
            blocks.append(.table(ExportTable(headers: attackHeaders, rows: labelled.map { attackRow($0.0, $0.1) })))
            blocks += belowChanceNotes(labelled)
        }
        if !result.values.isEmpty {
            let order = (attack?.valueMetrics.map(\.name) ?? []) + result.values.keys.sorted()
            var seen = Set<String>()
            let rows = order.filter { result.values[$0] != nil && seen.insert($0).inserted }.map { name in
                [ExportCell.code("\(result.attack).\(name)"), ExportCell(ExportFormat.metric(result.values[name]!, name: name)),
                 ExportCell(attack?.valueMetrics.first { $0.name == name }?.summary ?? "")]
            }
            blocks.append(.table(ExportTable(headers: ["Metric", "Audited", "Meaning"], rows: rows)))
        }
        blocks += AttackRegistry.presentation(of: result).map(exportBlock)
        if !result.options.isEmpty {
            blocks.append(.paragraph("Settings: " + result.options.keys.sorted().map { "\($0) = \(result.options[$0]!)" }.joined(separator: ", ") + "."))
        }
        blocks.append(nullTable(result.nulls) ?? .paragraph("Null distributions: none recorded."))
        return blocks
    }

    /// An attack's detail block as an export block.
    static func exportBlock(_ block: DetailBlock) -> ExportBlock {
        switch block {
        case let .paragraph(text): return .paragraph(text)
        case let .facts(items): return facts(items.map { ($0.label, ExportCell($0.value)) })
        case let .table(headers, rows): return .table(ExportTable(headers: headers, rows: rows.map { $0.map { ExportCell($0) } }))
        case let .note(text, warning): return warning ? .note(text, .warning) : .paragraph(text)
        }
    }

    static let attackHeaders = ["Variant", "AUC [95% DeLong]", "Balanced accuracy", "Advantage",
                                "TPR at 10% FPR", "TPR at 1% FPR", "TPR at 0.1% FPR"]

    static func attackRow(_ name: String, _ metrics: AttackMetrics) -> [ExportCell] {
        var balanced = ExportFormat.fixed(metrics.balancedAccuracy) + " (best)"
        if let natural = metrics.balancedAccuracyAtNaturalThreshold, let threshold = metrics.naturalThreshold {
            balanced += "; \(ExportFormat.fixed(natural)) at threshold \(ExportFormat.fixed(threshold, digits: 1))"
        }
        return [ExportCell(name), ExportCell(ExportFormat.valueWithInterval(metrics.auc, metrics.aucInterval)), ExportCell(balanced),
                ExportCell(ExportFormat.fixed(metrics.advantage))]
            + ["0.1", "0.01", "0.001"].map { ExportCell(operatingPoint(metrics, target: $0)) }
    }

    /// `TPR (FPR x)` with the achieved FPR, or `undefined` when too few non-members reach the target.
    ///
    /// A target absent from `tprAtFPR` counts as undefined too: the metrics store an undefined
    /// point as a missing key as well as an explicit null.
    static func operatingPoint(_ metrics: AttackMetrics, target: String) -> String {
        guard let entry = metrics.tprAtFPR[target], let point = entry else { return "undefined (too few D_h examples)" }
        return "\(ExportFormat.fixed(point.tpr)) (FPR \(ExportFormat.fixed(point.achievedFPR)))"
    }

    static func belowChanceNotes(_ attacks: [(String, AttackMetrics)]) -> [ExportBlock] {
        attacks.filter { $0.1.aucBelowChance }.map { name, _ in
            .note("\(name): the AUC lies clearly below 0.5: the model ranks never-seen examples above forget examples, as "
                + "over-unlearning does; that is detectable too.", .warning)
        }
    }

    // MARK: Nulls

    /// One row per null distribution, by metric name; nil when there are none.
    static func nullTable(_ nulls: [String: NullDistribution]) -> ExportBlock? {
        guard !nulls.isEmpty else { return nil }
        let rows: [[ExportCell]] = nulls.keys.sorted().compactMap { name in
            guard let null = nulls[name] else { return nil }
            let f = { (value: Double) in ExportFormat.metric(value, name: name) }
            return [.code(name), ExportCell(f(null.audited)), ExportCell(f(null.percentile95)), ExportCell(f(null.minimum)), ExportCell(f(null.maximum)),
                    ExportCell(ExportFormat.percentile(null.auditedPercentile)), ExportCell("\(null.size)")]
        }
        return .table(ExportTable(headers: ["Null of", "Audited", "Null 95th percentile", "Null min", "Null max", "Audited percentile", "Gold models"],
                                  rows: rows))
    }
}
