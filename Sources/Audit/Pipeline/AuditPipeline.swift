import AuditData
import Diagnostics
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NumericCore
import ReferenceModels
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
    /// When set, every model's answers are written there with a spec that audits from them alone
    /// (`SavedOutputs`, docs/supplied-outputs.md).
    public var saveOutputs: URL?

    public init(toolVersion: String, environment: [String: String]) {
        self.toolVersion = toolVersion
        self.environment = environment
    }
}

/// Everything one run of the pipeline found, before it becomes a report.
public struct AuditRun: Sendable {
    public let spec: AuditSpec
    public let dataSet: DataSetRecord
    public let models: ModelsRecord
    /// The shadow and gold models, when any ran.
    public let references: ReferencesRecord?
    /// What the attacks were given.
    public let signals: SignalsRecord
    /// Whether the audited model resembles its reference models (SPEC §5.2); nil without 8 of them.
    public let resemblance: ReferenceResemblance?
    public let attacks: AttackSuiteResult
    public let utility: UtilityComparison
    /// Every metric by its gate name, with intervals and null values.
    public let metrics: [String: MeasuredMetric]
    /// The gate; nil when the spec has no rules (`miaudit attack` runs).
    public let gate: GateVerdict?
    public let histograms: ScoreHistograms?
    public let seconds: Double
}

/// The one audit pipeline (SPEC §5–§8) that `audit`, `remediate`, `demo`, `attack` and `results`
/// enter: spec → data and splits → original → target → reference models (through a
/// `ReferenceModelProvider`) → signal table → the registered attacks → utility → metrics → gate.
public enum AuditPipeline {
    /// Bins of the score histograms.
    public static let histogramBins = 30

