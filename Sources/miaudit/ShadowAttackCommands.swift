import ArgumentParser
import AuditData
import Foundation
import MatchingTask
import MembershipInference
import ModelAdapters
import NeuralNet
import Stats
import Unlearning

/// Options shared by the shadow-model attacks (U-LiRA, U-MIA) and forget quality.
struct ShadowAttackOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The original model (.safetensors, trained by miaudit): its recipe trains the shadow and gold models.", valueName: "file"))
    var original: String
    @Option(name: .long, help: ArgumentHelp("The unlearning method the audited model claims (\(UnlearningMethods.names.joined(separator: ", "))); every shadow applies it. Needed by ulira and umia.", valueName: "name"))
    var method: String?
    @Option(name: .long, help: "Shadow models K (even, at least 4; 16 or more for a real audit).")
    var shadows: Int = 16
    @Option(name: .long, help: "Gold models G retrained on the retain set: forget quality's references and each metric's null distribution (0 skips the nulls).")
    var gold: Int = 8
    @Option(name: .long, help: ArgumentHelp("Model cache: shadows and gold models are kept here under content keys, so an interrupted run resumes and later audits reuse them.", valueName: "dir"))
    var cache: String = "audits/cache"
    @Flag(name: .long, help: "Keep no models on disk.")
    var noCache = false
    @Option(name: .long, help: "The audit's seed: keep matrix, model seeds, folds and perturbations.")
    var seed: UInt64 = 0
    @Option(name: .long, help: "U-LiRA's σ: per-example, pooled, or automatic (per example when every example has 32 or more shadows per side).")
    var variance: LiRAVariance = .automatic
    @Option(name: .long, help: "Validation ITM accuracy at or below which a shadow or gold model counts as collapsed and is retrained.")
    var collapseAccuracy: Double = ModelBankSettings().collapseAccuracy
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var adapterOptions: AdapterOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if gold < 0 || gold > 256 { throw ValidationError("--gold must be between 0 and 256, got \(gold).") }
        if !(collapseAccuracy >= 0 && collapseAccuracy < 1) {
            throw ValidationError("--collapse-accuracy must be in [0, 1), got \(collapseAccuracy).")
        }
    }

    var settings: ShadowAuditSettings {
        var settings = ShadowAuditSettings()
        settings.shadows = shadows
        settings.goldModels = gold
        settings.seed = seed
        settings.variance = variance
        settings.models.collapseAccuracy = collapseAccuracy
        return settings
    }

    /// The original model's training recipe, from the metadata `miaudit train` writes.
    static func recipe(of path: String, metadata: [String: String]) throws -> TrainingRecipe {
        guard let provenance = TrainingProvenance.from(metadata: metadata) else {
            throw UsageError(description: "\(path): the model has no \"\(TrainingProvenance.key)\" metadata, so its training recipe is unknown; give the original model as written by miaudit train or miaudit demo")
        }
        return provenance.recipe
    }
}

extension LiRAVariance: ExpressibleByArgument {}

/// What `attack ulira|umia|forget-quality` print as JSON.
struct ShadowAttackReport: Encodable {
    let attack: String
    let dataSet: String
    let dataSetDigest: String
    let target: AdapterIdentity
    let original: String
    let result: ShadowAuditResult
    let utility: UtilityComparison
    let seconds: Double
    let environment: [String: String]

    enum CodingKeys: String, CodingKey {
        case attack, target, original, result, utility, seconds, environment
        case dataSet = "data_set", dataSetDigest = "data_set_sha256"
    }
}

/// Runs the shadow audit for one command and prints its part.
struct ShadowAttackRunner {
    let name: String
    let parts: ShadowAuditParts
    let options: ShadowAttackOptions

