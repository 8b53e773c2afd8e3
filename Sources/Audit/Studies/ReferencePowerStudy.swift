import AuditData
import Foundation
import MatchingTask
import MembershipInference
import ModelAdapters
import NumericCore
import ReferenceModels
import Stats
import Unlearning

/// How the power of U-LiRA and RMIA grows with the number of reference models (SPEC §5.7): for
/// each unlearning method, the original with the method applied is attacked with K ∈ `counts`
/// reference models of two kinds.
///
/// - **Shadows** (online and offline attacks): a balanced set of K shadows applying the method,
///   each pool example kept by K/2 (K ≥ 2). The set of K = 16 is the audits' own.
/// - **Gold models** (offline attacks only): the first K gold models, which never saw D_f or D_h,
///   as out references for every example; RMIA's a cannot be tuned on them (no reference has a
///   member in the pool), so it is the attack's default.
///
/// Every model is cached and derives its seeds from run seed 0, as `miaudit results` does; each
/// method's target is unlearned with seed `derivedSeed(0, "unlearn-<method>")`.
public enum ReferencePowerStudy {
    public struct Settings: Sendable {
        public var data: String
        public var original: String
        public var methods: [String] = ["none", "multidelete", "retrain"]
        public var counts: [Int] = [1, 2, 4, 8, 16]
        public var cache: String
        public var collapseAccuracy = 0.55
        public var toolVersion: String

        public init(data: String, original: String, cache: String, toolVersion: String) {
            self.data = data
            self.original = original
            self.cache = cache
            self.toolVersion = toolVersion
        }
    }

    /// One attack's figures with K references.
    public struct Measurement: Codable, Sendable {
        /// `shadows` or `gold`.
        public let references: String
        public let count: Int
        /// `U-LiRA online`, `RMIA offline`, ….
        public let attack: String
        /// Nil when the attack cannot be computed with these references (the reason is in `note`).
        public let auc: Double?
        public let aucInterval: [Double]?
        public let tprAtOnePercent: Double?
        public let achievedFPR: Double?
        public let note: String?

        enum CodingKeys: String, CodingKey {
            case references, count, attack, auc, note
            case aucInterval = "auc_interval", tprAtOnePercent = "tpr_at_1pct_fpr", achievedFPR = "achieved_fpr"
        }
    }

    public struct MethodResult: Codable, Sendable {
        public let method: String
        public let unlearningSeed: UInt64
        public let measurements: [Measurement]

        enum CodingKeys: String, CodingKey { case method, measurements, unlearningSeed = "unlearning_seed" }
    }

    public struct Result: Codable, Sendable {
        public let dataSet: String
        public let dataSetDigest: String
        public let forgetRows: Int
        public let holdoutRows: Int
        public let populationRows: Int
        public let counts: [Int]
        public let methods: [MethodResult]
        public let modelsTrained: Int
        public let seconds: Double

        enum CodingKeys: String, CodingKey {
            case counts, methods, seconds
            case dataSet = "data_set", dataSetDigest = "data_set_sha256", forgetRows = "forget_rows", holdoutRows = "holdout_rows"
            case populationRows = "population_rows", modelsTrained = "models_trained"
        }
    }

    public static func run(_ settings: Settings, progress: @escaping @Sendable (AuditProgress) -> Void = { _ in }) throws -> Result {
        let start = ContinuousClock.now
        let setup = try StudySetup(data: settings.data, original: settings.original, cache: settings.cache,
                                   collapseAccuracy: settings.collapseAccuracy, toolVersion: settings.toolVersion)
        let (dataSet, splits, bank) = (setup.dataSet, setup.splits, setup.bank)
        let collector = SignalCollector(dataSet: dataSet, pool: splits.pool, population: splits.validation + splits.test, truth: nil,
                                        calibrationRows: nil)
        var trained = 0
        func obtain(_ jobs: [ModelJob], _ what: String) throws -> [ModelSignals] {
            progress(AuditProgress(stage: what, done: 0, total: jobs.count, note: ""))
            let models = try bank.referenceModels(for: jobs) { progress(AuditProgress(stage: what, done: $0.done, total: $0.total, note: $0.note)) }
            trained += models.filter { !$0.record.fromCache }.count
            return try models.map { try collector.signals($0.adapter, name: "\($0.job.kind.rawValue) \($0.job.index)", population: true, truthRatios: false) }
        }
        let largest = settings.counts.max() ?? 0
        let golds = try obtain(ReferencePlan.goldJobs(count: largest, retain: splits.retain, seed: 0), "gold models")
        var methods: [MethodResult] = []
        for name in settings.methods {
            let method = try UnlearningMethods.named(name)
            let seed = RandomSource.derivedSeed(0, "unlearn-\(name)")
            progress(AuditProgress(stage: "target", done: 0, total: 1, note: "unlearning with \(name)"))
            let unlearned = try setup.unlearn(method, seed: seed, toolVersion: settings.toolVersion)
            let target = try collector.signals(NativeAdapter(model: unlearned.model, modelID: name, digest: unlearned.digest),
                                               name: "\(name)(original)", population: true, truthRatios: false)
            var measurements: [Measurement] = []
            for count in settings.counts {
                if count >= 2 {
                    let keep = try KeepMatrix(shadows: count, examples: splits.pool.count, seed: 0, minimum: 2)
                    let shadows = try obtain(ReferencePlan.shadowJobs(pool: splits.pool, retain: splits.retain, keep: keep, method: method,
                                                                      seed: 0), "\(name): \(count) shadows")
                    measurements += try shadowMeasurements(target: target, shadows: shadows, keep: keep, labels: splits.pool.labels)
                } else {
                    measurements += ["U-LiRA online", "U-LiRA offline", "RMIA online", "RMIA offline"].map {
                        Measurement(references: "shadows", count: count, attack: $0, auc: nil, aucInterval: nil, tprAtOnePercent: nil,
                                    achievedFPR: nil, note: "a balanced shadow set needs an even K ≥ 2")
                    }
                }
                measurements += try goldMeasurements(target: target, golds: Array(golds.prefix(count)), labels: splits.pool.labels)
            }
            methods.append(MethodResult(method: name, unlearningSeed: seed, measurements: measurements))
        }
        return Result(dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest, forgetRows: splits.pool.forget.count,
                      holdoutRows: splits.pool.holdout.count, populationRows: collector.population.count, counts: settings.counts,
                      methods: methods, modelsTrained: trained, seconds: AuditPipeline.seconds(since: start))
    }

