import AuditData
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NumericCore
import ReferenceModels
import Stats
import Unlearning

/// How often the gate passes, fails and is inconclusive, for exact retraining and for unlearning
/// methods that should fail (SPEC §8), under the first rule and the revised one.
///
/// For each audit seed: a pool of gold models, shadows applying each audited method, and every
/// target audited against them with the default rules. Exact retraining is `retrained` models
/// trained on D_r exactly as the gold models are, only the seed differing (shared by the audit
/// seeds), plus each gold model left out of the pool in turn. The bad methods are applied to the
/// original with several unlearning seeds. For G in `counts`, `draws` random G-subsets of the
/// pool (the whole pool when G equals it) calibrate the rules; forget quality is recomputed on each
/// subset from the KS p-values between the models. Retrained targets with their U-LiRA AUC
/// shifted up measure the power. Every model is cached; the seeds derive from the study's.
public enum GateStudy {
    public struct Settings: Sendable {
        public var data: String
        public var original: String
        public var cache: String
        public var toolVersion: String
        public var auditSeeds: [UInt64] = [0, 1]
        public var goldModels = 32
        public var shadows = 16
        public var retrained = 40
        public var methods = ["none", "multidelete", "multidelete-calibrated", "finetune", "neggrad", "dtd"]
        public var methodSeeds = 3
        public var counts = [8, 16, 32]
        public var draws = 20
        public var kappas = [1.0, 1.25, 1.5, 2.0]
        public var shifts = [0.04, 0.08]
        public var collapseAccuracy = 0.55

        public init(data: String, original: String, cache: String, toolVersion: String) {
            self.data = data
            self.original = original
            self.cache = cache
            self.toolVersion = toolVersion
        }
    }

    /// The default rules' metrics.
    static let aucMetrics = ["ulira.online.auc", "umia.shadow.auc", "umia.cross_validated.auc"]
    static let qualityMetric = "forget_quality.median_pvalue"

    /// One audited target under one audit seed.
    struct Target {
        let group: String
        let seed: UInt64
        /// Each AUC metric's value and DeLong interval.
        let aucs: [String: (value: Double, interval: [Double])]
        /// KS p of the target's forget-set truth ratios against each pool gold model (nil: itself).
        let quality: [Double?]
        /// U-MIA's AUCs with φ alone, for the feature comparison.
        let liraOnlyUMIA: (shadow: Double, crossValidated: Double)
        /// Whether the reference check finds it like its shadows; an audit of one that is not is
        /// inconclusive under the revised rule.
        var resembles = true
    }

    /// What one audit seed's pool gives every target: the gold models' null values and their KS matrix.
    struct Pool {
        let seed: UInt64
        /// Null values by method group, then metric, in pool order.
        let nulls: [String: [String: [Double]]]
        /// Whether each gold model, audited as a claim of `retrain`, resembles its shadows (the reference check).
        var goldsResemble: [Bool] = []
        /// p of gold i's forget-set truth ratios against gold j's.
        let quality: [[Double]]
        let targets: [Target]
    }

    /// Outcome counts.
    public struct Tally: Codable, Sendable, Equatable {
        public var pass = 0, inconclusive = 0, fail = 0
        public var total: Int { pass + inconclusive + fail }

        mutating func add(_ outcome: RuleOutcome) {
            switch outcome {
            case .pass: pass += 1
            case .inconclusive: inconclusive += 1
            case .fail: fail += 1
            }
        }
    }

    /// One row of the result: a target group under a rule at G gold models.
    public struct Row: Codable, Sendable {
        public let group: String
        public let rule: String
        public let goldModels: Int
        public let kappa: Double?
        public let tally: Tally
        public let targets: Int

        enum CodingKeys: String, CodingKey { case group, rule, kappa, tally, targets, goldModels = "gold_models" }
    }

