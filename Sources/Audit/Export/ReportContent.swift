import Gate

/// Turns an exported report into the format-neutral `ExportDocument` both renderers walk.
///
/// Section order (SPEC §8): gate, attacks, ROC curves, score histograms, utility, remediation
/// (when the report is a remediation step), models, provenance.
enum ReportContent {
    static func document(_ r: ExportedReport) -> ExportDocument {
        let report = r.report
        var sections = [gateSection(report), attacksSection(report), rocSection(report), histogramSection(report),
                        utilitySection(report.utility)]
        if let step = report.remediation { sections.append(remediationSection(step)) }
        sections += [modelsSection(report), provenanceSection(r)]
        return ExportDocument(
            title: report.auditName, outcome: report.gate.outcome,
            verdictSentence: verdictSentence(report.gate, remediation: report.remediation),
            subtitle: "Report #\(r.id) · audit finished \(report.createdAt) · signed by \(r.keyID)\(r.verification == nil ? "" : " (verified at export)")",
            sections: sections)
    }

    /// What the verdict means, in one sentence: for the deletion claim, or, for a later step of
    /// `remediate`, for the remediated model.
    static func verdictSentence(_ gate: GateVerdict, remediation: RemediationStep? = nil) -> String {
        if let step = remediation, step.step > 1 {
            switch gate.outcome {
            case .pass:
                return "Remediation step \(step.step) (\(step.action)): every gate rule passes, so the remediated model does not show "
                    + "the forget set beyond what exact unlearning shows."
            case .fail:
                return "Remediation step \(step.step) (\(step.action)): the audit still detects the forget set in the remediated model."
            case .inconclusive:
                return "Remediation step \(step.step) (\(step.action)): the evidence does not decide whether the remediated model still "
                    + "shows the forget set."
            }
        }
        switch gate.outcome {
        case .pass:
            return "Every gate rule passes: the audit does not detect the forget set beyond what exact unlearning shows, "
                + "so the deletion claim is supported."
        case .fail:
            return "The audit detects the forget set: the deletion claim is not supported."
        case .inconclusive:
            let consequence = gate.policy.inconclusiveFails ? "the policy counts this as a failure" : "the gate exits with code 2"
            return "The evidence does not decide: at least one gate rule is inconclusive, so the deletion claim is neither "
                + "supported nor refuted (\(consequence))."
        }
    }

    /// The text a section shows for an attack that did not run.
    static func notRun(_ what: String) -> ExportBlock {
        .note("\(what): not run.", .warning)
    }

    /// A key–value table.
    static func facts(_ rows: [(String, ExportCell)]) -> ExportBlock {
        .table(ExportTable(headers: ["Field", "Value"], rows: rows.map { [ExportCell($0.0), $0.1] }))
    }
}
