import AuditData
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning

/// A problem that stops an audit before it has a result, with the sysexits status it maps to.
public struct AuditError: ReportableError, Equatable {
    public let description: String
    public let exitStatus: SysExit

    public init(_ description: String, status: SysExit = .data) {
        self.description = description
        exitStatus = status
    }
}

/// Where an audit is: a stage name and, for model training, how many of the models are done.
public struct AuditProgress: Sendable {
    public let stage: String
    public let done: Int
    public let total: Int
    public let note: String
}

/// What an audit needs besides its spec.
public struct AuditRunOptions: Sendable {
    public var tool = "miaudit"
    public var toolVersion: String
    /// OS, CPU, thread counts and library versions, recorded in the report.
    public var environment: [String: String]
    /// Set for the steps of `miaudit remediate`.
    public var remediation: RemediationStep?
    /// Where a target the spec unlearns is written (nil: a temporary file, removed afterwards).
    public var targetOutput: URL?

    public init(toolVersion: String, environment: [String: String]) {
        self.toolVersion = toolVersion
        self.environment = environment
    }
}

/// Runs an audit spec end to end (SPEC §5–§8): loads the data and the original, makes or opens
/// the target, trains or reads the shadow and gold models, runs the attacks, measures utility,
/// applies the gate and returns the report payload (not yet signed: `previous_digest` and
/// `signer_key_id` are filled in when it is stored).
public enum AuditRunner {
    /// Bins of the score histograms.
    public static let histogramBins = 30

