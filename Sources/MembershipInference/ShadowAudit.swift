import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NumericCore
import Stats
import Unlearning

/// Settings of the shadow-model attacks and forget quality.
public struct ShadowAuditSettings: Codable, Equatable, Sendable {
    /// K shadows (even, ≥ 4; 16 or more for a real audit).
    public var shadows: Int = 16
    /// G gold models retrained on D_r: forget quality's references and every metric's null.
    public var goldModels: Int = 8
    /// The audit's seed: the keep matrix, every model's seeds, the folds and the perturbations.
    public var seed: UInt64 = 0
    public var variance: LiRAVariance = .automatic
    /// Score each shadow against the others too (U-LiRA method-level mode).
    public var methodLevel: Bool = true
    /// Folds of the shadow-free U-MIA.
    public var folds: Int = 10
    /// k of the truth ratio.
    public var perturbations: Int = TruthRatio.defaultPerturbations
    public var models = ModelBankSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case shadows, seed, variance, folds, perturbations, models
        case goldModels = "gold_models", methodLevel = "method_level"
    }
}

/// Which results to compute.
public struct ShadowAuditParts: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ulira = ShadowAuditParts(rawValue: 1)
    public static let umia = ShadowAuditParts(rawValue: 2)
    public static let forgetQuality = ShadowAuditParts(rawValue: 4)
    public static let all: ShadowAuditParts = [.ulira, .umia, .forgetQuality]
}

/// Everything the shadow attacks and forget quality found, with the models behind them.
public struct ShadowAuditResult: Codable, Equatable, Sendable {
    /// The unlearning method the shadows applied (the one the audited model claims).
    public let method: String
    public let settings: ShadowAuditSettings
    public let forgetRows: Int
    public let holdoutRows: Int
    public let shadowModels: [ModelRecord]
    public let goldModels: [ModelRecord]
    public let ulira: ULiRAResult?
    public let umia: UMIAResult?
    public let umiaCrossValidated: UMIAResult?
    public let forgetQuality: ForgetQualityResult?
    /// Each metric's distribution with the gold models scored as targets (SPEC §8).
    public let nulls: [String: NullDistribution]
    /// Models whose training collapsed and were retrained (SPEC §5.2).
    public var collapsedAttempts: Int { (shadowModels + goldModels).reduce(0) { $0 + $1.collapsed } }

    enum CodingKeys: String, CodingKey {
        case method, settings, ulira, umia, nulls
        case forgetRows = "forget_rows", holdoutRows = "holdout_rows", shadowModels = "shadow_models", goldModels = "gold_models"
        case umiaCrossValidated = "umia_cross_validated", forgetQuality = "forget_quality"
    }
}

/// The per-example scores behind a shadow audit, in pool order (D_f rows first, then D_h).
public struct ShadowAuditExamples: Equatable, Sendable {
    /// True for D_f rows.
    public let labels: [Bool]
    /// φ under the audited model.
    public let targetLiRA: [Double]
    /// φ under each gold model.
    public let goldLiRA: [[Double]]
    /// Each attack's per-example scores (higher = member), keyed `ulira.online`, `ulira.offline`,
    /// `umia.shadow`, `umia.cross_validated`, for the attacks that ran.
    public var attackScores: [String: [Double]] = [:]

    public init(labels: [Bool], targetLiRA: [Double], goldLiRA: [[Double]]) {
        self.labels = labels
        self.targetLiRA = targetLiRA
        self.goldLiRA = goldLiRA
    }
}

/// Runs U-LiRA, U-MIA and forget quality against an audited model (SPEC §5.2–§5.5, §8).
public enum ShadowAudit {
    /// The jobs of the K shadows: shadow k trains on retain ∪ (pool rows it keeps), then the method
    /// removes those kept rows.
    public static func shadowJobs(pool: AttackPool, retain: [Int], keep: KeepMatrix, method: any UnlearningMethod,
                                  seed: UInt64) -> [ModelJob] {
        let rows = pool.rows
        return (0..<keep.shadows).map { k in
            let kept = keep.kept(by: k).map { rows[$0] }
            return ModelJob(kind: .shadow, index: k, trainRows: retain + kept, forgetRows: kept, retainRows: retain,
                            method: method, seed: seed)
        }
    }

