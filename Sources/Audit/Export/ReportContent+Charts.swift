import MembershipInference

extension ReportContent {
    /// The curve keys in the order charts draw them (registry order), with their legend names.
    static var curveNames: [(key: String, name: String)] {
        AttackRegistry.all.flatMap { attack in attack.variants.map { ("\(attack.name).\($0.name)", $0.label) } }
    }

    /// `curves` as chart series: the known attacks first in a fixed order, then any others by key.
    static func rocSeries(_ curves: [String: ROCPoints]) -> [ROCSeries] {
        let known = Set(curveNames.map(\.key))
        let ordered = curveNames.filter { curves[$0.key] != nil } + curves.keys.filter { !known.contains($0) }.sorted().map { ($0, $0) }
        return ordered.compactMap { key, name in
            curves[key].map { ROCSeries(name: name, falsePositiveRates: $0.fpr, truePositiveRates: $0.tpr, auc: $0.auc) }
        }
    }

    /// ROC curves on linear and on log-log axes.
    static func rocSection(_ report: AuditReport) -> ExportSection {
        let series = rocSeries(report.curves)
        guard !series.isEmpty else {
            return ExportSection(id: "roc", title: "ROC curves", blocks: [.note("ROC curves: not run (no attack recorded a curve).", .warning)])
        }
        let figures = [
            ExportFigure(svg: SVGChart.roc(series, scale: .linear, title: "ROC, linear axes"),
                         caption: "ROC curves of each attack on D_f vs D_h. The dashed diagonal is chance (AUC 0.5)."),
            ExportFigure(svg: SVGChart.roc(series, scale: .logLog, title: "ROC, log-log axes"),
                         caption: "The same curves at low false positive rates. " + SVGChart.logLogClampNote),
        ]
        return ExportSection(id: "roc", title: "ROC curves", blocks: [.figures(figures)])
    }

    /// One histogram of the LiRA score on D_f vs D_h per model (audited, original, gold).
    static func histogramSection(_ report: AuditReport) -> ExportSection {
        guard let histograms = report.histograms, !histograms.models.isEmpty else {
            return ExportSection(id: "histograms", title: "Score histograms", blocks: [notRun("Score histograms")])
        }
        let figures = histograms.models.map { model in
            let pooled = model.modelCount > 1 ? " (\(model.modelCount) models pooled)" : ""
            return ExportFigure(
                svg: SVGChart.histogram(edges: histograms.edges, forget: model.forget, holdout: model.holdout,
                                        title: "\(model.model) model\(pooled)"),
                caption: "LiRA score φ under the \(model.model) model\(pooled): D_f vs D_h as densities (each set's bars have area 1).")
        }
        return ExportSection(id: "histograms", title: "Score histograms", blocks: [
            .paragraph("Where the forget set's scores sit apart from the holdout's, an attack can tell them apart."),
            .figures(figures),
        ])
    }
}