    public static func run(_ spec: AuditSpec, options: AuditRunOptions,
                           progress: @escaping @Sendable (AuditProgress) -> Void = { _ in }) throws -> AuditRun {
        let start = ContinuousClock.now
        let dataSet = try PairDataSet.load(directory: URL(fileURLWithPath: spec.data))
        let data = MatchingData(dataSet)
        let splits = try AuditSplits(spec.splits, dataSet: dataSet)
        progress(AuditProgress(stage: "original", done: 0, total: 1, note: (spec.original.path as NSString).lastPathComponent))
        // Each model answers each example once (RecordingAdapter), so an audit from its saved
        // outputs reproduces this one exactly.
        func recorded(_ adapter: any ModelAdapter) -> any ModelAdapter { RecordingAdapter(adapter) }
        let trainer = try spec.trainer.map {
            try ExternalTrainer(settings: $0, dataSet: dataSet, cacheDirectory: spec.cache.map { URL(fileURLWithPath: $0, isDirectory: true) })
        }
        let original: OriginalModel?
        let originalAdapter: any ModelAdapter
        var externalTarget: TargetModel?
        if spec.original.byTrainer, let trainer {
            original = nil
            let (made, target) = try ExternalModels.originalAndTarget(spec, trainer: trainer, splits: splits, progress: progress)
            originalAdapter = recorded(made)
            externalTarget = target
        } else if let description = spec.original.adapter {
            original = nil
            originalAdapter = recorded(try AdapterFactory.open(description, for: dataSet))
        } else {
            let native = try OriginalModel.obtain(spec.original, dataSet: dataSet, data: data, train: splits.train, runSeed: spec.seed,
                                                  toolVersion: options.toolVersion)
            if let problem = native.model.architecture.inputMismatch(imageFeatures: dataSet.images.columns,
                                                                     textFeatures: dataSet.texts.columns, source: dataSet.manifestPath) {
                throw AuditError("\(spec.original.path): \(problem)")
            }
            original = native
            originalAdapter = recorded(NativeAdapter(model: native.model, modelID: (spec.original.path as NSString).lastPathComponent,
                                                     digest: native.digest, classes: dataSet.classes))
        }
        defer { originalAdapter.close() }
        let obtained = try externalTarget
            ?? TargetModel.obtain(spec.target, original: original, dataSet: dataSet, data: data, splits: splits,
                                  runSeed: spec.seed, output: options.targetOutput, toolVersion: options.toolVersion, progress: progress)
        let target = TargetModel(adapter: recorded(obtained.adapter), record: obtained.record)
        defer { target.adapter.close() }

        let attacks = spec.attackList
        let needs = signalNeeds(spec)
        let obtainedReferences = try referenceModels(spec, needs: needs, dataSet: dataSet, data: data, splits: splits, original: original,
                                                     trainer: trainer, progress: progress)
        let references = obtainedReferences.wrapped(recorded)
        defer { references.close() }
        progress(AuditProgress(stage: "signals", done: 0, total: 1, note: "querying the models"))
        let collector = try SignalCollector(
            dataSet: dataSet, pool: splits.pool, population: splits.validation + splits.test,
            truth: needs.contains(.truthRatios)
                ? TruthRatio(dataSet: dataSet, rows: splits.pool.rows, perturbations: spec.settings.perturbations,
                             seed: RandomSource.derivedSeed(spec.seed, "truth-ratio"))
                : nil,
            calibrationRows: needs.contains(.calibration)
                ? CalibrationSample.rows(retain: splits.retain, validation: splits.validation, runSeed: spec.seed) : nil,
            utilityRows: splits.test)
        let population = needs.contains(.population), ratios = needs.contains(.truthRatios)
        let table = try SignalTable(
            labels: splits.pool.labels,
            target: try collector.signals(target.adapter, name: "the audited model (\(target.adapter.identity.modelID))",
                                          population: population, truthRatios: ratios),
            original: try collector.signals(originalAdapter, name: "the original model", population: false, truthRatios: false),
            shadows: try references.shadows.map {
                try collector.signals($0.adapter, name: "shadow \($0.job.index)", population: population, truthRatios: ratios)
            },
            membership: references.plan?.keep?.rows ?? [],
            golds: try references.golds.map {
                try collector.signals($0.adapter, name: "gold \($0.job.index)", population: population, truthRatios: ratios)
            },
            calibration: try collector.calibration(originalAdapter), seed: spec.seed)

        progress(AuditProgress(stage: "attacks", done: 0, total: 1, note: attacks.map(\.name).joined(separator: ", ") + " and utility"))
        let suite = try AttackSuite.run(attacks, on: table, options: spec.settings.attackOptions, references: spec.profile.references)
        let utility = UtilityComparison(audited: try splits.utility(target.adapter, dataSet),
                                        original: try splits.utility(originalAdapter, dataSet))
        let metrics = AuditMetrics.measure(suite: suite, utility: utility)
        let resemblance = try ReferenceResemblance.check(table, kappa: spec.gate.policy.kappa,
                                                         minimumReferences: spec.gate.policy.minimumGoldModels)
        let blocker = resemblance.flatMap {
            $0.resembles ? nil : "the audited model does not resemble its \($0.references) (the reference check), so comparing them measures nothing"
        }
        let gate = spec.gate.rules.isEmpty ? nil : try spec.gate.policy.evaluate(spec.gate.rules, on: metrics, blockedBy: blocker)
        // An external trainer applies its own implementation of the method: only the name says what ran.
        let shadowMethod = references.plan.flatMap { plan in
            plan.shadowJobs.first?.method.map { references.provider == "external" ? $0.name : $0.cacheKey }
        }
        if let directory = options.saveOutputs {
            progress(AuditProgress(stage: "outputs", done: 0, total: 1, note: "writing every answer to \(directory.path)"))
            try SavedOutputs(spec: spec, original: originalAdapter, target: target.adapter, references: references, dataSet: dataSet)
                .write(to: directory)
        }
        return AuditRun(
            spec: spec,
            dataSet: DataSetRecord(name: dataSet.manifest.name, sha256: dataSet.digest, rows: dataSet.count, splitRows: splits.counts),
            models: ModelsRecord(original: originalAdapter.identity, target: target.adapter.identity, targetUnlearning: target.record,
                                 shadowMethod: shadowMethod),
            references: references.record(shadowMethod: shadowMethod, collapseAccuracy: spec.settings.collapseAccuracy,
                                          profile: spec.profile == .fast ? AuditProfile.fast.rawValue : nil),
            signals: SignalsRecord(forgetRows: splits.pool.forget.count, holdoutRows: splits.pool.holdout.count,
                                   populationRows: population ? collector.population.count : nil,
                                   truthRatio: collector.truth.map { TruthRatioRecord(view: $0.recordedView, perturbations: $0.overClasses ? 0 : spec.settings.perturbations) },
                                   calibrationRows: collector.calibrationRows.map { $0.fit.count + $0.evaluation.count }),
            resemblance: resemblance, attacks: suite, utility: utility, metrics: metrics, gate: gate,
            histograms: ScoreHistograms.make(labels: table.labels, audited: table.target.lira, original: table.original?.lira ?? [],
                                             gold: table.golds.map(\.lira), bins: histogramBins),
            seconds: seconds(since: start))
    }

    /// What the spec's attacks need and want of the models; under the fast profile the gold models
    /// stand in for the shadows, so no shadows are trained.
    public static func signalNeeds(_ spec: AuditSpec) -> SignalNeeds {
        var needs = spec.attackList.reduce(SignalNeeds()) { $0.union($1.needs).union($1.wants) }
        if spec.profile == .fast, needs.contains(.shadows) {
            needs.remove(.shadows)
            needs.insert(.golds)
        }
        return needs
    }

