import MembershipInference

extension ReportContent {
    /// The null prefixes each attack's subsection shows.
    static let attackNullPrefixes = ["ulira.", "umia.", "forget_quality.", "svm."]

    /// U-LiRA, U-MIA, forget quality and the SVM attack, each with its nulls; "not run" for an
    /// attack the report has no result for.
    static func attacksSection(_ report: AuditReport) -> ExportSection {
        let shadow = report.shadowAudit, nulls = shadow?.nulls ?? [:]
        var blocks: [ExportBlock] = [.paragraph(
            "Each attack scores the forget set D_f (label 1) against the never-seen holdout set D_h (label 0); higher scores mean "
                + "\"looks trained on\". Ideal: AUC and accuracy 0.5. Each null is the metric with the gold models (retrained without "
                + "D_f) scored as the target.")]
        blocks += [.heading("U-LiRA (per-example)")] + uliraBlocks(shadow?.ulira, nulls: nulls)
        blocks += [.heading("U-MIA (population)")] + umiaBlocks(shadow: shadow?.umia, crossValidated: shadow?.umiaCrossValidated, nulls: nulls)
        blocks += [.heading("Forget quality (KS test against the gold models)")] + forgetQualityBlocks(shadow?.forgetQuality, nulls: nulls)
        blocks += [.heading("SVM black-box attack")] + svmBlocks(report.svm, nulls: nulls)
        let others = nulls.filter { name, _ in !attackNullPrefixes.contains { name.hasPrefix($0) } }
        if let table = nullTable(others, prefix: "") {
            blocks += [.heading("Other null distributions"), table]
        }
        return ExportSection(id: "attacks", title: "Attacks", blocks: blocks)
    }

    // MARK: U-LiRA

