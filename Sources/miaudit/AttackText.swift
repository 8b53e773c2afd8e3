import Foundation
import MembershipInference

/// An attack's result as lines of text: the same content for every attack, from the registry.
enum AttackText {
    static func lines(_ result: AttackResult, attack: (any MembershipAttack)?) -> [String] {
        var lines: [String] = []
        let variants = attack?.variants.map(\.name) ?? result.variants.keys.sorted()
        for name in variants {
            guard let metrics = result.variants[name] else { continue }
            lines.append(self.metrics(name, metrics))
            for suffix in ["auc", "accuracy"] {
                if let line = null("\(result.attack).\(name).\(suffix)", result) { lines.append(line) }
            }
        }
        for name in (attack?.valueMetrics.map(\.name) ?? result.values.keys.sorted()) {
            guard let value = result.values[name] else { continue }
            let shown = name.contains("pvalue") ? String(format: "%.4g", value) : String(format: "%.3f", value)
            lines.append("\(name.replacingOccurrences(of: "_", with: " ")): \(shown)")
            if let line = null("\(result.attack).\(name)", result) { lines.append(line) }
        }
        for block in AttackRegistry.presentation(of: result) {
            switch block {
            case let .paragraph(text): lines.append(text)
            case let .facts(facts): lines += facts.map { "\($0.label): \($0.value)" }
            case let .table(headers, rows): lines += rows.map { zip(headers, $0).map { "\($0) \($1)" }.joined(separator: ", ") }
            case let .note(text, warning): lines.append((warning ? "warning: " : "") + text)
            }
        }
        return lines
    }

    static func metrics(_ label: String, _ m: AttackMetrics) -> String {
        let tpr = m.tprAtFPR["0.01"].flatMap { $0 }.map { String(format: "%.3f", $0.tpr) } ?? "undefined"
        return String(format: "%@: AUC %.3f [%.3f, %.3f]%@, balanced accuracy %.3f, advantage %.3f, TPR at 1%% FPR %@",
                      label, m.auc, m.aucInterval[0], m.aucInterval[1],
                      m.detects ? " — detects the forget set" : (m.aucBelowChance ? " — below chance (over-unlearning?)" : ""),
                      m.balancedAccuracy, m.advantage, tpr)
    }

    static func null(_ name: String, _ result: AttackResult) -> String? {
        guard let null = result.nulls[name] else { return nil }
        return String(format: "  null from %d gold models (%@): 95th percentile %.3f, max %.3f; audited %.3f sits at percentile %.0f",
                      null.size, name, null.percentile95, null.maximum, null.audited, null.auditedPercentile)
    }
}