    /// How much more retrained targets vary than the gold models, per metric and audit seed.
    public struct Spread: Codable, Sendable {
        public let auditSeed: UInt64
        public let metric: String
        public let targetSD: Double
        public let goldSD: Double
        public let ratio: Double
        /// Permutation p of a ratio at least this large under equal spreads.
        public let pvalue: Double

        enum CodingKeys: String, CodingKey {
            case metric, ratio, pvalue
            case auditSeed = "audit_seed", targetSD = "target_sd", goldSD = "gold_sd"
        }
    }

    /// U-MIA's AUCs on retrained targets with every signal and with φ alone.
    public struct FeatureComparison: Codable, Sendable {
        public let auditSeed: UInt64
        public let group: String
        public let allShadow: [Double]
        public let allCrossValidated: [Double]
        public let liraShadow: [Double]
        public let liraCrossValidated: [Double]

        enum CodingKeys: String, CodingKey {
            case group
            case auditSeed = "audit_seed", allShadow = "all_shadow", allCrossValidated = "all_cross_validated"
            case liraShadow = "lira_shadow", liraCrossValidated = "lira_cross_validated"
        }
    }

    public struct Result: Codable, Sendable {
        public let dataSet: String
        public let dataSetDigest: String
        public let auditSeeds: [UInt64]
        public let goldModels: Int
        public let shadows: Int
        public let retrained: Int
        public let methods: [String]
        public let methodSeeds: Int
        public let draws: Int
        public let rows: [Row]
        public let spreads: [Spread]
        public let features: [FeatureComparison]
        /// Per target group: targets the reference check found unlike their shadows, of all audited.
        public let unlike: [String: [Int]]
        public let modelsTrained: Int
        /// Attempts that collapsed and were retrained, over every model the study used.
        public let collapsedAttempts: Int
        public let seconds: Double

        enum CodingKeys: String, CodingKey {
            case shadows, retrained, methods, draws, rows, spreads, features, seconds, unlike
            case dataSet = "data_set", dataSetDigest = "data_set_sha256", auditSeeds = "audit_seeds", goldModels = "gold_models"
            case methodSeeds = "method_seeds", modelsTrained = "models_trained", collapsedAttempts = "collapsed_attempts"
        }
    }

    public static func run(_ settings: Settings, progress: @escaping @Sendable (AuditProgress) -> Void = { _ in }) throws -> Result {
        let start = ContinuousClock.now
        let context = try StudyContext(settings, progress: progress)
        var pools: [Pool] = []
        for seed in settings.auditSeeds { pools.append(try context.pool(seed: seed)) }
        let rows = tabulate(pools, settings: settings)
        return Result(dataSet: context.dataSet.manifest.name, dataSetDigest: context.dataSet.digest, auditSeeds: settings.auditSeeds,
                      goldModels: settings.goldModels, shadows: settings.shadows, retrained: settings.retrained, methods: settings.methods,
                      methodSeeds: settings.methodSeeds, draws: settings.draws, rows: rows, spreads: spreads(pools),
                      features: featureComparison(pools), unlike: unlike(pools), modelsTrained: context.trained,
                      collapsedAttempts: context.collapsed,
                      seconds: AuditPipeline.seconds(since: start))
    }

    // MARK: Tabulation

    /// The rules compared: the first (percentile, forget quality p ≥ 0.05 fixed) and the revised
    /// one at each κ.
    static func rules(_ settings: Settings) -> [(name: String, kappa: Double?, policy: GatePolicy, rules: [GateRule])] {
        let first = aucMetrics.map { GateRule(metric: $0, .atMost, .null) } + [GateRule(metric: qualityMetric, .atLeast, .fixed(0.05))]
        let revised = aucMetrics.map { GateRule(metric: $0, .atMost, .null) } + [GateRule(metric: qualityMetric, .atLeast, .null)]
        return [("first", nil, GatePolicy(nullRule: .percentile), first)]
            + settings.kappas.map { ("revised", $0, GatePolicy(kappa: $0), revised) }
    }