    func run(print render: (ShadowAuditResult) -> [String]) throws {
        let (adapterOptions, dataOptions, threadOptions) = (options.adapterOptions, options.dataOptions, options.threadOptions)
        try reportingErrors {
            threadOptions.apply()
            let start = ContinuousClock.now
            let needsShadows = parts.contains(.ulira) || parts.contains(.umia)
            guard let methodName = options.method ?? (needsShadows ? nil : "none") else {
                throw UsageError(description: "\(name) needs --method: the unlearning method the audited model claims (\(UnlearningMethods.names.joined(separator: ", "))), which every shadow applies")
            }
            let method = try UnlearningMethods.named(methodName)
            let (dataSet, data) = try dataOptions.load()
            let (originalModel, metadata) = try loadModel(options.original)
            let recipe = try ShadowAttackOptions.recipe(of: options.original, metadata: metadata)
            let pool = try AttackPool(forget: try dataSet.indices(ofSplit: "forget"), holdout: try dataSet.indices(ofSplit: "holdout"))
            let retain = try dataSet.indices(ofSplit: "retain")
            let target = try AdapterFactory.open(try adapterOptions.description(), for: dataSet)
            defer { target.close() }
            let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: try dataSet.indices(ofSplit: "validation"),
                                     cacheDirectory: options.noCache ? nil : URL(fileURLWithPath: options.cache),
                                     settings: options.settings.models)
            let total = (needsShadows ? options.shadows : 0) + options.gold
            let bar = ProgressBar(title: "models", total: total)
            let result = try ShadowAudit.run(target: target, bank: bank, method: method, pool: pool, retain: retain,
                                             settings: options.settings, parts: parts) { bar.update($0.done, note: $0.note) }
            bar.finish()
            let original = NativeAdapter(model: originalModel, modelID: URL(fileURLWithPath: options.original).lastPathComponent,
                                         digest: "")
            let test = dataSet.splits["test"] != nil ? try dataSet.indices(ofSplit: "test") : []
            func utility(_ adapter: any ModelAdapter) throws -> ModelUtility {
                try ModelUtility.measure(adapter, dataSet: dataSet, test: test, forget: pool.forget, retain: retain, holdout: pool.holdout)
            }
            let comparison = UtilityComparison(audited: try utility(target), original: try utility(original))
            let elapsed = seconds(since: start)
            switch options.format {
            case .json:
                print(try OutputFormat.json(ShadowAttackReport(
                    attack: name, dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest, target: target.identity,
                    original: options.original, result: result, utility: comparison, seconds: elapsed, environment: ToolInfo.environment)))
            case .text:
                let trained = (result.shadowModels + result.goldModels).filter { !$0.fromCache }.count
                print("\(name) of \(target.identity.modelID)\(needsShadows ? " (method \(methodName))" : "") on \(dataSet.manifest.name): \(result.forgetRows) forget vs \(result.holdoutRows) holdout rows")
                print("models: \(result.shadowModels.count) shadows, \(result.goldModels.count) gold; \(trained) trained now, the rest from the cache; \(result.collapsedAttempts) collapsed attempt(s) retrained")
                for line in render(result) { print(line) }
                print(String(format: "utility: test ITM %.3f (original %.3f, change %+.3f); forget match %.3f vs holdout %.3f (mismatched pairs %.3f)",
                             comparison.audited.testITMAccuracy, comparison.original?.testITMAccuracy ?? .nan,
                             comparison.testITMAccuracyChange ?? .nan, comparison.audited.forgetMatchAccuracy,
                             comparison.audited.holdoutMatchAccuracy, comparison.audited.forgetMismatchedMatchRate))
                print(String(format: "%.1f s", elapsed))
            }
        }
    }
}

/// Text lines shared by the commands.
enum ShadowAttackText {
    static func metrics(_ label: String, _ m: AttackMetrics) -> String {
        let tpr = m.tprAtFPR["0.01"].flatMap { $0 }.map { String(format: "%.3f", $0.tpr) } ?? "undefined"
        return String(format: "%@: AUC %.3f [%.3f, %.3f]%@, balanced accuracy %.3f, advantage %.3f, TPR at 1%% FPR %@",
                      label, m.auc, m.aucInterval[0], m.aucInterval[1],
                      m.detects ? " — detects the forget set" : (m.aucBelowChance ? " — below chance (over-unlearning?)" : ""),
                      m.balancedAccuracy, m.advantage, tpr)
    }

    static func null(_ label: String, _ result: ShadowAuditResult) -> String? {
        guard let null = result.nulls[label] else { return nil }
        return String(format: "  null from %d gold models (%@): 95th percentile %.3f, max %.3f; audited %.3f sits at percentile %.0f",
                      null.size, label, null.percentile95, null.maximum, null.audited, null.auditedPercentile)
    }
}

