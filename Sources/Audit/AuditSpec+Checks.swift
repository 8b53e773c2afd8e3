import Foundation
import Gate
import MembershipInference
import ReferenceModels
import Unlearning

// MARK: - Checks across keys

extension AuditSpec {
    /// The attacks the spec runs, in registry order.
    public var attackList: [any MembershipAttack] { attacks.compactMap(AttackRegistry.named) }

    /// Whether the attack that measures `metric` runs (`utility.*` needs none).
    func runs(metric: String) -> Bool {
        AttackRegistry.attack(measuring: metric).map { attacks.contains($0.name) } ?? true
    }

    /// The checks that involve more than one key, each naming the key path it is about.
    func check(_ root: SpecNode, rulesWritten: Bool) throws {
        if let attack = attackList.first(where: { $0.needs.contains(.golds) }), gold < 1 {
            throw root.error(at: [.key("gold")], "\(attack.name) compares the target with gold models but gold is 0; "
                             + "set gold ≥ 1 (e.g. gold: 8) or remove \(attack.name) from attacks")
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
        let shadowAttacks = attackList.filter { $0.needs.contains(.shadows) }.map(\.name)
        if profile == .fast {
            if let attack = attackList.first(where: { $0.usesReferenceModels && $0.goldReferencedVariants.isEmpty }) {
                throw root.error(at: [.key("attacks")], "\(attack.name) needs shadow models, which the fast profile does not train; "
                                 + "remove it or use profile: full")
            }
            if root.descendant([.key("shadows")]) != nil {
                throw root.error(at: [.key("shadows")], "the fast profile trains no shadows (its attacks use the gold models as references); "
                                 + "remove shadows or use profile: full")
            }
            if !shadowAttacks.isEmpty, gold < 2 {
                throw root.error(at: [.key("gold")], "the fast profile scores each gold model against the others, so it needs gold ≥ 2 "
                                 + "(16 for a gate), got \(gold)")
            }
            return
        }
        guard !shadowAttacks.isEmpty else { return }
        let users = shadowAttacks.count > 2
            ? shadowAttacks.dropLast().joined(separator: ", ") + " and " + shadowAttacks.last!
            : shadowAttacks.joined(separator: " and ")
        let (need, run) = shadowAttacks.count > 1 ? ("need", "run") : ("needs", "runs")
        if shadows.count < KeepMatrix.minimumShadows || !shadows.count.isMultiple(of: 2) {
            throw root.error(at: [.key("shadows"), .key("count")], "\(users) \(need) an even number of shadow models, at least "
                             + "\(KeepMatrix.minimumShadows), got \(shadows.count); use e.g. count: 16")
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
            if let needed = AttackRegistry.attack(measuring: rule.metric), !attacks.contains(needed.name) {
                throw root.error(at: at + [.key("metric")], "\(rule.metric) is measured by \(needed.name), which is not in attacks; "
                                 + "add \(needed.name) to attacks or remove this rule")
            }
            if profile == .fast, let needed = AttackRegistry.attack(measuring: rule.metric), needed.usesReferenceModels,
               !needed.goldReferencedVariants.contains(where: { rule.metric.hasPrefix("\(needed.name).\($0).") }) {
                throw root.error(at: at + [.key("metric")], "\(rule.metric) needs shadow models, which the fast profile does not train; "
                                 + "use " + needed.goldReferencedVariants.map { "\(needed.name).\($0).auc" }.joined(separator: " or ")
                                 + ", or profile: full")
            }
            if rule.bound == .null, !AuditMetricNames.withNull.contains(rule.metric) {
                throw root.error(at: at, "\(rule.metric) has no null distribution (only the attacks' metrics are scored on gold "
                                 + "models); give it a fixed bound")
            }
            if rule.bound == .null, gold < 1 {
                throw root.error(at: at, "a null bound is calibrated on gold models but gold is 0; set gold ≥ 1 (e.g. gold: 8) or give a fixed bound")
            }
        }
    }
}