    /// U-LiRA and RMIA, online and offline, as the attacks run in an audit with these shadows.
    static func shadowMeasurements(target: ModelSignals, shadows: [ModelSignals], keep: KeepMatrix, labels: [Bool]) throws -> [Measurement] {
        let table = try SignalTable(labels: labels, target: target, shadows: shadows, membership: keep.rows, seed: 0)
        let suite = try AttackSuite.run([RMIAAttack()], on: table)
        var measurements: [Measurement] = []
        // U-LiRA's σ needs two scores per side; with one in and one out shadow per example it is 0.
        if keep.shadows >= 4 {
            let uLiRA = try AttackSuite.run([ULiRAAttack()], on: table)
            for variant in ["online", "offline"] {
                measurements.append(measurement("shadows", keep.shadows, "U-LiRA \(variant)", uLiRA.results[0].variants[variant]))
            }
        } else {
            measurements += ["online", "offline"].map {
                Measurement(references: "shadows", count: keep.shadows, attack: "U-LiRA \($0)", auc: nil, aucInterval: nil, tprAtOnePercent: nil,
                            achievedFPR: nil, note: "σ needs at least 2 shadows per side")
            }
        }
        for variant in ["online", "offline"] {
            measurements.append(measurement("shadows", keep.shadows, "RMIA \(variant)", suite.results[0].variants[variant]))
        }
        return measurements
    }

    /// Offline U-LiRA and RMIA with `golds` as out references for every pool example.
    static func goldMeasurements(target: ModelSignals, golds: [ModelSignals], labels: [Bool]) throws -> [Measurement] {
        let count = golds.count
        let out = [[Bool]](repeating: [Bool](repeating: false, count: labels.count), count: count)
        var measurements: [Measurement] = []
        if count >= 2 {
            let fit = try ShadowGaussians(shadowScores: golds.map(\.lira), keep: out, variance: .pooled)
            let scores = try fit.offlineScores(targetScores: target.lira)
            measurements.append(measurement("gold", count, "U-LiRA offline",
                                            try AttackMetrics(scores: scores, labels: labels, scoresInput: "U-LiRA offline scores")))
        } else {
            measurements.append(Measurement(references: "gold", count: count, attack: "U-LiRA offline", auc: nil, aucInterval: nil,
                                            tprAtOnePercent: nil, achievedFPR: nil, note: "σ needs at least 2 reference models"))
        }
        let references = try RMIAReferences(pool: golds.map(\.trueClassProbability), membership: out, population: golds.map { $0.population ?? [] })
        let a = RMIAAttack.offlineA.defaultValue
        guard case let .number(offlineA) = a, let targetPopulation = target.population else { return measurements }
        let scores = try references.offline(target: target.trueClassProbability, targetPopulation: targetPopulation, a: offlineA, gamma: 1)
        measurements.append(measurement("gold", count, "RMIA offline", try AttackMetrics(scores: scores, labels: labels, scoresInput: "RMIA offline scores")))
        return measurements
    }

    static func measurement(_ references: String, _ count: Int, _ attack: String, _ metrics: AttackMetrics?) -> Measurement {
        let point = metrics?.tprAtFPR["0.01"].flatMap { $0 }
        return Measurement(references: references, count: count, attack: attack, auc: metrics?.auc, aucInterval: metrics?.aucInterval,
                           tprAtOnePercent: point?.tpr, achievedFPR: point?.achievedFPR,
                           note: metrics == nil ? "not computed" : (point == nil ? "TPR at 1% FPR undefined (too few D_h rows)" : nil))
    }
}