    /// The jobs of the G gold models: trained from scratch on D_r.
    public static func goldJobs(count: Int, retain: [Int], seed: UInt64) -> [ModelJob] {
        (0..<count).map { ModelJob(kind: .gold, index: $0, trainRows: retain, seed: seed) }
    }

    /// φ (LiRA score of "match") of the pool's true pairs under a model.
    /// - Throws: `AttackError` naming the example when the adapter returns NaN probabilities.
    public static func lira(_ adapter: any ModelAdapter, pool: AttackPool, dataSet: PairDataSet) throws -> [Double] {
        let probabilities = try adapter.probabilities(forRows: pool.rows, in: dataSet)
        if let row = probabilities.firstIndex(where: { $0.contains(where: \.isNaN) }) {
            throw AttackError(description: "\(adapter.identity.modelID) gave NaN probabilities for example \(dataSet.ids[pool.rows[row]]); the attacks need finite probabilities — check the model or its outputs file")
        }
        return try LiRA.scores(probabilityRows: probabilities, trueClasses: [Int](repeating: 1, count: probabilities.count))
    }

    /// Trains (or reads) the shadows and gold models, then scores `target`.
    public static func run(target: any ModelAdapter, bank: ModelBank, method: any UnlearningMethod, pool: AttackPool,
                           retain: [Int], settings: ShadowAuditSettings, parts: ShadowAuditParts = .all,
                           progress: @Sendable (ModelBankProgress) -> Void = { _ in }) throws -> ShadowAuditResult {
        try runDetailed(target: target, bank: bank, method: method, pool: pool, retain: retain, settings: settings, parts: parts,
                        progress: progress).result
    }

