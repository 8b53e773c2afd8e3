import AuditData
import Foundation
import Gate
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning
import Yams


// MARK: - Checks across keys

extension AuditSpec {
    /// The attack that measures `metric` (`utility.*` needs none).
    static func attack(measuring metric: String) -> (name: String, attack: AuditAttacks)? {
        let prefix = metric.split(separator: ".").first.map(String.init) ?? metric
        return AuditAttacks.names.first { $0.0 == prefix }.map { (name: $0.0, attack: $0.1) }
    }

    /// Whether the attack that measures `metric` runs.
    func runs(metric: String) -> Bool {
        Self.attack(measuring: metric).map { attacks.contains($0.attack) } ?? true
    }

    /// The checks that involve more than one key, each naming the key path it is about.
    func check(_ root: SpecNode, rulesWritten: Bool) throws {
        if attacks.contains(.forgetQuality), gold < 1 {
            throw root.error(at: [.key("gold")], "forget_quality compares the target with gold models but gold is 0; "
                             + "set gold ≥ 1 (e.g. gold: 8) or remove forget_quality from attacks")
        }
        try checkShadows(root)
        if rulesWritten {
            try checkRules(root)
        } else if gate.rules.isEmpty {
            throw root.error(at: [.key("gate"), .key("rules")], "the default rules cover ulira, umia and forget_quality and none of them runs; "
                             + "write rules for the attacks that run, e.g. - {metric: svm.post_existence, at_most: 0.6}")
        } else if gold < 1, let rule = gate.rules.first(where: { $0.bound == .null }) {
            throw root.error(at: [.key("gold")], "the default rule \(rule) has a null bound, calibrated on gold models, but gold is 0; "
                             + "set gold ≥ 1 (e.g. gold: 8) or write gate.rules with fixed bounds")
        }
    }

    private func checkShadows(_ root: SpecNode) throws {
        let shadowAttacks = AuditAttacks.names.filter { [.ulira, .umia].contains($0.1) && attacks.contains($0.1) }.map(\.0)
        guard !shadowAttacks.isEmpty else { return }
        let users = shadowAttacks.joined(separator: " and ")
        let (need, run) = shadowAttacks.count > 1 ? ("need", "run") : ("needs", "runs")
        if shadows.count < 4 || !shadows.count.isMultiple(of: 2) {
            throw root.error(at: [.key("shadows"), .key("count")], "\(users) \(need) an even number of shadow models, at least 4, "
                             + "got \(shadows.count); use e.g. count: 16")
        }
        if case .adapter = target, shadows.method == nil {
            throw root.error(at: [.key("shadows"), .key("method")], "required when the target is an adapter and \(users) \(run): the shadows "
                             + "must apply the method the audited model claims, which an adapter cannot say; set it to one of: "
                             + UnlearningMethods.names.joined(separator: ", "))
        }
    }

    private func checkRules(_ root: SpecNode) throws {
        for (index, rule) in gate.rules.enumerated() {
            let at: [SpecPath.Component] = [.key("gate"), .key("rules"), .index(index)]
            if let needed = Self.attack(measuring: rule.metric), !attacks.contains(needed.attack) {
                throw root.error(at: at + [.key("metric")], "\(rule.metric) is measured by \(needed.name), which is not in attacks; "
                                 + "add \(needed.name) to attacks or remove this rule")
            }
            if rule.bound == .null, !AuditMetricNames.withNull.contains(rule.metric) {
                throw root.error(at: at, "\(rule.metric) has no null distribution (only the shadow attacks and forget quality are "
                                 + "scored on gold models); give it a fixed bound")
            }
            if rule.bound == .null, gold < 1 {
                throw root.error(at: at, "a null bound is calibrated on gold models but gold is 0; set gold ≥ 1 (e.g. gold: 8) or give a fixed bound")
            }
        }
    }
}
