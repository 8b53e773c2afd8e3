import Foundation
import Stats

/// A metric as the suite measured it on the audited model: its value, its interval when it has
/// one (an AUC's DeLong 95% interval), and its distribution over the gold models.
public struct MetricMeasurement: Sendable, Equatable {
    public let value: Double
    /// [lower, upper], or nil for a point value.
    public let interval: [Double]?
    public let null: NullDistribution?
    /// True for a p-value (the gate's probit scale).
    public let isPValue: Bool
    /// Why the metric cannot decide anything (`AttackScoring.undecidable`).
    public let undecidable: String?

    public init(value: Double, interval: [Double]? = nil, null: NullDistribution? = nil, isPValue: Bool = false, undecidable: String? = nil) {
        self.value = value
        self.interval = interval
        self.null = null
        self.isPValue = isPValue
        self.undecidable = undecidable
    }
}

/// One attack's results on the audited model, as reports keep them.
public struct AttackResult: Codable, Equatable, Sendable {
    /// The registry name, e.g. `ulira`.
    public let attack: String
    public let title: String
    /// Metrics of each score variant's scores on D_f (1) vs D_h (0), by variant name.
    public let variants: [String: AttackMetrics]
    /// Value metrics by name.
    public let values: [String: Double]
    /// Each metric's distribution with the gold models scored as the target, by full metric name.
    public let nulls: [String: NullDistribution]
    /// The option values used.
    public let options: [String: AttackOptionValue]
    /// The attack's own detail (see `AttackRegistry.presentation`).
    public let detail: JSONValue?

    public init(attack: String, title: String, variants: [String: AttackMetrics], values: [String: Double],
                nulls: [String: NullDistribution], options: [String: AttackOptionValue], detail: JSONValue?) {
        self.attack = attack
        self.title = title
        self.variants = variants
        self.values = values
        self.nulls = nulls
        self.options = options
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey { case attack, title, variants, values, nulls, options, detail }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(attack, forKey: .attack)
        try container.encode(title, forKey: .title)
        try container.encode(variants, forKey: .variants)
        try container.encode(values, forKey: .values)
        try container.encode(nulls, forKey: .nulls)
        try container.encode(options, forKey: .options)
        try container.encode(detail, forKey: .detail)
    }
}

/// What `AttackSuite.run` found: each attack's result in the order run, every metric by name and
/// the audited model's per-example scores (for ROC curves).
public struct AttackSuiteResult: Sendable {
    public let results: [AttackResult]
    /// Every metric of every attack by full name (`ulira.online.auc`); non-finite values are left out.
    public let measurements: [String: MetricMeasurement]
    /// Scores by curve key `<attack>.<variant>`, pool order.
    public let scores: [String: [Double]]
}

/// Runs attacks over a signal table (SPEC §5, §6, §8): fits each attack once, scores the audited
/// model, turns its scores into metrics, and scores every gold model the same way for the nulls.
public enum AttackSuite {
    /// Runs `attacks` on `table`, in the order given.
    /// - Throws: the first attack's error, or `AttackError` when an attack needs signals the table lacks.
    /// With `references: .golds` (the fast profile) an attack that fits reference models is fitted
    /// on the gold models instead of shadows (`SignalTable.goldReferenced`), and gold model g is
    /// scored for the nulls by the attack fitted on the other gold models (`goldLeftOut`).
    public static func run(_ attacks: [any MembershipAttack], on table: SignalTable,
                           options: AttackOptionValues = AttackOptionValues(),
                           references: ReferenceSource = .shadows) throws -> AttackSuiteResult {
        var results: [AttackResult] = []
        var measurements: [String: MetricMeasurement] = [:]
        var scores: [String: [Double]] = [:]
        for attack in attacks {
            let goldReferenced = references == .golds && attack.usesReferenceModels
            let fitted: any FittedAttack
            let scoreGold: (Int) throws -> AttackScoring?
            if goldReferenced {
                try checkGoldReferenced(attack, table)
                let context = AttackContext(options: options, references: .golds)
                fitted = try attack.fit(try table.goldReferenced(), context: context)
                scoreGold = { g in try attack.fit(try table.goldLeftOut(g), context: context).score(.target) }
            } else {
                try check(attack, table)
                let plain = try attack.fit(table, context: AttackContext(options: options))
                fitted = plain
                scoreGold = { g in try plain.score(.gold(g)) }
            }
            guard let target = try fitted.score(.target) else {
                throw AttackError(description: "\(attack.name) gave no scores for the audited model; this is a bug in the attack", status: .software)
            }
            let variants = try variantMetrics(attack, target, labels: table.labels, model: "audited model")
            let audited = metricValues(attack, variants: variants, values: target.values)
            let nulls = try nullDistributions(attack, golds: table.golds.count, scoreGold, labels: table.labels, audited: audited)
            for variant in attack.variants where variants[variant.name] != nil {
                scores["\(attack.name).\(variant.name)"] = target.scores[variant.name]
            }
            let pValues = Set(attack.valueMetrics.filter(\.isPValue).map { "\(attack.name).\($0.name)" })
            for (name, value) in audited where value.isFinite {
                measurements[name] = MetricMeasurement(value: value, null: nulls[name], isPValue: pValues.contains(name),
                                                       undecidable: target.undecidable)
            }
            for (variant, metrics) in variants where metrics.auc.isFinite {
                let name = "\(attack.name).\(variant).auc"
                measurements[name] = MetricMeasurement(value: metrics.auc, interval: metrics.aucInterval, null: nulls[name],
                                                       undecidable: target.undecidable)
            }
            results.append(AttackResult(attack: attack.name, title: attack.title, variants: variants, values: target.values,
                                        nulls: nulls, options: options.resolved(attack.options),
                                        detail: try target.detail.map { try JSONValue(encoding: $0) }))
        }
        return AttackSuiteResult(results: results, measurements: measurements, scores: scores)
    }