    static func uliraBlocks(_ result: ULiRAResult?, nulls: [String: NullDistribution]) -> [ExportBlock] {
        guard let result else { return [notRun("U-LiRA")] }
        var blocks: [ExportBlock] = [
            .paragraph("\(result.shadows) shadow models; σ estimated \(result.variance) (at least \(result.minimumInShadows) in and "
                + "\(result.minimumOutShadows) out shadows per example); \(result.online.positives) forget vs "
                + "\(result.online.negatives) holdout examples."),
            .table(ExportTable(headers: attackHeaders, rows: [attackRow("online", result.online), attackRow("offline", result.offline)])),
        ]
        blocks += belowChanceNotes([("U-LiRA online", result.online), ("U-LiRA offline", result.offline)])
        if let spread = result.methodLevel {
            blocks.append(.paragraph("Method level (each of the \(spread.aucs.count) shadows as the target, scored with the others): AUC "
                + "\(ExportFormat.fixed(spread.mean)) ± \(ExportFormat.fixed(spread.standardDeviation)) (mean ± sd), range "
                + "\(ExportFormat.interval([spread.minimum, spread.maximum]))."))
        } else {
            blocks.append(.paragraph("Method level: not run."))
        }
        return blocks + [nullTable(nulls, prefix: "ulira.") ?? .paragraph("Null distributions: none recorded.")]
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

    // MARK: U-MIA

    static func umiaBlocks(shadow: UMIAResult?, crossValidated: UMIAResult?, nulls: [String: NullDistribution]) -> [ExportBlock] {
        guard shadow != nil || crossValidated != nil else { return [notRun("U-MIA")] }
        func row(_ name: String, _ result: UMIAResult?) -> [ExportCell] {
            guard let result else { return [ExportCell(name), ExportCell("not run", tone: .warning), "—", "—", "—", "—"] }
            let training = result.folds.map { "\(result.trainingExamples) examples, \($0)-fold" }
                ?? "\(result.trainingExamples) shadow (model, example) pairs"
            return [ExportCell(name), ExportCell(ExportFormat.fixed(result.accuracy)),
                    ExportCell(ExportFormat.valueWithInterval(result.metrics.auc, result.metrics.aucInterval)),
                    ExportCell(ExportFormat.fixed(result.metrics.advantage)), ExportCell(operatingPoint(result.metrics, target: "0.01")),
                    ExportCell(training)]
        }
        var blocks: [ExportBlock] = [
            .paragraph("A logistic-regression attacker on the LiRA score; accuracy is balanced accuracy at P(unlearned) = 0.5."),
            .table(ExportTable(headers: ["Attacker", "Accuracy", "AUC [95% DeLong]", "Advantage", "TPR at 1% FPR", "Trained on"],
                               rows: [row("shadow-trained", shadow), row("cross-validated", crossValidated)])),
        ]
        blocks += belowChanceNotes([shadow.map { ("U-MIA shadow-trained", $0.metrics) }, crossValidated.map { ("U-MIA cross-validated", $0.metrics) }]
            .compactMap { $0 })
        return blocks + [nullTable(nulls, prefix: "umia.") ?? .paragraph("Null distributions: none recorded.")]
    }

    // MARK: Forget quality

    static func forgetQualityBlocks(_ result: ForgetQualityResult?, nulls: [String: NullDistribution]) -> [ExportBlock] {
        guard let result else { return [notRun("Forget quality")] }
        let rows: [[ExportCell]] = result.tests.enumerated().map { index, test in
            [ExportCell("gold \(index)"), ExportCell(ExportFormat.fixed(test.statistic)), ExportCell(ExportFormat.pValue(test.pvalue)),
             ExportCell(ExportFormat.fixed(test.log10PValue, digits: 2)), ExportCell("\(test.n1)"), ExportCell("\(test.n2)"),
             ExportCell(test.method), ExportCell(test.saturated ? "yes (p at the exact test's floor)" : "no")]
        }
        return [
            .paragraph("Median p over \(result.tests.count) gold models: \(ExportFormat.pValue(result.medianPValue)) (higher = closer "
                + "to exact unlearning). Truth ratios on the \(result.view) view with \(result.perturbations) perturbations; median "
                + "truth ratio on D_f: \(ExportFormat.fixed(result.auditedMedianRatio)) audited, \(ExportFormat.fixed(result.goldMedianRatio)) "
                + "gold."),
            .table(ExportTable(headers: ["Gold model", "KS D", "p", "log10 p", "n1", "n2", "Method", "Saturated"], rows: rows)),
            nullTable(nulls, prefix: "forget_quality.") ?? .paragraph("Null distributions: none recorded."),
        ]
    }

    // MARK: SVM

    static func svmBlocks(_ result: SVMAttackResult?, nulls: [String: NullDistribution]) -> [ExportBlock] {
        guard let result else { return [notRun("SVM attack")] }
        var blocks: [ExportBlock] = [
            .paragraph("Existence probability E = mean P(member) from an RBF SVM trained on the original model's outputs. Ideal: "
                + "E(D_f) after unlearning close to E(D_h); far below it is over-unlearning."),
            facts([
                ("E(D_f), original model (prior)", ExportCell(ExportFormat.fixed(result.priorExistence))),
                ("E(D_f), audited model (post)", ExportCell(ExportFormat.fixed(result.postExistence))),
                ("Ratio prior / post", ExportCell(ExportFormat.fixed(result.ratio))),
                ("E(D_h), audited model (holdout)", ExportCell(ExportFormat.fixed(result.holdoutExistence))),
                ("Post − holdout", ExportCell(ExportFormat.signed(result.postExistence - result.holdoutExistence))),
                ("Attacker AUC [95% DeLong]", ExportCell(ExportFormat.valueWithInterval(result.attackerAUC, result.attackerAUCInterval))),
                ("Attacker training set", ExportCell("\(result.trainingMembers) members, \(result.trainingNonMembers) non-members")),
            ]),
        ]
        if !result.attackerHasPower {
            blocks.append(.note("The SVM attacker has no power: its AUC on the original model's members vs non-members is not "
                + "clearly above 0.5, so a low post-unlearning existence probability proves nothing.", .warning))
        }
        if let table = nullTable(nulls, prefix: "svm.") { blocks.append(table) }
        return blocks
    }

    // MARK: Nulls

    /// The nulls whose names start with `prefix`, one row each; nil when there are none.
    static func nullTable(_ nulls: [String: NullDistribution], prefix: String) -> ExportBlock? {
        let names = nulls.keys.filter { $0.hasPrefix(prefix) }.sorted()
        guard !names.isEmpty else { return nil }
        let rows: [[ExportCell]] = names.compactMap { name in
            guard let null = nulls[name] else { return nil }
            let f = { (value: Double) in ExportFormat.metric(value, name: name) }
            return [.code(name), ExportCell(f(null.audited)), ExportCell(f(null.percentile95)), ExportCell(f(null.minimum)), ExportCell(f(null.maximum)),
                    ExportCell(ExportFormat.percentile(null.auditedPercentile)), ExportCell("\(null.size)")]
        }
        return .table(ExportTable(headers: ["Null of", "Audited", "Null 95th percentile", "Null min", "Null max", "Audited percentile", "Gold models"],
                                  rows: rows))
    }
}
