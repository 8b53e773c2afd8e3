import ArgumentParser
import Audit
import Foundation

/// `miaudit results references`: U-LiRA and RMIA against the number of reference models.
struct ResultsReferencesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "references",
        abstract: "Measure U-LiRA's and RMIA's power against the number of reference models K (a section of docs/results.md).",
        discussion: """
            For each method (default none, multidelete, retrain), the original with the method applied is \
            attacked with K reference models: K shadows applying the method (online and offline attacks; K \
            even) and the first K gold models as out references (offline attacks). Reports the AUC of D_f vs \
            D_h with its DeLong interval and the TPR at 1% FPR. Models are cached; a rerun trains nothing.
              miaudit results references --out docs/results.md
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: ArgumentHelp("The original model; trained like the demo's when the file is missing.", valueName: "file"))
    var original: String = "reports/demo/original.safetensors"
    @Option(name: .long, parsing: .upToNextOption, help: "Methods whose targets are attacked.")
    var methods: [String] = ["none", "multidelete", "retrain"]
    @Option(name: .long, parsing: .upToNextOption, help: "Numbers of reference models K.")
    var counts: [Int] = [1, 2, 4, 8, 16]
    @Option(name: .long, help: ArgumentHelp("Model cache.", valueName: "dir"))
    var cache: String = "audits/cache"
    @Option(name: .long, help: ArgumentHelp("The Markdown file whose 'references' section is rewritten; the figures go to NAME-references.json. Without --out the section is printed and no file is written.", valueName: "file"))
    var out: String?
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard !counts.isEmpty, counts.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--counts must list numbers between 1 and 256, got \(counts).")
        }
        guard !methods.isEmpty else { throw ValidationError("--methods must name at least one method.") }
    }

    func run() throws {
        try reportingErrors {
            let threads = threadOptions.apply()
            if let out { try checkWritableDestination(out) }
            let absolute = absolutePath
            dataOptions.noteDefault()
            var settings = ReferencePowerStudy.Settings(data: absolute(dataOptions.data), original: absolute(original), cache: absolute(cache),
                                                        toolVersion: ToolInfo.version)
            settings.methods = methods
            settings.counts = counts.sorted()
            let view = AuditProgressView()
            let result = try ReferencePowerStudy.run(settings, progress: view.update)
            view.finish()
            let markdown = ReferencePowerMarkdown(result: result, threads: threads).render()
            try MarkdownSections.writeStudy(markdown, section: "references", to: out, figures: result,
                                            jsonPath: out.map { ($0 as NSString).deletingPathExtension + "-references.json" })
        }
    }
}

/// The study as a Markdown section.
struct ReferencePowerMarkdown {
    let result: ReferencePowerStudy.Result
    let threads: Int

    func cell(_ m: ReferencePowerStudy.Measurement?) -> String {
        guard let m, let auc = m.auc, let interval = m.aucInterval else { return "—" }
        let tpr = m.tprAtOnePercent.map { String(format: "%.3f", $0) } ?? "undef."
        return String(format: "%.3f [%.2f, %.2f] / %@", auc, interval[0], interval[1], tpr)
    }

    func table(_ references: String, attacks: [String]) -> [String] {
        var lines = ["| method | K | " + attacks.joined(separator: " | ") + " |", "|---|---|" + attacks.map { _ in "---|" }.joined()]
        for method in result.methods {
            for count in result.counts {
                let row = attacks.map { attack in
                    cell(method.measurements.first { $0.references == references && $0.count == count && $0.attack == attack })
                }
                lines.append("| `\(method.method)` | \(count) | " + row.joined(separator: " | ") + " |")
            }
        }
        return lines
    }

    func render() -> String {
        var lines = ["## Attack power against the number of reference models", ""]
        lines.append("Regenerate with `miaudit results references --out docs/results.md` (release build). Data set \(result.dataSet) "
                     + "(digest `\(result.dataSetDigest.prefix(16))…`): \(result.forgetRows) forget vs \(result.holdoutRows) holdout rows, "
                     + "\(result.populationRows) population rows (validation and test) for RMIA. Each method is applied to the original "
                     + "(unlearning seed derived from 0); the attacks score D_f (1) against D_h (0). Each cell: AUC [DeLong 95%] / TPR at "
                     + "1% FPR. " + String(format: "%d BLAS thread(s); %d models trained in this run; %.0f s.", threads, result.modelsTrained, result.seconds))
        lines.append("")
        lines.append("### K shadow models applying the method")
        lines.append("")
        lines.append("Each pool example is in K/2 shadows (trained on it, then unlearned) and out of K/2. RMIA's offline a is tuned "
                     + "by attacking shadow 0 with the others (the paper's rule), falling back to 0.3 when that is impossible (K = 2). "
                     + "U-LiRA needs two shadows per side for σ (K ≥ 4); a balanced set needs K even.")
        lines.append("")
        lines += table("shadows", attacks: ["U-LiRA online", "RMIA online", "U-LiRA offline", "RMIA offline"])
        lines.append("")
        lines.append("### K gold models as out references (offline)")
        lines.append("")
        lines.append("The first K gold models (retrained on D_r, so out for every pool example). U-LiRA offline uses one pooled σ "
                     + "(K ≥ 2); RMIA offline uses a = 0.3, since no gold model has a member in the pool to tune it on.")
        lines.append("")
        lines += table("gold", attacks: ["U-LiRA offline", "RMIA offline"])
        lines.append("")
        lines.append("### The fewest reference models that decide")
        lines.append("")
        lines.append("The smallest K at which the AUC interval lies wholly above 0.5 (the attack detects D_f) or wholly below it "
                     + "(D_f looks *less* trained on than never-seen data: over-unlearning, which the report flags too); — when no K does.")
        lines.append("")
        let columns = [("shadows", "U-LiRA online"), ("shadows", "RMIA online"), ("shadows", "U-LiRA offline"), ("shadows", "RMIA offline"),
                       ("gold", "U-LiRA offline"), ("gold", "RMIA offline")]
        lines.append("| method | " + columns.map { "\($0.1) (\($0.0))" }.joined(separator: " | ") + " |")
        lines.append("|---|" + columns.map { _ in "---|" }.joined())
        for method in result.methods {
            let cells = columns.map { references, attack -> String in
                for count in result.counts {
                    guard let m = method.measurements.first(where: { $0.references == references && $0.count == count && $0.attack == attack }),
                          let interval = m.aucInterval else { continue }
                    if interval[0] > 0.5 { return "K = \(count), above" }
                    if interval[1] < 0.5 { return "K = \(count), below" }
                }
                return "—"
            }
            lines.append("| `\(method.method)` | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
