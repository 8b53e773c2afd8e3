import Audit
import AuditData
import Foundation
import Gate
import MembershipInference
import Stats

/// Renders the method comparison: means ± population sd over seeds, then every seed's intervals.
struct ResultsMarkdown {
    let trials: [MethodTrial]
    let ablation: [MethodTrial]
    let original: ModelUtility
    let dataSet: PairDataSet
    let shadows: Int
    let gold: Int
    let seeds: Int
    let threads: Int
    let totalSeconds: Double

    /// The criteria an auditor's gate would apply here (SPEC §8's example rules, on intervals).
    static func passes(_ trial: MethodTrial) -> Bool {
        trial.ulira.aucInterval[0] <= 0.5 && trial.umia.metrics.aucInterval[0] <= 0.5
            && trial.umiaCrossValidated.metrics.aucInterval[0] <= 0.5 && trial.forgetQuality.medianPValue >= 0.05
            && !trial.ulira.aucBelowChance
    }

    static func methods(_ trials: [MethodTrial]) -> [String] {
        var seen: [String] = []
        for trial in trials where !seen.contains(trial.method) { seen.append(trial.method) }
        return seen
    }

    func runs(of method: String) -> [MethodTrial] { (trials + ablation).filter { $0.method == method } }

    /// "mean ± sd" with `digits` decimals (sd omitted for one seed).
    func spread(_ values: [Double], _ digits: Int = 3) -> String {
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        let format = "%.\(digits)f"
        return values.count > 1 ? String(format: format, mean) + " ± " + String(format: format, sd) : String(format: format, mean)
    }