    /// `AttackMetrics` of each variant's scores against the pool's labels.
    static func variantMetrics(_ attack: any MembershipAttack, _ scoring: AttackScoring, labels: [Bool],
                               model: String) throws -> [String: AttackMetrics] {
        var metrics: [String: AttackMetrics] = [:]
        for variant in attack.variants {
            guard let series = scoring.scores[variant.name] else { continue }
            metrics[variant.name] = try AttackMetrics(scores: series, labels: labels, naturalThreshold: variant.naturalThreshold,
                                                      scoresInput: "\(model) \(attack.name) \(variant.name) scores")
        }
        return metrics
    }

    /// Every metric value by full name: `<attack>.<variant>.auc`, `.accuracy` where the variant
    /// reports it, and `<attack>.<value>`.
    static func metricValues(_ attack: any MembershipAttack, variants: [String: AttackMetrics],
                             values: [String: Double]) -> [String: Double] {
        var result: [String: Double] = [:]
        for variant in attack.variants {
            guard let metrics = variants[variant.name] else { continue }
            result["\(attack.name).\(variant.name).auc"] = metrics.auc
            if variant.reportsAccuracy, let accuracy = metrics.balancedAccuracyAtNaturalThreshold {
                result["\(attack.name).\(variant.name).accuracy"] = accuracy
            }
        }
        for (name, value) in values { result["\(attack.name).\(name)"] = value }
        return result
    }

    /// The signals `attack` needs, checked before fitting so the message names the attack.
    static func check(_ attack: any MembershipAttack, _ table: SignalTable) throws {
        let needs = attack.needs
        func missing(_ what: String) -> AttackError {
            AttackError(description: "\(attack.name) needs \(what), which this audit did not collect; \(attack.name == "forget_quality" ? "set gold ≥ 1" : "check the references and the attacks list")")
        }
        if needs.contains(.shadows), table.shadows.isEmpty { throw missing("shadow models") }
        if needs.contains(.golds), table.golds.isEmpty { throw missing("gold models") }
        if needs.contains(.original), table.original == nil { throw missing("the original model's outputs") }
        if needs.contains(.calibration), table.calibration == nil { throw missing("the original's outputs on rows of known membership") }
        if needs.contains(.population) {
            guard table.target.population != nil, table.shadows.allSatisfy({ $0.population != nil }) else {
                throw missing("outputs on population rows")
            }
        }
        if needs.contains(.truthRatios) {
            guard table.target.truthRatios != nil, table.golds.allSatisfy({ $0.truthRatios != nil }) else { throw missing("truth ratios") }
        }
    }

    /// The signals a gold-referenced attack needs: at least 2 gold models (each is scored against
    /// the others), with population outputs for RMIA; the rest as `check` asks.
    static func checkGoldReferenced(_ attack: any MembershipAttack, _ table: SignalTable) throws {
        guard !attack.goldReferencedVariants.isEmpty else {
            throw AttackError(description: "\(attack.name) cannot use gold models as its references (the fast profile); run it with profile: full")
        }
        guard table.golds.count >= 2 else {
            throw AttackError(description: "\(attack.name) with gold models as references needs at least 2 of them (each is scored against the others), got \(table.golds.count); set gold ≥ 2, 16 for a gate")
        }
        if attack.needs.contains(.population) {
            guard table.target.population != nil, table.golds.allSatisfy({ $0.population != nil }) else {
                throw AttackError(description: "\(attack.name) needs outputs on population rows from the audited model and every gold model, which this audit did not collect")
            }
        }
        var rest = attack.needs
        rest.remove([.shadows, .population])
        try check(RequirementsOnly(name: attack.name, needs: rest), table)
    }

    /// Every metric of `attack` with each gold model scored as the target, by full metric name;
    /// empty when the attack cannot score gold models in this table.
    static func nullDistributions(_ attack: any MembershipAttack, golds: Int, _ scoreGold: (Int) throws -> AttackScoring?, labels: [Bool],
                                  audited: [String: Double]) throws -> [String: NullDistribution] {
        var perGold: [[String: Double]] = []
        for g in 0..<golds {
            guard let scoring = try scoreGold(g) else { return [:] }
            let variants = try variantMetrics(attack, scoring, labels: labels, model: "gold \(g)")
            perGold.append(metricValues(attack, variants: variants, values: scoring.values))
        }
        guard !perGold.isEmpty else { return [:] }
        var nulls: [String: NullDistribution] = [:]
        for (name, value) in audited {
            let series = perGold.compactMap { $0[name] }
            if series.count == perGold.count { nulls[name] = NullDistribution(values: series, audited: value) }
        }
        return nulls
    }
}

/// An attack's needs alone, for checking a table without the attack.
private struct RequirementsOnly: MembershipAttack {
    let name: String
    let needs: SignalNeeds
    var title: String { name }
    var summary: String { "" }
    var variants: [ScoreVariant] { [] }
    var valueMetrics: [ValueMetric] { [] }
    var detailType: any AttackDetail.Type { ULiRADetail.self }
    func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        throw AttackError(description: "\(name): a requirements check cannot be fitted", status: .software)
    }
}