    /// The reference models' jobs (shadows applying the claimed method when an attack needs them,
    /// and the gold models); nil when the audit needs none. Supplied references keep their own
    /// membership.
    static func referencePlan(_ spec: AuditSpec, needs: SignalNeeds, dataSet: PairDataSet, splits: AuditSplits) throws -> ReferencePlan? {
        let shadows = needs.contains(.shadows) ? spec.shadows.count : 0
        guard shadows > 0 || spec.gold > 0 else { return nil }
        var method: (any UnlearningMethod)? = try spec.shadowMethod.map { try UnlearningMethods.named($0) }
        if method == nil, shadows > 0 { method = NoUnlearning() }
        if let supplied = spec.suppliedReferences {
            let keep = shadows > 0 ? try supplied.keepMatrix(pool: splits.pool, in: dataSet) : nil
            return try ReferencePlan(pool: splits.pool, retain: splits.retain, keep: keep, method: method, golds: spec.gold, seed: spec.seed)
        }
        return try ReferencePlan(pool: splits.pool, retain: splits.retain, shadows: shadows, method: method, golds: spec.gold, seed: spec.seed)
    }

    /// The native trainer of the spec's shadow and gold models, training them with `recipe` (the original's).
    static func nativeBank(_ spec: AuditSpec, dataSet: PairDataSet, data: MatchingData, splits: AuditSplits,
                           recipe: TrainingRecipe) throws -> ModelBank {
        var settings = ModelBankSettings()
        settings.collapseAccuracy = spec.settings.collapseAccuracy
        return try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: splits.validation,
                             cacheDirectory: spec.cache.map { URL(fileURLWithPath: $0) }, settings: settings)
    }

    /// The reference models the attacks need: K shadows applying the claimed method when an attack
    /// needs shadows, and G gold models; supplied ones when the spec gives them, else from the
    /// native trainer.
    static func referenceModels(_ spec: AuditSpec, needs: SignalNeeds, dataSet: PairDataSet, data: MatchingData, splits: AuditSplits,
                                original: OriginalModel?, trainer: ExternalTrainer? = nil,
                                progress: @escaping @Sendable (AuditProgress) -> Void) throws -> ObtainedReferences {
        guard let plan = try referencePlan(spec, needs: needs, dataSet: dataSet, splits: splits) else {
            return ObtainedReferences(plan: nil, provider: nil, shadows: [], golds: [])
        }
        let provider: any ReferenceModelProvider
        if let supplied = spec.suppliedReferences {
            provider = SuppliedReferenceProvider(references: supplied, dataSet: dataSet)
        } else if let trainer {
            provider = trainer
        } else {
            guard let original else {
                throw AuditError("\(spec.source.path): native shadow and gold models are trained with the original's recipe, which a model "
                                 + "reached through original.adapter cannot give; supply them (references: {supplied: DIR}, "
                                 + "docs/supplied-outputs.md) or give original.path as a miaudit model file", status: .usage)
            }
            provider = try nativeBank(spec, dataSet: dataSet, data: data, splits: splits,
                                      recipe: try original.trainingProvenance(for: "shadow and gold models").recipe)
        }
        progress(AuditProgress(stage: "models", done: 0, total: plan.jobs.count,
                               note: spec.suppliedReferences.map { "opening \(plan.jobs.count) supplied shadow and gold models from \($0.directory)" } ?? ""))
        let models = try provider.referenceModels(for: plan.jobs) {
            progress(AuditProgress(stage: "models", done: $0.done, total: $0.total, note: $0.note))
        }
        return ObtainedReferences(plan: plan, provider: provider.kind, shadows: Array(models.prefix(plan.shadowJobs.count)),
                                  golds: Array(models.dropFirst(plan.shadowJobs.count)))
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

/// The reference models of one run.
struct ObtainedReferences {
    let plan: ReferencePlan?
    let provider: String?
    let shadows: [ReferenceModel]
    let golds: [ReferenceModel]

    /// The same models with each adapter passed through `wrap` (recording).
    func wrapped(_ wrap: (any ModelAdapter) -> any ModelAdapter) -> ObtainedReferences {
        func each(_ models: [ReferenceModel]) -> [ReferenceModel] {
            models.map { ReferenceModel(job: $0.job, record: $0.record, adapter: wrap($0.adapter)) }
        }
        return ObtainedReferences(plan: plan, provider: provider, shadows: each(shadows), golds: each(golds))
    }

    /// Closes every adapter (children of process adapters are reaped).
    func close() {
        for model in shadows + golds { model.adapter.close() }
    }

    func record(shadowMethod: String?, collapseAccuracy: Double, profile: String? = nil) -> ReferencesRecord? {
        guard let provider, plan != nil else { return nil }
        return ReferencesRecord(provider: provider, shadowMethod: shadows.isEmpty ? nil : shadowMethod,
                                shadowModels: shadows.map(\.record), goldModels: golds.map(\.record), collapseAccuracy: collapseAccuracy,
                                profile: profile)
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
