import ArgumentParser
import Audit
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

/// One unlearning run of one method with one seed, and everything measured on its model.
struct MethodTrial: Codable {
    let method: String
    let seed: UInt64
    let seconds: Double
    let utility: ModelUtility
    let svm: SVMAttackResult
    let forgetQuality: ForgetQualityResult
    let ulira: AttackMetrics
    let umia: UMIAResult
    let umiaCrossValidated: UMIAResult
    /// SPEC §8's default gate on this model, with null-calibrated attack bounds.
    let gate: GateVerdict

    enum CodingKeys: String, CodingKey {
        case method, seed, seconds, utility, svm, ulira, umia, gate
        case forgetQuality = "forget_quality", umiaCrossValidated = "umia_cross_validated"
    }
}

/// `miaudit results`: every unlearning method on the bundled data, over several seeds, as a
/// Markdown table (docs/results.md) with the JSON of every trial beside it.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Compare the unlearning methods on a data set: utility, forgetting and every attack, over seeds.",
        discussion: """
            For each method and seed: unlearn the forget split from the original model (timed), then \
            measure utility, the SVM attack, forget quality against the gold models, U-LiRA and U-MIA \
            (16 shadows that apply the same method). Shadows and gold models are cached, so a rerun \
            only repeats the unlearning. Writes Markdown (--out) and the raw trials as JSON beside it.
              miaudit results --out docs/results.md
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: ArgumentHelp("The original model; trained like the demo's when the file is missing.", valueName: "file"))
    var original: String = "reports/demo/original.safetensors"
    @Option(name: .long, parsing: .upToNextOption, help: "Methods to compare (default: all).")
    var methods: [String] = []
    @Option(name: .long, help: "Unlearning seeds per method (0, 1, …).")
    var seeds: Int = 3
    @Option(name: .long, help: "Shadow models per method.")
    var shadows: Int = 16
    @Option(name: .long, help: "Gold models.")
    var gold: Int = 8
    @Option(name: .long, help: ArgumentHelp("Model cache.", valueName: "dir"))
    var cache: String = "audits/cache"
    @Option(name: .long, help: "Validation ITM accuracy at or below which a shadow or gold model counts as collapsed and is retrained.")
    var collapseAccuracy: Double = ModelBankSettings().collapseAccuracy
    @Flag(name: .long, inversion: .prefixedNo, help: "Also run the ablation: multidelete without L_MD, without L_MKR, without L_UKR.")
    var ablation = true
    @Option(name: .long, help: ArgumentHelp("The Markdown output; the trials go to the same name with .json.", valueName: "file"))
    var out: String = "docs/results.md"
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard (1...20).contains(seeds) else { throw ValidationError("--seeds must be between 1 and 20, got \(seeds).") }
        guard collapseAccuracy >= 0, collapseAccuracy < 1 else {
            throw ValidationError("--collapse-accuracy must be in [0, 1), got \(collapseAccuracy).")
        }
    }

    func run() throws {
        try reportingErrors {
            let threads = threadOptions.apply()
            try checkWritableDestination(out)
            let (dataSet, data) = try dataOptions.load()
            let names = methods.isEmpty ? UnlearningMethods.names : methods
            let chosen = try names.map { try UnlearningMethods.named($0) }
            let ablations = ablation ? Self.ablations() : []
            let (model, recipe) = try originalModel(dataSet: dataSet, data: data, threads: threads)
            let splits = try AuditSplits(dataSet: dataSet)
            let originalAdapter = NativeAdapter(model: model, modelID: "original", digest: "")
            var bankSettings = ModelBankSettings()
            bankSettings.collapseAccuracy = collapseAccuracy
            let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: splits.validation,
                                     cacheDirectory: URL(fileURLWithPath: cache), settings: bankSettings)
            var settings = ShadowAuditSettings()
            settings.shadows = shadows
            settings.goldModels = gold
            settings.models = bankSettings
            let originalUtility = try splits.utility(originalAdapter, dataSet)
            var trials: [MethodTrial] = []
            let start = ContinuousClock.now
            for method in chosen + ablations {
                for seed in 0..<UInt64(seeds) {
                    let note = "\(method.name) seed \(seed)"
                    FileHandle.standardError.write(Data("results: \(note): unlearning…\n".utf8))
                    let request = UnlearningRequest(data: data, forget: splits.pool.forget, retain: splits.retain, recipe: recipe,
                                                    seed: RandomSource.derivedSeed(seed, "unlearn-\(method.name)"),
                                                    validation: splits.validation)
                    let clock = ContinuousClock.now
                    let unlearned = try method.unlearn(model, request: request) { _ in }
                    let elapsed = seconds(since: clock)
                    let target = NativeAdapter(model: unlearned, modelID: note, digest: "")
                    FileHandle.standardError.write(Data(String(format: "results: %@: unlearned in %.1f s; auditing (shadows may train first)…\n", note, elapsed).utf8))
                    let bar = ProgressBar(title: "models", total: shadows + gold)
                    let audit = try ShadowAudit.run(target: target, bank: bank, method: method, pool: splits.pool, retain: splits.retain,
                                                    settings: settings) { bar.update($0.done, note: $0.note) }
                    bar.finish()
                    let svm = try SVMMembershipAttack.run(dataSet: dataSet, reference: originalAdapter, audited: target,
                                                          forget: splits.pool.forget, retain: splits.retain,
                                                          validation: splits.validation, holdout: splits.pool.holdout)
                    let utility = try splits.utility(target, dataSet)
                    trials.append(MethodTrial(method: method.name, seed: seed, seconds: elapsed, utility: utility, svm: svm,
                                              forgetQuality: audit.forgetQuality!, ulira: audit.ulira!.online, umia: audit.umia!,
                                              umiaCrossValidated: audit.umiaCrossValidated!,
                                              gate: try Self.gate(audit, svm: svm, utility: UtilityComparison(audited: utility, original: originalUtility))))
                }
            }
            let ablationNames = Set(ablations.map(\.name))
            let markdown = ResultsMarkdown(trials: trials.filter { !ablationNames.contains($0.method) },
                                           ablation: trials.filter { ablationNames.contains($0.method) }, original: originalUtility, dataSet: dataSet, shadows: shadows, gold: gold,
                                           seeds: seeds, threads: threads, totalSeconds: seconds(since: start)).render()
            try write(Data(markdown.utf8), to: out)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            let jsonPath = (out as NSString).deletingPathExtension + ".json"
            try write(try encoder.encode(trials), to: jsonPath)
            print(markdown)
            print("wrote \(out) and \(jsonPath)")
        }
    }

    /// The gate of a trial: SPEC §8's default rules (`AuditMetricNames.defaultRules`) under the
    /// default policy, on the metrics an audit would measure.
    static func gate(_ audit: ShadowAuditResult, svm: SVMAttackResult, utility: UtilityComparison) throws -> GateVerdict {
        try GatePolicy().evaluate(AuditMetricNames.defaultRules, on: AuditMetrics.measure(shadowAudit: audit, svm: svm, utility: utility))
    }

    /// The published MultiDelete with one loss term switched off at a time.
    static func ablations() -> [any UnlearningMethod] {
        let base = MultiDeleteUnlearning.published.configuration
        func variant(_ name: String, _ change: (inout MultiDeleteWeights) -> Void) -> any UnlearningMethod {
            var configuration = base
            change(&configuration.weights)
            return MultiDeleteUnlearning(name: name, configuration: configuration)
        }
        return [variant("multidelete-without-md") { $0.decoupling = 0 },
                variant("multidelete-without-mkr") { $0.multimodalRetention = 0 },
                variant("multidelete-without-ukr") { $0.unimodalRetention = 0 }]
    }

    /// The original model and its recipe: read from `original`, or trained like the demo's.
    func originalModel(dataSet: PairDataSet, data: MatchingData, threads: Int) throws -> (FusionModel, TrainingRecipe) {
        if FileManager.default.fileExists(atPath: original) {
            let (model, metadata) = try loadModel(original)
            return (model, try ShadowAttackOptions.recipe(of: original, metadata: metadata))
        }
        try checkWritableDestination(original)
        let recipe = TrainingRecipe()
        let train = try dataSet.indices(ofSplit: "train")
        let (model, _) = trainShowingProgress(MatchingTrainer(recipe: recipe, seed: 0), data: data, rows: train)
        let provenance = TrainingProvenance(dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest, split: "train",
                                            excluded: nil, rows: train.count, recipe: recipe, seed: 0, threads: threads,
                                            tool: ToolInfo.version)
        try model.save(to: URL(fileURLWithPath: original), metadata: [TrainingProvenance.key: provenance.json()])
        return (model, recipe)
    }

    func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw OutputError(description: "\(path): cannot write (\(error.localizedDescription)); check that the directory is writable.")
                .withStatus(.ioError)
        }
    }
}
