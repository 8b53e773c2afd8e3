import Foundation
import Stats

/// RMIA (Zarifzadeh et al., ICML 2024, "Low-Cost High-Power Membership Inference Attacks") in the
/// unlearning setting, SPEC §5.7.
///
/// With p(x | θ) the scored model's probability of x's true class and p(x) the reference models'
/// average, LR(x, z) = [p(x | θ) / p(x)] / [p(z | θ) / p(z)], and Score(x) = the fraction of
/// population rows z with LR(x, z) ≥ γ. The population is rows no reference model trained on (the
/// validation and test splits), never D_f or D_h. Online: p(x) is the mean over all K references,
/// "in" (trained on x, then applied the audited method) and "out" alike. Offline (out references
/// only): p(x) ≈ ½[(1 + a)·p_OUT(x) + (1 − a)], p_OUT the mean over x's out references, and the
/// same rule for p(z) with every reference out. `a` is chosen as the paper describes: reference 0
/// is attacked with references 1…K−1 at each a ∈ {0, 0.1, …, 1}, keeping the a of the largest AUC
/// (the first on ties); pool examples without an out reference among 1…K−1 sit the tuning out.
/// Higher score = still looks trained on.
public struct RMIAAttack: MembershipAttack {
    public init() {}

    public let name = "rmia"
    public let title = "RMIA (relative membership inference)"
    public let summary = "Pairwise likelihood ratios of each example x against population rows z that no reference model "
        + "trained on: LR(x, z) = [p(x|θ)/p(x)] / [p(z|θ)/p(z)], p(·) the reference models' average probability of the true "
        + "class. The score is the fraction of z with LR ≥ γ. Online averages in and out references; offline uses out "
        + "references only, with p(x) ≈ ½[(1 + a)·p_OUT(x) + 1 − a]. It keeps its power with few reference models."
    public let needs: SignalNeeds = [.shadows, .population]
    public let variants = [
        ScoreVariant(name: "online", label: "RMIA online"),
        ScoreVariant(name: "offline", label: "RMIA offline"),
    ]
    public let valueMetrics: [ValueMetric] = []
    public var detailType: any AttackDetail.Type { RMIADetail.self }

    /// γ of the pairwise test LR(x, z) ≥ γ.
    public static let gamma = AttackOption(key: "rmia_gamma", kind: .number(1e-6...1e6), defaultValue: .number(1),
                                           help: "RMIA's γ: a population row counts when LR(x, z) ≥ γ")
    /// `a` of the offline approximation when it is not tuned (or cannot be).
    public static let offlineA = AttackOption(key: "rmia_offline_a", kind: .number(0...1), defaultValue: .number(0.3),
                                              help: "RMIA's offline a when it is not tuned, or cannot be (fewer than 2 references)")
    /// How a is chosen: `tuned` on the references, or `fixed` at `rmia_offline_a`.
    public static let offlineARule = AttackOption(key: "rmia_offline_a_rule", kind: .choice(["tuned", "fixed"]), defaultValue: .text("tuned"),
                                                  help: "RMIA's offline a: tuned by attacking reference 0 with the others, or fixed at rmia_offline_a")
    public var options: [AttackOption] { [Self.gamma, Self.offlineA, Self.offlineARule] }

    /// With gold models as references every example is out for every reference: offline only,
    /// with the fixed a (tuning a needs references that trained on part of the pool).
    public var goldReferencedVariants: [String] { ["offline"] }

    public func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        let references = try RMIAReferences(pool: table.shadows.map(\.trueClassProbability), membership: table.membership,
                                            population: table.shadows.map { $0.population ?? [] })
        let gamma = context.options.number(Self.gamma)
        var a = context.options.number(Self.offlineA)
        var tuning: RMIATuning?
        let goldReferenced = context.references == .golds
        if !goldReferenced && context.options.text(Self.offlineARule) == "tuned" {
            tuning = try references.tuneOfflineA(gamma: gamma)
            a = tuning?.a ?? a
        }
        let detail = RMIADetail(references: references.count, minimumInReferences: references.minimumIn,
                                minimumOutReferences: references.minimumOut, populationRows: references.populationCount,
                                gamma: gamma, offlineA: a, tuning: tuning, goldReferenced: goldReferenced ? true : nil)
        return Fitted(references: references, table: table, gamma: gamma, a: a, detail: detail, offlineOnly: goldReferenced)
    }

    struct Fitted: FittedAttack {
        let references: RMIAReferences
        let table: SignalTable
        let gamma: Double
        let a: Double
        let detail: RMIADetail
        /// True when the references are gold models: the online mean would mix nothing but out references.
        var offlineOnly = false

        func score(_ model: ScoredModel) throws -> AttackScoring? {
            let signals = table.signals(of: model)
            guard let population = signals.population else {
                throw AttackError(description: "RMIA needs \(signals.name)'s outputs on the population rows")
            }
            var scores = ["offline": try references.offline(target: signals.trueClassProbability, targetPopulation: population, a: a, gamma: gamma)]
            if !offlineOnly {
                scores["online"] = try references.online(target: signals.trueClassProbability, targetPopulation: population, gamma: gamma)
            }
            return AttackScoring(scores: scores, detail: model == .target ? detail : nil)
        }
    }
}