    static func tabulate(_ pools: [Pool], settings: Settings) -> [Row] {
        var tallies: [String: Tally] = [:], targets: [String: Set<String>] = [:]
        let compared = rules(settings)
        func key(_ group: String, _ rule: String, _ g: Int, _ kappa: Double?) -> String { "\(group)|\(rule)|\(g)|\(kappa ?? -1)" }
        for pool in pools {
            var generator = RandomSource(seed: RandomSource.derivedSeed(pool.seed, "gate-study-draws"))
            let size = pool.quality.count
            for g in settings.counts where g <= size {
                for target in pool.targets + leftOut(pool) {
                    let available = (0..<size).filter { target.quality[$0] != nil }
                    // A gold model left out has G − 1 others at G = pool size: that G is not available to it.
                    guard available.count >= g else { continue }
                    let draws = g == available.count ? 1 : settings.draws
                    for _ in 0..<draws {
                        var chosen = available
                        generator.shuffle(&chosen)
                        let subset = Array(chosen.prefix(g)).sorted()
                        let groupNulls = pool.nulls[nullGroup(target.group)] ?? [:]
                        var shifted: [(String, Double)] = [(target.group, 0)]
                        if target.group == "retrain" { shifted += settings.shifts.map { ("retrain, U-LiRA AUC +\(formatShift($0))", $0) } }
                        for (group, shift) in shifted {
                            let metrics = measurements(target, subset: subset, nulls: groupNulls, quality: pool.quality, shift: shift)
                            for rule in compared {
                                let blocker = rule.name == "revised" && !target.resembles ? "unlike its references" : nil
                                guard let verdict = try? rule.policy.evaluate(rule.rules, on: metrics, blockedBy: blocker) else { continue }
                                tallies[key(group, rule.name, g, rule.kappa), default: Tally()].add(verdict.outcome)
                                targets[key(group, rule.name, g, rule.kappa), default: []].insert("\(pool.seed)-\(target.group)-\(target.seed)")
                            }
                        }
                    }
                }
            }
        }
        var rows: [Row] = []
        let groups = ["retrain", "gold, left out"] + settings.shifts.map { "retrain, U-LiRA AUC +\(formatShift($0))" } + settings.methods
        for group in groups {
            for rule in compared {
                for g in settings.counts {
                    let k = key(group, rule.name, g, rule.kappa)
                    guard let tally = tallies[k] else { continue }
                    rows.append(Row(group: group, rule: rule.name, goldModels: g, kappa: rule.kappa, tally: tally, targets: targets[k]?.count ?? 0))
                }
            }
        }
        return rows
    }