    func render() -> String {
        let retrainTime = runs(of: "retrain").map(\.seconds)
        let retrainMean = retrainTime.isEmpty ? nil : retrainTime.reduce(0, +) / Double(retrainTime.count)
        var lines: [String] = []
        lines.append("# Unlearning methods compared on \(dataSet.manifest.name)")
        lines.append("")
        lines.append("Regenerate with `miaudit results methods --out docs/results.md` (release build). Data set \(dataSet.manifest.name), "
                     + "\(dataSet.count) pairs, digest `\(dataSet.digest.prefix(16))…`; forget \(trials.first?.forgetQuality.tests.first?.n1 ?? 0) rows. "
                     + "Each method unlearns the forget split from the same original model with \(seeds) seeds (0…\(seeds - 1)); "
                     + "figures are mean ± population sd over those seeds. U-LiRA and U-MIA use \(shadows) shadows that apply the same method; "
                     + "forget quality is the median KS p against \(gold) gold models retrained on the retain split. "
                     + String(format: "%d BLAS thread(s); the whole run took %.0f s.", threads, totalSeconds))
        lines.append("")
        lines.append(String(format: "The original model: test ITM %.3f; forget match %.3f, holdout match %.3f, random forget pairs %.3f.",
                            original.testITMAccuracy, original.forgetMatchAccuracy, original.holdoutMatchAccuracy,
                            original.forgetMismatchedMatchRate ?? .nan))
        lines.append("")
        lines += tables(trials, retrainMean: retrainMean)
        lines += conclusion()
        if !ablation.isEmpty {
            lines.append("## Ablation")
            lines.append("")
            lines.append("The published `multidelete` with one loss weight set to 0 (α for L_MD, β for L_MKR, γ for L_UKR), everything else unchanged.")
            lines.append("")
            lines += tables(ablation, retrainMean: retrainMean)
        }
        lines.append("## Every seed, with intervals (DeLong 95%)")
        lines.append("")
        lines.append("| method | seed | U-LiRA AUC | U-MIA AUC | U-MIA (CV) AUC | forget quality p (per gold model) |")
        lines.append("|---|---|---|---|---|---|")
        func interval(_ m: AttackMetrics) -> String { String(format: "%.3f [%.3f, %.3f]", m.auc, m.aucInterval[0], m.aucInterval[1]) }
        for trial in trials + ablation {
            lines.append("| `\(trial.method)` | \(trial.seed) | \(interval(trial.ulira)) | \(interval(trial.umia.metrics)) | "
                         + "\(interval(trial.umiaCrossValidated.metrics)) | "
                         + String(format: "%.3g (", trial.forgetQuality.medianPValue)
                         + trial.forgetQuality.tests.map { String(format: "%.2g", $0.pvalue) }.joined(separator: ", ") + ") |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "3 pass" or "2 pass, 1 fail": the gate outcomes over a method's seeds.
    static func gateSummary(_ trials: [MethodTrial]) -> String {
        RuleOutcome.allCases.compactMap { outcome in
            let count = trials.filter { $0.gate.outcome == outcome }.count
            return count > 0 ? "\(count) \(outcome.rawValue)" : nil
        }.joined(separator: ", ")
    }

    /// Plain words: which methods an auditor would pass.
    func conclusion() -> [String] {
        var lines = ["## What an auditor would conclude", ""]
        let all = Self.methods(trials)
        let passing = all.filter { m in runs(of: m).allSatisfy { $0.gate.outcome == .pass } }
        let some = all.filter { m in !passing.contains(m) && runs(of: m).contains { $0.gate.outcome == .pass } }
        let never = all.filter { m in !runs(of: m).contains { $0.gate.outcome == .pass } }
        func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.map { "`\($0)`" }.joined(separator: ", ") }
        lines.append("With the default gate, an auditor would pass \(list(passing)) on every seed, "
                     + "pass \(list(some)) on some seeds only, and fail \(list(never)).")
        for method in all {
            let t = runs(of: method)
            let u = t.map(\.utility)
            let forget = u.map(\.forgetMatchAccuracy).reduce(0, +) / Double(u.count)
            let random = u.map { $0.forgetMismatchedMatchRate ?? .nan }.reduce(0, +) / Double(u.count)
            let holdout = u.map(\.holdoutMatchAccuracy).reduce(0, +) / Double(u.count)
            let failing = Set(t.flatMap { $0.gate.results.filter { $0.outcome != .pass }.map(\.rule.metric) }).sorted()
            var sentence = "- `\(method)`: " + String(format: "D_f match %.2f against %.2f on never-seen holdout pairs", forget, holdout)
            if forget < random + 0.05 && holdout > forget + 0.2 {
                sentence += String(format: " and %.2f on random pairs: over-unlearning, the forget set now looks *less* familiar than data never seen", random)
            }
            sentence += failing.isEmpty ? "; every rule passes." : "; rules not passed on some seed: " + failing.joined(separator: ", ") + "."
            lines.append(sentence)
        }
        lines.append("")
        return lines
    }

    /// The utility table and the attack table for `trials`' methods.
    func tables(_ group: [MethodTrial], retrainMean: Double?) -> [String] {
        let methods = Self.methods(group)
        var lines: [String] = []
        lines.append("### Utility and forgetting")
        lines.append("")
        lines.append("| method | time (s) | × retrain | test ITM | I→T R@1 / R@5 / R@10 | T→I R@1 / R@5 / R@10 | D_f match | random D_f pairs | holdout match | D_r match |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for method in methods {
            let t = runs(of: method)
            let u = t.map(\.utility)
            func recall(_ direction: KeyPath<MatchingUtilityRecallView, [String: Double]>) -> String {
                ["1", "5", "10"].map { k in spread(u.map { MatchingUtilityRecallView($0)[keyPath: direction][k] ?? .nan }) }
                    .joined(separator: " / ")
            }
            let ratio = retrainMean.map { String(format: "%.3f", t.map(\.seconds).reduce(0, +) / Double(t.count) / $0) } ?? "–"
            lines.append("| `\(method)` | \(spread(t.map(\.seconds), 2)) | \(ratio) | \(spread(u.map(\.testITMAccuracy))) | "
                         + "\(recall(\.imageToText)) | \(recall(\.textToImage)) | \(spread(u.map(\.forgetMatchAccuracy))) | "
                         + "\(spread(u.map { $0.forgetMismatchedMatchRate ?? .nan })) | \(spread(u.map(\.holdoutMatchAccuracy))) | "
                         + "\(spread(u.map(\.retainMatchAccuracy))) |")
        }
        lines.append("")
        lines.append("### Attacks")
        lines.append("")
        lines.append("SVM: existence probability of D_f under the original (prior) and the unlearned model (post), and of the holdout under the unlearned model. "
                     + "AUCs: D_f (1) vs holdout (0), ideal 0.5.")
        lines.append("")
        lines.append("| method | SVM prior | SVM post | SVM holdout | forget quality p | log10 p | U-LiRA AUC | U-MIA AUC | U-MIA acc | U-MIA (CV) AUC | fixed rules | gate (null-calibrated) |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for method in methods {
            let t = runs(of: method)
            let passed = t.filter(Self.passes).count
            lines.append("| `\(method)` | \(spread(t.map(\.svm.priorExistence))) | \(spread(t.map(\.svm.postExistence))) | "
                         + "\(spread(t.map(\.svm.holdoutExistence))) | \(spread(t.map(\.forgetQuality.medianPValue), 3)) | "
                         + "\(spread(t.map { log10(max($0.forgetQuality.medianPValue, 1e-300)) }, 1)) | \(spread(t.map(\.ulira.auc))) | "
                         + "\(spread(t.map(\.umia.metrics.auc))) | \(spread(t.map(\.umia.accuracy))) | "
                         + "\(spread(t.map(\.umiaCrossValidated.metrics.auc))) | \(passed)/\(t.count) | \(Self.gateSummary(t)) |")
        }
        lines.append("")
        lines.append("\"fixed rules\" counts the seeds that pass fixed bounds: every AUC interval (U-LiRA online, U-MIA, "
                     + "U-MIA cross-validated) reaches 0.5 or below, U-LiRA is not below chance (over-unlearning), and forget quality's median p ≥ 0.05. "
                     + "\"gate\" is the gate an audit applies by default (docs/method.md §8, docs/gate.md): U-LiRA's and U-MIA's AUCs and forget "
                     + "quality's median p, each tested against the \(gold) gold models scored as targets (a prediction-interval t test "
                     + "widened by κ = 1.5), with Holm's step-down across the four rules at α = 0.05.")
        lines.append("")
        lines.append("")
        return lines
    }
}

/// Recall dictionaries of a utility, nil-safe.
struct MatchingUtilityRecallView {
    let imageToText: [String: Double]
    let textToImage: [String: Double]
    init(_ utility: ModelUtility) {
        imageToText = utility.testRecall?.imageToText ?? [:]
        textToImage = utility.testRecall?.textToImage ?? [:]
    }
}