/// Reference models' true-class probabilities for RMIA: on the pool (K × M) with their membership,
/// and on the population (K × Z, every row out for every reference).
public struct RMIAReferences: Sendable {
    public let pool: [[Double]]
    public let membership: [[Bool]]
    public let population: [[Double]]

    /// - Throws: `AttackError` for no references, unequal shapes, a probability outside [0, 1] or
    ///   an empty population.
    public init(pool: [[Double]], membership: [[Bool]], population: [[Double]]) throws {
        guard !pool.isEmpty, let m = pool.first?.count, let z = population.first?.count else {
            throw AttackError(description: "RMIA needs at least one reference model with outputs on the pool and the population")
        }
        guard z > 0 else { throw AttackError(description: "RMIA needs population rows (rows no reference model trained on); the population is empty") }
        guard membership.count == pool.count, population.count == pool.count, pool.allSatisfy({ $0.count == m }),
              membership.allSatisfy({ $0.count == m }), population.allSatisfy({ $0.count == z }) else {
            throw AttackError(description: "RMIA's references disagree in shape: every reference needs one probability and one membership flag per pool example and one probability per population row")
        }
        if let bad = (pool + population).joined().first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw AttackError(description: "RMIA: a reference probability is \(bad), outside [0, 1]")
        }
        self.pool = pool
        self.membership = membership
        self.population = population
    }

    public var count: Int { pool.count }
    public var populationCount: Int { population.first?.count ?? 0 }
    /// The fewest in and out references any pool example has.
    public var minimumIn: Int { (0..<(pool.first?.count ?? 0)).map { x in membership.filter { $0[x] }.count }.min() ?? 0 }
    public var minimumOut: Int { (0..<(pool.first?.count ?? 0)).map { x in membership.filter { !$0[x] }.count }.min() ?? 0 }

    /// Online scores: p(x) and p(z) are the means over every reference.
    public func online(target: [Double], targetPopulation: [Double], gamma: Double) throws -> [Double] {
        try checkTarget(target, targetPopulation)
        let px = (0..<target.count).map { x in Self.mean(pool.indices.map { pool[$0][x] }) }
        let pz = (0..<targetPopulation.count).map { z in Self.mean(population.indices.map { population[$0][z] }) }
        return Self.scores(target: target, reference: px, targetPopulation: targetPopulation, referencePopulation: pz, gamma: gamma)
    }

    /// Offline scores with coefficient `a`: out references only.
    /// - Throws: `AttackError` when a pool example has no out reference.
    public func offline(target: [Double], targetPopulation: [Double], a: Double, gamma: Double) throws -> [Double] {
        try checkTarget(target, targetPopulation)
        var px: [Double] = []
        for x in 0..<target.count {
            let out = pool.indices.filter { !membership[$0][x] }.map { pool[$0][x] }
            guard !out.isEmpty else {
                throw AttackError(description: "RMIA offline: pool example \(x) has no out reference (every reference trained on it); leave every example out of some references")
            }
            px.append(Self.approximate(Self.mean(out), a: a))
        }
        let pz = (0..<targetPopulation.count).map { z in Self.approximate(Self.mean(population.indices.map { population[$0][z] }), a: a) }
        return Self.scores(target: target, reference: px, targetPopulation: targetPopulation, referencePopulation: pz, gamma: gamma)
    }

    /// Chooses the offline `a`: reference 0 is attacked with references 1…K−1 on the pool, its
    /// membership the labels; nil with fewer than 2 references or when the examples left (those
    /// with an out reference among 1…K−1) lack a member or a non-member.
    public func tuneOfflineA(gamma: Double) throws -> RMIATuning? {
        guard count >= 2 else { return nil }
        let others = try RMIAReferences(pool: Array(pool.dropFirst()), membership: Array(membership.dropFirst()),
                                        population: Array(population.dropFirst()))
        let usable = (0..<pool[0].count).filter { x in others.membership.contains { !$0[x] } }
        let labels = usable.map { membership[0][$0] }
        guard labels.contains(true), labels.contains(false) else { return nil }
        let kept = try RMIAReferences(pool: others.pool.map { row in usable.map { row[$0] } },
                                      membership: others.membership.map { row in usable.map { row[$0] } }, population: others.population)
        let target = usable.map { pool[0][$0] }
        var best: (a: Double, twiceU: Int)?
        var aucs: [Double] = []
        for step in 0...10 {
            let a = Double(step) / 10
            let scores = try kept.offline(target: target, targetPopulation: population[0], a: a, gamma: gamma)
            let twiceU = Self.twiceMannWhitney(scores, labels)
            aucs.append(Double(twiceU) / Double(2 * labels.filter { $0 }.count * labels.filter { !$0 }.count))
            if best == nil || twiceU > best!.twiceU { best = (a, twiceU) }
        }
        return RMIATuning(a: best!.a, aucs: aucs, examples: usable.count)
    }

    /// Score(x) = #{z : (target[x] / reference[x]) / (targetPopulation[z] / referencePopulation[z]) ≥ γ} / Z.
    ///
    /// For positive finite ratios the comparison is monotone in the population ratio, so each x
    /// binary-searches the sorted population ratios with that exact comparison: O((M + Z) log Z);
    /// otherwise (a zero or non-finite ratio) every pair is compared.
    static func scores(target: [Double], reference: [Double], targetPopulation: [Double], referencePopulation: [Double],
                       gamma: Double) -> [Double] {
        let rx = zip(target, reference).map { $0 / $1 }
        let rz = zip(targetPopulation, referencePopulation).map { $0 / $1 }
        let z = Double(rz.count)
        let regular = (rx + rz).allSatisfy { $0.isFinite && $0 > 0 }
        guard regular else {
            return rx.map { x in Double(rz.filter { x / $0 >= gamma }.count) / z }
        }
        let sorted = rz.sorted()
        return rx.map { x in
            var low = 0, high = sorted.count  // the comparison holds on sorted[..<low] and fails from high on
            while low < high {
                let mid = (low + high) / 2
                if x / sorted[mid] >= gamma { low = mid + 1 } else { high = mid }
            }
            return Double(low) / z
        }
    }

    /// p_IN ≈ a·p_OUT + (1 − a), so p(x) = ½(p_IN + p_OUT) ≈ ½[(1 + a)·p_OUT + (1 − a)].
    static func approximate(_ out: Double, a: Double) -> Double { 0.5 * ((1 + a) * out + (1 - a)) }

    /// Mean in the given order.
    static func mean(_ values: [Double]) -> Double {
        var sum = 0.0
        for value in values { sum += value }
        return sum / Double(values.count)
    }

    /// 2U of the Mann–Whitney statistic (a member above a non-member counts 2, a tie 1): the AUC
    /// times 2·positives·negatives, exact in integers.
    static func twiceMannWhitney(_ scores: [Double], _ labels: [Bool]) -> Int {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var total = 0, negativesBelow = 0, index = 0
        while index < order.count {
            var end = index, positives = 0, negatives = 0
            while end < order.count, scores[order[end]] == scores[order[index]] {
                if labels[order[end]] { positives += 1 } else { negatives += 1 }
                end += 1
            }
            total += 2 * positives * negativesBelow + positives * negatives
            negativesBelow += negatives
            index = end
        }
        return total
    }

    private func checkTarget(_ target: [Double], _ targetPopulation: [Double]) throws {
        guard target.count == (pool.first?.count ?? 0), targetPopulation.count == populationCount else {
            throw AttackError(description: "RMIA: the scored model has \(target.count) pool and \(targetPopulation.count) population probabilities; the references have \(pool.first?.count ?? 0) and \(populationCount)")
        }
    }
}

