import ArgumentParser
import Audit
import Foundation
import Gate

/// `miaudit results profiles`: the fast profile's verdicts against the full profile's on the gate
/// study's targets, regenerated into a section of docs/gate.md.
struct ResultsProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Compare the fast profile's verdicts with the full profile's on the gate study's targets (a section of docs/gate.md).",
        discussion: """
            Uses the gate study's models (run miaudit results gate first, or let this train them): under each \
            audit seed the first --calibration-golds gold models of the pool calibrate both profiles, and every \
            target is audited twice with each profile's default rules and the default gate policy. The full \
            profile uses the 16 shadows applying the target's method; the fast profile uses the gold models as \
            the references. Targets: the retrained models, the pool's other gold models, and each method applied \
            with --method-seeds seeds. The result is a confusion table of the two verdicts per target group.
              miaudit results profiles --out docs/gate.md
            """)

    @OptionGroup var study: GateStudyOptions
    @Option(name: .long, help: "Gold models that calibrate both profiles; the pool's others are audited as exact retrains.")
    var calibrationGolds: Int = 16
    @Option(name: .long, help: ArgumentHelp("The Markdown file whose 'profiles' section is rewritten; the figures go beside it as JSON. Without --out the section is printed and no file is written.", valueName: "file"))
    var out: String?
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard calibrationGolds >= 2, study.gold > calibrationGolds else {
            throw ValidationError("--gold must exceed --calibration-golds (at least 2); got \(study.gold) and \(calibrationGolds).")
        }
    }

    func run() throws {
        try reportingErrors {
            let threads = threadOptions.apply()
            if let out { try checkWritableDestination(out) }
            let gate = study.settings()
            var settings = ProfileStudy.Settings(gate: gate)
            settings.calibrationGolds = calibrationGolds
            let view = AuditProgressView()
            let result = try ProfileStudy.run(settings, progress: view.update)
            view.finish()
            let markdown = ProfileStudyMarkdown(result: result, threads: threads).render()
            try MarkdownSections.writeStudy(markdown, section: "profiles", to: out, figures: result,
                                            jsonPath: out.map { ($0 as NSString).deletingPathExtension + "-profiles.json" })
        }
    }
}

/// The profile study as a Markdown section.
struct ProfileStudyMarkdown {
    let result: ProfileStudy.Result
    let threads: Int

    func render() -> String {
        var lines = ["## Fast profile against full profile", ""]
        lines.append("Regenerate with `miaudit results profiles --out docs/gate.md` (release build; it reuses the gate study's models). "
                     + "Data set \(result.dataSet) (digest `\(result.dataSetDigest.prefix(16))…`); audit seeds "
                     + result.auditSeeds.map(String.init).joined(separator: ", ") + "; under each, the first \(result.calibrationGolds) gold "
                     + "models of the pool calibrate both profiles and every target is audited twice with each profile's default rules "
                     + "(κ = 1.5, Holm at α = 0.05). Full: \(result.shadows) shadows applying the target's method; U-LiRA online, U-MIA "
                     + "shadow-trained and cross-validated, forget quality. Fast: no shadows; U-LiRA and RMIA offline against the gold "
                     + "models, U-MIA cross-validated, forget quality; each gold model's null value against the other gold models. "
                     + String(format: "%d BLAS thread(s); %d models trained in this run; %.0f s.", threads, result.modelsTrained, result.seconds))
        lines.append("")
        lines.append("Targets by their two verdicts (full, fast):")
        lines.append("")
        lines.append("| targets | both pass | full passes, fast fails | full fails, fast passes | both fail | other | agreement |")
        lines.append("|---|---|---|---|---|---|---|")
        for group in result.groups {
            let cells = result.cells.filter { $0.group == group }
            func count(_ full: String, _ fast: String) -> Int { cells.first { $0.full == full && $0.fast == fast }?.count ?? 0 }
            let main = [("pass", "pass"), ("pass", "fail"), ("fail", "pass"), ("fail", "fail")].map { count($0.0, $0.1) }
            let other = cells.reduce(0) { $0 + $1.count } - main.reduce(0, +)
            let (agree, total) = result.agreement(group)
            lines.append("| \(group) (\(total)) | " + (main + [other]).map(String.init).joined(separator: " | ")
                         + String(format: " | %d of %d (%.0f%%) |", agree, total, total == 0 ? 0 : 100 * Double(agree) / Double(total)))
        }
        lines.append("")
        if result.disagreements.isEmpty {
            lines.append("The two profiles agree on every target.")
        } else {
            lines.append("Targets on which they disagree:")
            lines.append("")
            lines += result.disagreements.map { "- \($0)" }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