struct ULiRACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ulira",
        abstract: "U-LiRA (SPEC §5.4): per-example likelihood-ratio attack with shadow models.",
        discussion: """
            Shadows train on retain ∪ half the pool (forget ∪ holdout), each example in exactly K/2 of \
            them, then apply --method to the kept part. Per example, Gaussians fitted to the in and out \
            shadows' LiRA scores score the audited model: online log N(φ; in) − log N(φ; out), offline \
            the one-sided −log Pr[Z ≥ φ], Z ~ N(out). AUC of forget (1) vs holdout (0): ideal 0.5; an interval above 0.5 detects \
            the forget set. Gold models scored the same way give the null distribution.
              miaudit attack ulira --original reports/demo/original.safetensors --method none \\
                --target reports/demo/original.safetensors
            """)

    @OptionGroup var options: ShadowAttackOptions

    func run() throws {
        try ShadowAttackRunner(name: "U-LiRA", parts: .ulira, options: options).run { result in
            guard let ulira = result.ulira else { return [] }
            var lines = [ShadowAttackText.metrics("online", ulira.online)]
            lines += [ShadowAttackText.null("ulira.online.auc", result)].compactMap { $0 }
            lines.append(ShadowAttackText.metrics("offline", ulira.offline))
            lines += [ShadowAttackText.null("ulira.offline.auc", result)].compactMap { $0 }
            lines.append("σ \(ulira.variance); at least \(ulira.minimumInShadows) in and \(ulira.minimumOutShadows) out shadows per example")
            if let level = ulira.methodLevel {
                lines.append(String(format: "method level (each shadow against the others): AUC %.3f ± %.3f, range [%.3f, %.3f]",
                                    level.mean, level.standardDeviation, level.minimum, level.maximum))
            }
            return lines
        }
    }
}

struct UMIACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umia",
        abstract: "U-MIA (SPEC §5.3): population attack, shadow-trained and shadow-free.",
        discussion: """
            A logistic-regression attacker on the LiRA score learns "unlearned vs never seen" from the \
            shadows' in/out pairs and scores the audited model's forget (1) vs holdout (0) rows. The \
            shadow-free variant fits the same attacker on the audited model's own scores by stratified \
            10-fold cross-validation. Accuracy is the balanced accuracy at P = 0.5; ideal 0.5.
            """)

    @OptionGroup var options: ShadowAttackOptions

    func run() throws {
        try ShadowAttackRunner(name: "U-MIA", parts: .umia, options: options).run { result in
            var lines: [String] = []
            if let umia = result.umia {
                lines.append(String(format: "shadow-trained: accuracy %.3f", umia.accuracy))
                lines.append("  " + ShadowAttackText.metrics("shadow-trained", umia.metrics))
                lines += ["umia.shadow.accuracy", "umia.shadow.auc"].compactMap { ShadowAttackText.null($0, result) }
            }
            if let cv = result.umiaCrossValidated {
                lines.append(String(format: "shadow-free (%d-fold): accuracy %.3f", cv.folds ?? 0, cv.accuracy))
                lines.append("  " + ShadowAttackText.metrics("shadow-free", cv.metrics))
                lines += ["umia.cross_validated.accuracy", "umia.cross_validated.auc"].compactMap { ShadowAttackText.null($0, result) }
            }
            return lines
        }
    }
}

struct ForgetQualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget-quality",
        abstract: "Forget quality (SPEC §5.5): KS test of truth ratios against gold models retrained without the forget set.",
        discussion: """
            Truth ratio R = mean p(match) of 5 perturbed texts from other groups / p(match) of the \
            paraphrase (keywords view). The forget set's ratios under the audited model are compared with \
            each of the G gold models' by the two-sided KS test (scipy's ks_2samp, method auto); the \
            median p is the figure to gate on. High p = indistinguishable from exact unlearning.
            """)

    @OptionGroup var options: ShadowAttackOptions

    func run() throws {
        try ShadowAttackRunner(name: "forget quality", parts: .forgetQuality, options: options).run { result in
            guard let quality = result.forgetQuality else { return [] }
            var lines = [String(format: "median p %.4g over %d gold models (each: %@); truth-ratio median %.3g audited vs %.3g gold (%@ view)",
                                quality.medianPValue, quality.tests.count,
                                quality.tests.map { String(format: "%.3g", $0.pvalue) }.joined(separator: ", "),
                                quality.auditedMedianRatio, quality.goldMedianRatio, quality.view)]
            lines += [ShadowAttackText.null("forget_quality.median_pvalue", result)].compactMap { $0 }
            return lines
        }
    }
}