/// How RMIA's offline a was chosen.
public struct RMIATuning: Codable, Equatable, Sendable {
    /// The a with the largest AUC.
    public let a: Double
    /// The AUC of attacking reference 0 at each a of 0, 0.1, …, 1.
    public let aucs: [Double]
    /// Pool examples the tuning scored.
    public let examples: Int
}

/// What RMIA reports besides its metrics: how many references it used and how a was set.
public struct RMIADetail: AttackDetail, Equatable {
    public let references: Int
    public let minimumInReferences: Int
    public let minimumOutReferences: Int
    public let populationRows: Int
    public let gamma: Double
    /// The offline a used.
    public let offlineA: Double
    /// Nil when a was not tuned (turned off, fewer than 2 references, or gold references).
    public let tuning: RMIATuning?
    /// True when the gold models were the references (the fast profile); absent otherwise.
    public var goldReferenced: Bool? = nil

    enum CodingKeys: String, CodingKey {
        case references, gamma, tuning, goldReferenced = "gold_referenced"
        case minimumInReferences = "minimum_in_references", minimumOutReferences = "minimum_out_references"
        case populationRows = "population_rows", offlineA = "offline_a"
    }

    public var presentation: [DetailBlock] {
        let how = tuning.map { "tuned on the references (attacking reference 0 with the others on \($0.examples) pool examples: AUC "
            + "\(DetailFormat.fixed($0.aucs.max())) at the chosen a)" } ?? "not tuned"
        let referenceModels = goldReferenced == true
            ? "\(references) gold models, every example out (fast profile; each gold model's null value against the others)"
            : "\(references) (at least \(minimumInReferences) in and \(minimumOutReferences) out per example)"
        return [.facts([
            DetailFact("Reference models", referenceModels),
            DetailFact("Population rows z", "\(populationRows)"),
            DetailFact("γ", DetailFormat.fixed(gamma, digits: 2)),
            DetailFact("Offline a", "\(DetailFormat.fixed(offlineA, digits: 1)), \(how)"),
        ])]
    }
}
