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
        let comparison = UtilityComparison(audited: try splits.utility(target.adapter, dataSet),
                                           original: try splits.utility(originalAdapter, dataSet))
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
public struct AuditSplits {
    public let train: [Int]
    public let pool: AttackPool
    public let retain: [Int]
    public let validation: [Int]
    public let test: [Int]

    /// The rows of each role under `names`.
    /// - Throws: `AuditError` naming the role and the data set's splits when one is missing.
    public init(_ names: AuditSplitNames = AuditSplitNames(), dataSet: PairDataSet) throws {
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

    /// SPEC §5.6 utility of `adapter` on these splits.
    public func utility(_ adapter: any ModelAdapter, _ dataSet: PairDataSet) throws -> ModelUtility {
        try ModelUtility.measure(adapter, dataSet: dataSet, test: test, forget: pool.forget, retain: retain, holdout: pool.holdout)
    }

    var counts: [String: Int] {
        ["train": train.count, "forget": pool.forget.count, "holdout": pool.holdout.count, "retain": retain.count,
         "validation": validation.count, "test": test.count]
    }
}