    static func formatShift(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Per group, [unlike, audited] over every audit seed.
    static func unlike(_ pools: [Pool]) -> [String: [Int]] {
        var counts: [String: [Int]] = [:]
        for pool in pools {
            for target in pool.targets + leftOut(pool) {
                var count = counts[target.group, default: [0, 0]]
                if !target.resembles { count[0] += 1 }
                count[1] += 1
                counts[target.group] = count
            }
        }
        return counts
    }

    /// The null group a target's shadows belong to: retrained targets and left-out gold models are
    /// audited as claims of `retrain`.
    static func nullGroup(_ group: String) -> String { group == "gold, left out" ? "retrain" : group }

    /// Each gold model of the pool as a target, scored against the others.
    static func leftOut(_ pool: Pool) -> [Target] {
        guard let nulls = pool.nulls["retrain"] else { return [] }
        return pool.quality.indices.map { g in
            Target(group: "gold, left out", seed: UInt64(g),
                   aucs: Dictionary(uniqueKeysWithValues: aucMetrics.compactMap { metric in
                       nulls[metric].map { (metric, (value: $0[g], interval: [$0[g], $0[g]])) }
                   }),
                   quality: pool.quality[g].enumerated().map { $0.offset == g ? nil : $0.element }, liraOnlyUMIA: (.nan, .nan),
                   resembles: pool.goldsResemble.indices.contains(g) ? pool.goldsResemble[g] : true)
        }
    }

    /// The default rules' metrics for `target` calibrated on the gold models in `subset`.
    static func measurements(_ target: Target, subset: [Int], nulls: [String: [Double]], quality: [[Double]],
                             shift: Double) -> [String: MeasuredMetric] {
        var metrics: [String: MeasuredMetric] = [:]
        for metric in aucMetrics {
            guard let measured = target.aucs[metric], let null = nulls[metric] else { continue }
            let delta = metric == "ulira.online.auc" ? shift : 0
            metrics[metric] = MeasuredMetric(value: measured.value + delta, interval: measured.interval.map { $0 + delta },
                                             nullValues: subset.map { null[$0] })
        }
        let audited = median(subset.compactMap { target.quality[$0] })
        let null = subset.map { g in median(subset.filter { $0 != g }.map { quality[g][$0] }) }
        metrics[qualityMetric] = MeasuredMetric(value: audited, nullValues: subset.count >= 2 ? null : nil, scale: .probit)
        return metrics
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    // MARK: Spread and features

    /// Retrained targets' spread against the gold models', with a permutation p (2,000 shuffles).
    static func spreads(_ pools: [Pool]) -> [Spread] {
        var spreads: [Spread] = []
        for pool in pools {
            guard let nulls = pool.nulls["retrain"] else { continue }
            let retrained = pool.targets.filter { $0.group == "retrain" }
            for metric in aucMetrics {
                guard let golds = nulls[metric] else { continue }
                let targets = retrained.compactMap { $0.aucs[metric]?.value }
                spreads.append(spread(pool.seed, metric, targets: targets, golds: golds))
            }
            let probit = NullScale.probit
            let goldQuality = pool.quality.indices.map { g in probit.transform(median(pool.quality[g].enumerated().filter { $0.offset != g }.map(\.element))) }
            let targetQuality = retrained.map { probit.transform(median($0.quality.compactMap { $0 })) }
            spreads.append(spread(pool.seed, qualityMetric + " (probit)", targets: targetQuality, golds: goldQuality))
        }
        return spreads
    }

    static func spread(_ seed: UInt64, _ metric: String, targets: [Double], golds: [Double]) -> Spread {
        func sd(_ values: [Double]) -> Double {
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
        }
        func centred(_ values: [Double]) -> [Double] {
            let mean = values.reduce(0, +) / Double(values.count)
            return values.map { $0 - mean }
        }
        let observed = sd(targets) / sd(golds)
        var pooled = centred(targets) + centred(golds)
        var generator = RandomSource(seed: RandomSource.derivedSeed(seed, "gate-study-spread-\(metric)"))
        var atLeast = 0
        let shuffles = 2000
        for _ in 0..<shuffles {
            generator.shuffle(&pooled)
            if sd(Array(pooled.prefix(targets.count))) / sd(Array(pooled.dropFirst(targets.count))) >= observed { atLeast += 1 }
        }
        return Spread(auditSeed: seed, metric: metric, targetSD: sd(targets), goldSD: sd(golds), ratio: observed,
                      pvalue: Double(atLeast + 1) / Double(shuffles + 1))
    }

    static func featureComparison(_ pools: [Pool]) -> [FeatureComparison] {
        pools.flatMap { pool in
            Set(pool.targets.map(\.group)).sorted().map { group in
                let targets = pool.targets.filter { $0.group == group }
                return FeatureComparison(auditSeed: pool.seed, group: group,
                                         allShadow: targets.compactMap { $0.aucs["umia.shadow.auc"]?.value },
                                         allCrossValidated: targets.compactMap { $0.aucs["umia.cross_validated.auc"]?.value },
                                         liraShadow: targets.map(\.liraOnlyUMIA.shadow),
                                         liraCrossValidated: targets.map(\.liraOnlyUMIA.crossValidated))
            }
        }
    }
}

/// The data, models and signals the gate study shares across audit seeds.
final class StudyContext {
    let settings: GateStudy.Settings
    let dataSet: PairDataSet
    let splits: AuditSplits
    let bank: ModelBank
    let collector: SignalCollector
    let progress: @Sendable (AuditProgress) -> Void
    /// Every target's signals, audited under each audit seed: the retrained models, then each method's.
    let targets: [(group: String, seed: UInt64, signals: ModelSignals)]
    var trained = 0
    var collapsed = 0

    /// Whether every model's signals include the population rows (RMIA's z: validation, then test).
    let withPopulation: Bool

    init(_ settings: GateStudy.Settings, population: Bool = false, progress: @escaping @Sendable (AuditProgress) -> Void) throws {
        self.settings = settings
        self.progress = progress
        withPopulation = population
        let setup = try StudySetup(data: settings.data, original: settings.original, cache: settings.cache,
                                   collapseAccuracy: settings.collapseAccuracy, toolVersion: settings.toolVersion)
        (dataSet, splits, bank) = (setup.dataSet, setup.splits, setup.bank)
        collector = SignalCollector(dataSet: dataSet, pool: splits.pool, population: population ? splits.validation + splits.test : [],
                                    truth: try TruthRatio(dataSet: dataSet, rows: splits.pool.rows, perturbations: TruthRatio.defaultPerturbations,
                                                          seed: RandomSource.derivedSeed(0, "truth-ratio")),
                                    calibrationRows: nil, utilityRows: splits.test)
        // Retrained exactly as gold models are (D_r, the original's recipe, one BLAS thread), only the seed differing.
        let retain = splits.retain
        let retrainJobs = (0..<settings.retrained).map {
            ModelJob(kind: .target, index: $0, trainRows: retain, seed: RandomSource.derivedSeed(0, "gate-study-retrained"))
        }
        var targets: [(String, UInt64, ModelSignals)] = []
        let retrained = try Self.obtain(bank, collector, retrainJobs, "retrained targets", population: population, progress: progress)
        trained += retrained.trained
        collapsed += retrained.collapsed
        targets += retrained.signals.enumerated().map { ("retrain", UInt64($0.offset), $0.element) }
        for name in settings.methods {
            let method = try UnlearningMethods.named(name)
            for seed in 0..<UInt64(settings.methodSeeds) {
                progress(AuditProgress(stage: "targets", done: 0, total: 1, note: "\(name), unlearning seed \(seed)"))
                let unlearned = try setup.unlearn(method, seed: RandomSource.derivedSeed(seed, "unlearn-\(name)"), toolVersion: settings.toolVersion)
                targets.append((name, seed, try collector.signals(NativeAdapter(model: unlearned.model, modelID: name, digest: unlearned.digest),
                                                                  name: "\(name) seed \(seed)", population: population, truthRatios: true)))
            }
        }
        self.targets = targets
    }

    static func obtain(_ bank: ModelBank, _ collector: SignalCollector, _ jobs: [ModelJob], _ what: String, population: Bool = false,
                       progress: @escaping @Sendable (AuditProgress) -> Void) throws -> (signals: [ModelSignals], trained: Int, collapsed: Int) {
        progress(AuditProgress(stage: what, done: 0, total: jobs.count, note: ""))
        let models = try bank.referenceModels(for: jobs) { progress(AuditProgress(stage: what, done: $0.done, total: $0.total, note: $0.note)) }
        let signals = try models.map {
            try collector.signals($0.adapter, name: "\($0.job.kind.rawValue) \($0.job.index)", population: population, truthRatios: true)
        }
        return (signals, models.filter { !$0.record.fromCache }.count, models.reduce(0) { $0 + $1.record.collapsed })
    }

    /// One audit seed's gold pool, shadows per method, and every target audited against them.
    func pool(seed: UInt64) throws -> GateStudy.Pool {
        let golds = try Self.obtain(bank, collector, ReferencePlan.goldJobs(count: settings.goldModels, retain: splits.retain, seed: seed),
                                    "audit seed \(seed): gold models", progress: progress)
        trained += golds.trained
        collapsed += golds.collapsed
        let members = splits.pool.forget.count
        func forget(_ signals: ModelSignals) -> [Double] { Array((signals.truthRatios ?? []).prefix(members)) }
        var quality = [[Double]](repeating: [Double](repeating: 1, count: golds.signals.count), count: golds.signals.count)
        for i in golds.signals.indices {
            for j in golds.signals.indices where j > i {
                let p = try KolmogorovSmirnov.test(forget(golds.signals[i]), forget(golds.signals[j])).pvalue
                quality[i][j] = p
                quality[j][i] = p
            }
        }
        let keep = try KeepMatrix(shadows: settings.shadows, examples: splits.pool.count, seed: seed)
        var nulls: [String: [String: [Double]]] = [:]
        var goldsResemble: [Bool] = []
        var audited: [GateStudy.Target] = []
        for group in ["retrain"] + settings.methods {
            let method = try UnlearningMethods.named(group)
            let shadows = try Self.obtain(bank, collector, ReferencePlan.shadowJobs(pool: splits.pool, retain: splits.retain, keep: keep,
                                                                                   method: method, seed: seed),
                                          "audit seed \(seed): \(group) shadows", progress: progress)
            trained += shadows.trained
            collapsed += shadows.collapsed
            let members = targets.filter { $0.group == group }
            guard let first = members.first else { continue }
            progress(AuditProgress(stage: "audit seed \(seed): attacks", done: 0, total: 1, note: "\(group), \(members.count) targets"))
            let attacks: [any MembershipAttack] = [ULiRAAttack(), UMIAAttack()]
            let calibration = try AttackSuite.run(attacks, on: try SignalTable(labels: splits.pool.labels, target: first.signals,
                                                                               shadows: shadows.signals, membership: keep.rows,
                                                                               golds: golds.signals, seed: seed))
            nulls[group] = Dictionary(uniqueKeysWithValues: GateStudy.aucMetrics.compactMap { metric in
                calibration.measurements[metric]?.null.map { (metric, $0.values) }
            })
            for target in members {
                let table = try SignalTable(labels: splits.pool.labels, target: target.signals, shadows: shadows.signals,
                                            membership: keep.rows, seed: seed)
                let suite = try AttackSuite.run(attacks, on: table)
                let lira = try AttackSuite.run([UMIAAttack()], on: table, options: AttackOptionValues(["umia_features": .text("lira")]))
                let quality = try golds.signals.map { try KolmogorovSmirnov.test(forget(target.signals), forget($0)).pvalue }
                let resembles = try ReferenceResemblance.check(try SignalTable(labels: splits.pool.labels, target: target.signals,
                                                                               shadows: shadows.signals, membership: keep.rows,
                                                                               golds: golds.signals, seed: seed))?.resembles ?? true
                audited.append(GateStudy.Target(
                    group: group, seed: target.seed,
                    aucs: Dictionary(uniqueKeysWithValues: GateStudy.aucMetrics.compactMap { metric in
                        suite.measurements[metric].map { (metric, (value: $0.value, interval: $0.interval ?? [$0.value, $0.value])) }
                    }),
                    quality: quality,
                    liraOnlyUMIA: (lira.measurements["umia.shadow.auc"]?.value ?? .nan, lira.measurements["umia.cross_validated.auc"]?.value ?? .nan),
                    resembles: resembles))
            }
            if group == "retrain" {
                goldsResemble = try golds.signals.indices.map { g in
                    let others = golds.signals.indices.filter { $0 != g }.map { golds.signals[$0] }
                    return try ReferenceResemblance.check(try SignalTable(labels: splits.pool.labels, target: golds.signals[g],
                                                                          shadows: shadows.signals, membership: keep.rows, golds: others,
                                                                          seed: seed))?.resembles ?? true
                }
            }
        }
        return GateStudy.Pool(seed: seed, nulls: nulls, goldsResemble: goldsResemble, quality: quality, targets: audited)
    }
}
