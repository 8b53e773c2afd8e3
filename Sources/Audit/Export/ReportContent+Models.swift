import MatchingTask
import MembershipInference
import ReferenceModels

extension ReportContent {
    /// The audited model's utility beside the original's, with the change.
    static func utilitySection(_ utility: UtilityComparison) -> ExportSection {
        let audited = utility.audited, original = utility.original
        func row(_ name: String, _ value: (ModelUtility) -> Double?) -> [ExportCell] {
            let a = value(audited), o = original.flatMap(value)
            let change = a.flatMap { a in o.map { ExportFormat.signed(a - $0) } } ?? "—"
            return [ExportCell(name), ExportCell(a.map { ExportFormat.fixed($0) } ?? "—"),
                    ExportCell(o.map { ExportFormat.fixed($0) } ?? "—"), ExportCell(change)]
        }
        if audited.isClassification {
            let rows = [
                row("Test accuracy", { $0.testITMAccuracy }),
                row("Forget accuracy (D_f; retraining's level is the holdout's)", { $0.forgetMatchAccuracy }),
                row("Retain accuracy (D_r)", { $0.retainMatchAccuracy }),
                row("Holdout accuracy (D_h, never seen)", { $0.holdoutMatchAccuracy }),
            ]
            var blocks: [ExportBlock] = [.table(ExportTable(headers: ["Measure", "Audited", "Original", "Change"], rows: rows))]
            blocks.append(.paragraph("Accuracy: the share of rows whose most probable class is their label."))
            if original == nil { blocks.append(.paragraph("The original model's utility was not measured.")) }
            return ExportSection(id: "utility", title: "Utility", blocks: blocks)
        }
        var rows = [
            row("Test ITM accuracy", { $0.testITMAccuracy }),
            row("Test match rate (true pairs)", { $0.testMatchAccuracy }),
            row("Forget match rate (D_f true pairs; lower = more forgotten)", { $0.forgetMatchAccuracy }),
            row("Forget mismatched-pair match rate (random-pair level)", { $0.forgetMismatchedMatchRate }),
            row("Retain match rate (D_r)", { $0.retainMatchAccuracy }),
            row("Holdout match rate (D_h, never seen)", { $0.holdoutMatchAccuracy }),
        ]
        for (direction, path) in [("image → text", \MatchingUtility.Recall.imageToText), ("text → image", \MatchingUtility.Recall.textToImage)] {
            let keys = Set((audited.testRecall?[keyPath: path].keys).map(Array.init) ?? [])
                .union((original?.testRecall?[keyPath: path].keys).map(Array.init) ?? [])
            for k in keys.sorted(by: { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }) {
                rows.append(row("Test recall@\(k), \(direction)", { $0.testRecall?[keyPath: path][k] }))
            }
        }
        var blocks: [ExportBlock] = [.table(ExportTable(headers: ["Measure", "Audited", "Original", "Change"], rows: rows))]
        if original == nil { blocks.append(.paragraph("The original model's utility was not measured.")) }
        return ExportSection(id: "utility", title: "Utility", blocks: blocks)
    }

    /// Which step of `miaudit remediate` this report is.
    static func remediationSection(_ step: RemediationStep) -> ExportSection {
        ExportSection(id: "remediation", title: "Remediation step", blocks: [facts([
            ("Step", ExportCell("\(step.step)")),
            ("Action", ExportCell(step.action)),
            ("Report of the step before", step.previousStepDigest.map(ExportCell.code) ?? ExportCell("none (first step)")),
        ])])
    }

    /// The original and audited models, how the target was made, and the shadow and gold models.
    static func modelsSection(_ report: AuditReport) -> ExportSection {
        let models = report.models
        var blocks: [ExportBlock] = [.table(ExportTable(headers: ["Role", "Adapter", "Model", "Digest"], rows: [
            [ExportCell("original"), ExportCell(models.original.kind), ExportCell(models.original.modelID), .code(models.original.digest)],
            [ExportCell("audited"), ExportCell(models.target.kind), ExportCell(models.target.modelID), .code(models.target.digest)],
        ]))]
        blocks.append(.heading("How the audited model was made"))
        if let unlearning = models.targetUnlearning {
            blocks.append(facts([
                ("Unlearning method", ExportCell(unlearning.method)),
                ("Settings", .code(unlearning.settings)),
                ("Seed", ExportCell("\(unlearning.seed)")),
                ("Seconds", ExportCell(ExportFormat.fixed(unlearning.seconds, digits: 1))),
            ]))
        } else {
            blocks.append(.paragraph("Supplied as is: this audit did not unlearn it."))
        }
        blocks.append(.heading("Reference models"))
        let signals = report.signals
        var facts: [(String, ExportCell)] = [("Pool", ExportCell("\(signals.forgetRows) forget + \(signals.holdoutRows) holdout rows"))]
        if let population = signals.populationRows { facts.append(("Population rows (validation and test; RMIA's z)", ExportCell("\(population)"))) }
        if let truth = signals.truthRatio {
            facts.append(("Truth ratios", ExportCell("\(truth.view) view, \(truth.perturbations) perturbations per forget example")))
        }
        guard let references = report.references else {
            return ExportSection(id: "models", title: "Models", blocks: blocks + [self.facts(facts), notRun("Shadow and gold models")])
        }
        facts = [
            ("Provider", ExportCell(references.provider)),
            ("Profile", ExportCell(references.profile == "fast"
                ? "fast: no shadows; the gold models are the attacks' references, each scored against the others for the nulls"
                : "full: shadows applying the claimed method, and gold models")),
            ("Method the shadows applied", references.shadowMethod.map(ExportCell.code) ?? ExportCell("— (no shadows)")),
            ("Shadow models", ExportCell(countWithCache(references.shadowModels))),
            ("Gold models (retrained on D_r)", ExportCell(countWithCache(references.goldModels))),
            ("Collapsed attempts (retrained with fresh seeds)", ExportCell("\(references.collapsedAttempts)")),
        ] + facts
        blocks.append(self.facts(facts))
        return ExportSection(id: "models", title: "Models", blocks: blocks)
    }

    /// `16 (12 from the cache)`.
    static func countWithCache(_ records: [ModelRecord]) -> String {
        "\(records.count) (\(records.filter(\.fromCache).count) from the cache)"
    }
}