    /// As `run`, also returning the per-example scores behind the results (for reports' curves
    /// and histograms).
    public static func runDetailed(target: any ModelAdapter, bank: ModelBank, method: any UnlearningMethod, pool: AttackPool,
                                   retain: [Int], settings: ShadowAuditSettings, parts: ShadowAuditParts = .all,
                                   progress: @Sendable (ModelBankProgress) -> Void = { _ in }) throws
        -> (result: ShadowAuditResult, examples: ShadowAuditExamples) {
        let dataSet = bank.dataSet
        let needsShadows = parts.contains(.ulira) || parts.contains(.umia)
        if parts.contains(.forgetQuality), settings.goldModels < 1 {
            throw AttackError(description: "forget quality needs at least one gold model (got \(settings.goldModels)); use --gold 8", status: .usage)
        }
        let keep = needsShadows ? try KeepMatrix(shadows: settings.shadows, examples: pool.count, seed: settings.seed) : nil
        if let overlap = Set(retain).intersection(pool.rows).min() {
            throw AttackError(description: "row \(dataSet.ids[overlap]) is in the retain set and in forget ∪ holdout; shadows would always train on it — fix the splits")
        }
        let shadowJobs = keep.map { Self.shadowJobs(pool: pool, retain: retain, keep: $0, method: method, seed: settings.seed) } ?? []
        let goldJobs = Self.goldJobs(count: settings.goldModels, retain: retain, seed: settings.seed)
        let trained = try bank.models(for: shadowJobs + goldJobs, progress: progress)
        let shadows = Array(trained.prefix(shadowJobs.count)), golds = Array(trained.dropFirst(shadowJobs.count))
        func adapter(_ model: TrainedModel) -> NativeAdapter {
            NativeAdapter(model: model.model, modelID: "\(model.job.kind.rawValue)-\(model.job.index)", digest: "sha256:" + model.record.key)
        }
        let labels = pool.labels
        let targetScores = try lira(target, pool: pool, dataSet: dataSet)
        let goldScores = try golds.map { try lira(adapter($0), pool: pool, dataSet: dataSet) }
        var nulls: [String: NullDistribution] = [:]
        var ulira: ULiRAResult?, umia: UMIAResult?, umiaCV: UMIAResult?, forgetQuality: ForgetQualityResult?
        var examples = ShadowAuditExamples(labels: labels, targetLiRA: targetScores, goldLiRA: goldScores)

        if let keep {
            let shadowScores = try shadows.map { try lira(adapter($0), pool: pool, dataSet: dataSet) }
            if parts.contains(.ulira) {
                let gaussians = try ShadowGaussians(shadowScores: shadowScores, keep: keep.rows, variance: settings.variance)
                let result = try ULiRA.run(fitted: gaussians, shadowScores: shadowScores, keep: keep, targetScores: targetScores,
                                           labels: labels, methodLevel: settings.methodLevel)
                ulira = result
                examples.attackScores["ulira.online"] = try gaussians.onlineScores(targetScores: targetScores)
                examples.attackScores["ulira.offline"] = try gaussians.offlineScores(targetScores: targetScores)
                if !goldScores.isEmpty {
                    let goldMetrics = try goldScores.map { try ULiRA.scores(gaussians, targetScores: $0, labels: labels) }
                    nulls["ulira.online.auc"] = NullDistribution(values: goldMetrics.map(\.online.auc), audited: result.online.auc)
                    nulls["ulira.offline.auc"] = NullDistribution(values: goldMetrics.map(\.offline.auc), audited: result.offline.auc)
                }
            }
            if parts.contains(.umia) {
                let attacker = try UMIA.fitOnShadows(shadowScores: shadowScores, keep: keep)
                let pairs = keep.shadows * keep.examples
                let result = try UMIA.score(attacker, targetScores: targetScores, labels: labels, trainingExamples: pairs)
                umia = result
                examples.attackScores["umia.shadow"] = attacker.probabilities(targetScores.map { [$0] })
                if !goldScores.isEmpty {
                    let goldResults = try goldScores.map { try UMIA.score(attacker, targetScores: $0, labels: labels, trainingExamples: pairs) }
                    nulls["umia.shadow.accuracy"] = NullDistribution(values: goldResults.map(\.accuracy), audited: result.accuracy)
                    nulls["umia.shadow.auc"] = NullDistribution(values: goldResults.map(\.metrics.auc), audited: result.metrics.auc)
                }
            }
        }
        if parts.contains(.umia) {
            let foldSeed = RandomSource.derivedSeed(settings.seed, "umia-folds")
            let probabilities = try UMIA.crossValidatedProbabilities(targetScores: targetScores, labels: labels, folds: settings.folds,
                                                                     seed: foldSeed)
            let result = try UMIA.crossValidated(probabilities: probabilities, labels: labels, folds: settings.folds)
            umiaCV = result
            examples.attackScores["umia.cross_validated"] = probabilities
            if !goldScores.isEmpty {
                let goldResults = try goldScores.map { try UMIA.crossValidated(targetScores: $0, labels: labels, folds: settings.folds, seed: foldSeed) }
                nulls["umia.cross_validated.accuracy"] = NullDistribution(values: goldResults.map(\.accuracy), audited: result.accuracy)
                nulls["umia.cross_validated.auc"] = NullDistribution(values: goldResults.map(\.metrics.auc), audited: result.metrics.auc)
            }
        }
        if parts.contains(.forgetQuality) {
            let truth = try TruthRatio(dataSet: dataSet, rows: pool.forget, perturbations: settings.perturbations,
                                       seed: RandomSource.derivedSeed(settings.seed, "truth-ratio"))
            let audited = try truth.ratios(target, in: dataSet)
            let gold = try golds.map { try truth.ratios(adapter($0), in: dataSet) }
            let result = try ForgetQualityResult(audited: audited, gold: gold, view: truth.view, perturbations: settings.perturbations)
            forgetQuality = result
            if gold.count >= 2 {
                let goldMedians = try gold.indices.map { g in
                    try ForgetQualityResult(audited: gold[g], gold: gold.indices.filter { $0 != g }.map { gold[$0] },
                                            view: truth.view, perturbations: settings.perturbations).medianPValue
                }
                nulls["forget_quality.median_pvalue"] = NullDistribution(values: goldMedians, audited: result.medianPValue)
            }
        }
        let result = ShadowAuditResult(method: method.cacheKey, settings: settings, forgetRows: pool.forget.count,
                                       holdoutRows: pool.holdout.count, shadowModels: shadows.map(\.record),
                                       goldModels: golds.map(\.record), ulira: ulira, umia: umia, umiaCrossValidated: umiaCV,
                                       forgetQuality: forgetQuality, nulls: nulls)
        return (result, examples)
    }
}