    public static func run(_ spec: AuditSpec, options: AuditRunOptions,
                           progress: @escaping @Sendable (AuditProgress) -> Void = { _ in }) throws -> AuditReport {
        let start = ContinuousClock.now
        let dataSet = try PairDataSet.load(directory: URL(fileURLWithPath: spec.data))
        let data = MatchingData(images: dataSet.images, texts: dataSet.texts, groups: dataSet.groups)
        let splits = try AuditSplits(spec.splits, dataSet: dataSet)
        progress(AuditProgress(stage: "original", done: 0, total: 1, note: (spec.original.path as NSString).lastPathComponent))
        let original = try OriginalModel.obtain(spec.original, dataSet: dataSet, data: data, train: splits.train,
                                                toolVersion: options.toolVersion)
        let originalAdapter = NativeAdapter(model: original.model, modelID: (spec.original.path as NSString).lastPathComponent,
                                            digest: original.digest)
        if let problem = original.model.architecture.inputMismatch(imageFeatures: dataSet.images.columns,
                                                                   textFeatures: dataSet.texts.columns, source: dataSet.manifestPath) {
            throw AuditError("\(spec.original.path): \(problem)")
        }
        let target = try TargetModel.obtain(spec.target, original: original, dataSet: dataSet, data: data, splits: splits,
                                            output: options.targetOutput, toolVersion: options.toolVersion, progress: progress)
        defer { target.adapter.close() }

        var shadowAudit: ShadowAuditResult?, examples: ShadowAuditExamples?
        let parts = spec.shadowParts
        if !parts.isEmpty {
            let methodName = spec.shadowMethod ?? "none"
            let method = try UnlearningMethods.named(methodName)
            var settings = ShadowAuditSettings()
            settings.shadows = spec.shadows.count
            settings.goldModels = spec.gold
            settings.seed = spec.seed
            settings.variance = LiRAVariance(rawValue: spec.settings.variance) ?? .automatic
            settings.folds = spec.settings.folds
            settings.perturbations = spec.settings.perturbations
            settings.models.collapseAccuracy = spec.settings.collapseAccuracy
            let bank = try ModelBank(dataSet: dataSet, data: data, recipe: original.recipe, validation: splits.validation,
                                     cacheDirectory: spec.cache.map { URL(fileURLWithPath: $0) }, settings: settings.models)
            let models = (parts.contains(.ulira) || parts.contains(.umia) ? settings.shadows : 0) + settings.goldModels
            progress(AuditProgress(stage: "models", done: 0, total: models, note: ""))
            let detailed = try ShadowAudit.runDetailed(target: target.adapter, bank: bank, method: method, pool: splits.pool,
                                                       retain: splits.retain, settings: settings, parts: parts) {
                progress(AuditProgress(stage: "models", done: $0.done, total: $0.total, note: $0.note))
            }
            (shadowAudit, examples) = (detailed.result, detailed.examples)
        }
        progress(AuditProgress(stage: "attacks", done: 0, total: 1, note: "SVM attack and utility"))
        var svm: SVMAttackResult?
        if spec.attacks.contains(.svm) {
            svm = try SVMMembershipAttack.run(dataSet: dataSet, reference: originalAdapter, audited: target.adapter,
                                              forget: splits.pool.forget, retain: splits.retain, validation: splits.validation,
                                              holdout: splits.pool.holdout)
        }
        func utility(_ adapter: any ModelAdapter) throws -> ModelUtility {
            try ModelUtility.measure(adapter, dataSet: dataSet, test: splits.test, forget: splits.pool.forget, retain: splits.retain,
                                     holdout: splits.pool.holdout)
        }
        let comparison = UtilityComparison(audited: try utility(target.adapter), original: try utility(originalAdapter))
        let measured = AuditMetrics.measure(shadowAudit: shadowAudit, svm: svm, utility: comparison)
        let verdict = try spec.gate.policy.evaluate(spec.gate.rules, on: measured)
        var histograms: ScoreHistograms?
        if let examples {
            let originalScores = try ShadowAudit.lira(originalAdapter, pool: splits.pool, dataSet: dataSet)
            histograms = ScoreHistograms.make(labels: examples.labels, audited: examples.targetLiRA, original: originalScores,
                                              gold: examples.goldLiRA, bins: histogramBins)
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return AuditReport(
            auditName: spec.name, createdAt: formatter.string(from: Date()), tool: options.tool, toolVersion: options.toolVersion,
            environment: options.environment, seed: spec.seed,
            spec: SpecRecord(path: spec.source.path, sha256: spec.source.sha256, text: spec.source.text),
            dataSet: DataSetRecord(name: dataSet.manifest.name, sha256: dataSet.digest, rows: dataSet.count, splitRows: splits.counts),
            models: ModelsRecord(original: originalAdapter.identity, target: target.adapter.identity, targetUnlearning: target.record,
                                 shadowMethod: parts.isEmpty ? nil : shadowAudit?.method),
            remediation: options.remediation, utility: comparison, svm: svm, shadowAudit: shadowAudit,
            metrics: measured.mapValues(ReportedMetric.init), curves: try examples.map(ROCPoints.curves) ?? [:],
            histograms: histograms, gate: verdict, seconds: seconds(since: start), previousDigest: nil, signerKeyID: "")
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

extension AuditSpec {
    /// The shadow-audit parts the spec's attacks need.
    var shadowParts: ShadowAuditParts {
        var parts: ShadowAuditParts = []
        if attacks.contains(.ulira) { parts.insert(.ulira) }
        if attacks.contains(.umia) { parts.insert(.umia) }
        if attacks.contains(.forgetQuality) { parts.insert(.forgetQuality) }
        return parts
    }
}

/// The rows of each role.
struct AuditSplits {
    let train: [Int]
    let pool: AttackPool
    let retain: [Int]
    let validation: [Int]
    let test: [Int]

    init(_ names: AuditSplitNames, dataSet: PairDataSet) throws {
        func rows(_ name: String, role: String) throws -> [Int] {
            guard dataSet.splits[name] != nil else {
                let known = dataSet.splits.keys.sorted().joined(separator: ", ")
                throw AuditError("\(dataSet.manifestPath): no split \"\(name)\" for the \(role) role (splits.\(role)); the data set has \(known)")
            }
            return try dataSet.indices(ofSplit: name)
        }
        train = try rows(names.train, role: "train")
        pool = try AttackPool(forget: try rows(names.forget, role: "forget"), holdout: try rows(names.holdout, role: "holdout"))
        retain = try rows(names.retain, role: "retain")
        validation = try rows(names.validation, role: "validation")
        test = try rows(names.test, role: "test")
    }

    var counts: [String: Int] {
        ["train": train.count, "forget": pool.forget.count, "holdout": pool.holdout.count, "retain": retain.count,
         "validation": validation.count, "test": test.count]
    }
}

/// The original model with its recipe and file digest.
struct OriginalModel {
    let model: FusionModel
    let recipe: TrainingRecipe
    let provenance: TrainingProvenance
    let digest: String
    let path: String

    /// Reads the original, or trains and writes it when the file is missing and the spec says how.
    static func obtain(_ spec: OriginalModelSpec, dataSet: PairDataSet, data: MatchingData, train: [Int],
                       toolVersion: String) throws -> OriginalModel {
        let url = URL(fileURLWithPath: spec.path)
        if !FileManager.default.fileExists(atPath: spec.path) {
            guard let training = spec.train else {
                throw AuditError("\(spec.path): no such original model; give its path in original.path, or add original.train to train it",
                                 status: .noInput)
            }
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let model = MatchingTrainer(recipe: training.recipe, seed: training.seed).train(data: data, rows: train)
            let provenance = TrainingProvenance(dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest, split: "train",
                                                excluded: nil, rows: train.count, recipe: training.recipe, seed: training.seed,
                                                threads: BLAS.threadCount, tool: toolVersion)
            do {
                try model.save(to: url, metadata: [TrainingProvenance.key: try provenance.json()])
            } catch {
                throw AuditError("\(spec.path): cannot write the trained original (\(error)); check the directory's permissions",
                                 status: .ioError)
            }
        }
        let (model, metadata) = try FusionModel.load(from: url)
        guard let provenance = TrainingProvenance.from(metadata: metadata) else {
            throw AuditError("\(spec.path): the model has no \"\(TrainingProvenance.key)\" metadata, so its training recipe is unknown; give the original as written by miaudit train or miaudit demo")
        }
        guard provenance.dataSetDigest == dataSet.digest else {
            throw AuditError("\(spec.path): the original was trained on data set \(provenance.dataSet) (sha256 \(provenance.dataSetDigest.prefix(12))…) but the spec's data is \(dataSet.manifest.name) (sha256 \(dataSet.digest.prefix(12))…); audit it on the data it was trained on")
        }
        let digest = "sha256:" + sha256Hex(try Data(contentsOf: url))
        return OriginalModel(model: model, recipe: provenance.recipe, provenance: provenance, digest: digest, path: spec.path)
    }
}

/// The audited model: an adapter, and how it was made when the spec unlearned it.
struct TargetModel {
    let adapter: any ModelAdapter
    let record: TargetUnlearningRecord?

    static func obtain(_ spec: TargetModelSpec, original: OriginalModel, dataSet: PairDataSet, data: MatchingData,
                       splits: AuditSplits, output: URL?, toolVersion: String,
                       progress: @escaping @Sendable (AuditProgress) -> Void) throws -> TargetModel {
        switch spec {
        case let .adapter(description):
            return TargetModel(adapter: try AdapterFactory.open(description, for: dataSet), record: nil)
        case let .unlearn(unlearn):
            let method = try UnlearningMethods.named(unlearn.method)
            progress(AuditProgress(stage: "target", done: 0, total: 1, note: "unlearning with \(method.name)"))
            let request = UnlearningRequest(data: data, forget: splits.pool.forget, retain: splits.retain, recipe: original.recipe,
                                            seed: unlearn.seed, validation: splits.validation)
            let start = ContinuousClock.now
            var report: MultiDeleteReport?
            let model: FusionModel
            if let multi = method as? MultiDeleteUnlearning {
                (model, report) = try multi.run(original.model, request: request) { _ in }
            } else {
                model = try method.unlearn(original.model, request: request) { _ in }
            }
            let elapsed = AuditRunner.seconds(since: start)
            let record = UnlearningRecord(method: method.name, settings: method.settings, seed: unlearn.seed, forget: "forget",
                                          retain: "retain", dataSetDigest: dataSet.digest, original: original.path,
                                          originalDigest: original.digest, seconds: elapsed, threads: BLAS.threadCount,
                                          tool: toolVersion, report: report)
            let url = output ?? FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-target-\(UUID().uuidString).safetensors")
            defer { if output == nil { try? FileManager.default.removeItem(at: url) } }
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try model.save(to: url, metadata: [UnlearningRecord.key: try record.json(),
                                                   TrainingProvenance.key: try original.provenance.json()])
            } catch {
                throw AuditError("\(url.path): cannot write the unlearned model (\(error)); check the directory's space and permissions",
                                 status: .ioError)
            }
            let digest = "sha256:" + sha256Hex(try Data(contentsOf: url))
            let name = output?.lastPathComponent ?? "\(method.name)(original)"
            return TargetModel(adapter: NativeAdapter(model: model, modelID: name, digest: digest),
                               record: TargetUnlearningRecord(method: method.name, settings: method.cacheKey, seed: unlearn.seed,
                                                              seconds: elapsed))
        }
    }
}

/// The metrics an audit measured, by the names gate rules use (`AuditMetricNames.all`).
enum AuditMetrics {
    static func measure(shadowAudit: ShadowAuditResult?, svm: SVMAttackResult?, utility: UtilityComparison) -> [String: MeasuredMetric] {
        var metrics: [String: MeasuredMetric] = [:]
        let nulls = shadowAudit?.nulls ?? [:]
        if let ulira = shadowAudit?.ulira {
            metrics["ulira.online.auc"] = MeasuredMetric(auc: ulira.online, null: nulls["ulira.online.auc"])
            metrics["ulira.offline.auc"] = MeasuredMetric(auc: ulira.offline, null: nulls["ulira.offline.auc"])
        }
        if let umia = shadowAudit?.umia {
            metrics["umia.shadow.auc"] = MeasuredMetric(auc: umia.metrics, null: nulls["umia.shadow.auc"])
            metrics["umia.shadow.accuracy"] = MeasuredMetric(value: umia.accuracy, null: nulls["umia.shadow.accuracy"])
        }
        if let cv = shadowAudit?.umiaCrossValidated {
            metrics["umia.cross_validated.auc"] = MeasuredMetric(auc: cv.metrics, null: nulls["umia.cross_validated.auc"])
            metrics["umia.cross_validated.accuracy"] = MeasuredMetric(value: cv.accuracy, null: nulls["umia.cross_validated.accuracy"])
        }
        if let quality = shadowAudit?.forgetQuality {
            metrics["forget_quality.median_pvalue"] = MeasuredMetric(value: quality.medianPValue, null: nulls["forget_quality.median_pvalue"])
        }
        if let svm {
            metrics["svm.post_existence"] = MeasuredMetric(value: svm.postExistence)
            if svm.ratio.isFinite { metrics["svm.prior_to_post_ratio"] = MeasuredMetric(value: svm.ratio) }
        }
        metrics["utility.test_itm_accuracy"] = MeasuredMetric(value: utility.audited.testITMAccuracy)
        if let change = utility.testITMAccuracyChange { metrics["utility.test_itm_accuracy_drop"] = MeasuredMetric(value: -change) }
        return metrics.filter { $0.value.value.isFinite }
    }
}

extension ReportedMetric {
    init(_ metric: MeasuredMetric) {
        self.init(value: metric.value, interval: [metric.lower, metric.upper],
                  null: metric.null.flatMap { $0.values.isEmpty ? nil : NullSummary(values: $0.values, audited: metric.value) })
    }
}

extension ROCPoints {
    /// The ROC curve of each attack's per-example scores.
    static func curves(_ examples: ShadowAuditExamples) throws -> [String: ROCPoints] {
        try examples.attackScores.mapValues { scores in
            let curve = try ROCCurve(scores: scores, labels: examples.labels)
            return ROCPoints(fpr: curve.falsePositives.map { Double($0) / Double(curve.negatives) },
                             tpr: curve.truePositives.map { Double($0) / Double(curve.positives) }, auc: curve.areaUnderCurve)
        }
    }
}

extension ScoreHistograms {
    /// Histograms of φ on shared edges spanning the 0.5th to 99.5th percentile of all scores;
    /// scores outside fall into the end bins.
    static func make(labels: [Bool], audited: [Double], original: [Double], gold: [[Double]], bins: Int) -> ScoreHistograms? {
        let all = (audited + original + gold.flatMap { $0 }).filter(\.isFinite).sorted()
        guard !all.isEmpty, bins > 0 else { return nil }
        func quantile(_ q: Double) -> Double { all[min(all.count - 1, Int((q * Double(all.count - 1)).rounded()))] }
        var low = quantile(0.005), high = quantile(0.995)
        if !(high > low) { (low, high) = (low - 0.5, low + 0.5) }
        let width = (high - low) / Double(bins)
        let edges = (0...bins).map { $0 == bins ? high : low + Double($0) * width }
        func counts(_ scores: [[Double]], member: Bool) -> [Int] {
            var result = [Int](repeating: 0, count: bins)
            for model in scores {
                for (score, label) in zip(model, labels) where label == member && score.isFinite {
                    result[max(0, min(bins - 1, Int(((score - low) / width).rounded(.down))))] += 1
                }
            }
            return result
        }
        let models = [("audited", [audited]), ("original", [original])] + (gold.isEmpty ? [] : [("gold", gold)])
        return ScoreHistograms(edges: edges, models: models.map {
            ModelHistogram(model: $0.0, modelCount: $0.1.count, forget: counts($0.1, member: true), holdout: counts($0.1, member: false))
        })
    }
}
