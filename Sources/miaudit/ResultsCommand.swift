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
import ReferenceModels
import Stats
import Unlearning

/// One unlearning run of one method with one seed, and everything measured on its model.
struct MethodTrial: Codable {
    /// U-MIA's result: the AUC metrics and the accuracy at P = 0.5.
    struct UMIATrial: Codable {
        let metrics: AttackMetrics
        let accuracy: Double
    }

    let method: String
    let seed: UInt64
    let seconds: Double
    let utility: ModelUtility
    let svm: SVMAttackDetail
    let forgetQuality: ForgetQualityDetail
    let ulira: AttackMetrics
    let umia: UMIATrial
    let umiaCrossValidated: UMIATrial
    /// SPEC §8's default gate on this model, with null-calibrated attack bounds.
    let gate: GateVerdict

    enum CodingKeys: String, CodingKey {
        case method, seed, seconds, utility, svm, ulira, umia, gate
        case forgetQuality = "forget_quality", umiaCrossValidated = "umia_cross_validated"
    }

    /// The trial of an audit run of `method` with unlearning seed `seed`.
    /// - Throws: `AuditError` when an attack of the default four did not report.
    init(_ run: AuditRun, method: String, seed: UInt64) throws {
        func result(_ name: String) throws -> AttackResult {
            guard let result = run.attacks.results.first(where: { $0.attack == name }) else {
                throw AuditError("results: the audit of \(method) has no \(name) result", status: .software)
            }
            return result
        }
        func variant(_ result: AttackResult, _ name: String) throws -> AttackMetrics {
            guard let metrics = result.variants[name] else { throw AuditError("results: \(result.attack) has no \(name) scores", status: .software) }
            return metrics
        }
        func umiaTrial(_ name: String) throws -> UMIATrial {
            let metrics = try variant(try result("umia"), name)
            return UMIATrial(metrics: metrics, accuracy: metrics.balancedAccuracyAtNaturalThreshold ?? .nan)
        }
        guard let gate = run.gate, let svm = try result("svm").detail?.decode(SVMAttackDetail.self),
              let quality = try result("forget_quality").detail?.decode(ForgetQualityDetail.self) else {
            throw AuditError("results: the audit of \(method) has no gate or no attack detail", status: .software)
        }
        self.method = method
        self.seed = seed
        seconds = run.models.targetUnlearning?.seconds ?? 0
        utility = run.utility.audited
        self.svm = svm
        forgetQuality = quality
        ulira = try variant(try result("ulira"), "online")
        umia = try umiaTrial("shadow")
        umiaCrossValidated = try umiaTrial("cross_validated")
        self.gate = gate
    }
}

/// `miaudit results`: the studies behind docs/results.md, each regenerating its own section.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Regenerate the studies in docs/results.md: the method comparison, and attack power against reference models.",
        discussion: """
            Each subcommand rewrites its own section of the Markdown file (between its marker comments), \
            leaving the other sections as they are, and writes its raw figures as JSON beside it.
              miaudit results methods --out docs/results.md
              miaudit results references --out docs/results.md
            """,
        subcommands: [ResultsMethodsCommand.self, ResultsReferencesCommand.self, ResultsGateCommand.self, ResultsProfilesCommand.self],
        defaultSubcommand: ResultsMethodsCommand.self)
}

/// `miaudit results methods`: every unlearning method on the bundled data, over several seeds, as a
/// Markdown section of docs/results.md with the JSON of every trial beside it.
struct ResultsMethodsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "methods",
        abstract: "Compare the unlearning methods on a data set: utility, forgetting and every attack, over seeds.",
        discussion: """
            For each method and seed: unlearn the forget split from the original model (timed), then \
            measure utility, the SVM attack, forget quality against the gold models, U-LiRA and U-MIA \
            (16 shadows that apply the same method). Shadows and gold models are cached, so a rerun \
            only repeats the unlearning. Writes its section of the Markdown (--out) and the raw trials as \
            JSON beside it (the same name with .json).
              miaudit results methods --out docs/results.md
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
    var gold: Int = AuditSpec.defaultGoldModels
    @Option(name: .long, help: ArgumentHelp("Model cache.", valueName: "dir"))
    var cache: String = "audits/cache"
    @Option(name: .long, help: "Validation ITM accuracy at or below which a shadow or gold model counts as collapsed and is retrained.")
    var collapseAccuracy: Double = ModelBankSettings().collapseAccuracy
    @Flag(name: .long, inversion: .prefixedNo, help: "Also run the ablation: multidelete without L_MD, without L_MKR, without L_UKR.")
    var ablation = true
    @Option(name: .long, help: ArgumentHelp("The Markdown output; the trials go to the same name with .json. Without --out the section is printed and no file is written.", valueName: "file"))
    var out: String?
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
            if let out { try checkWritableDestination(out) }
            let dataSet = try dataOptions.loadDataSet()
            let names = methods.isEmpty ? UnlearningMethods.names : methods
            let chosen = try names.map { try UnlearningMethods.named($0) }
            let ablations = ablation ? try UnlearningMethods.ablationNames.map { try UnlearningMethods.named($0) } : []
            let start = ContinuousClock.now
            var trials: [MethodTrial] = []
            var originalUtility: ModelUtility?
            for method in chosen + ablations {
                for seed in 0..<UInt64(seeds) {
                    let note = "\(method.name) seed \(seed)"
                    FileHandle.standardError.write(Data("results: \(note): unlearning, then auditing (shadows may train first)…\n".utf8))
                    let spec = try trialSpec(method: method.name, seed: RandomSource.derivedSeed(seed, "unlearn-\(method.name)"))
                    let view = AuditProgressView()
                    let run = try AuditPipeline.run(spec, options: AuditRunOptions(toolVersion: ToolInfo.version,
                                                                                     environment: ToolInfo.environment), progress: view.update)
                    view.finish()
                    originalUtility = originalUtility ?? run.utility.original
                    trials.append(try MethodTrial(run, method: method.name, seed: seed))
                }
            }
            guard let originalUtility else { return }
            let ablationNames = Set(ablations.map(\.name))
            let markdown = ResultsMarkdown(trials: trials.filter { !ablationNames.contains($0.method) },
                                           ablation: trials.filter { ablationNames.contains($0.method) }, original: originalUtility, dataSet: dataSet, shadows: shadows, gold: gold,
                                           seeds: seeds, threads: threads, totalSeconds: seconds(since: start)).render()
            guard let out else {
                print(markdown)
                FileHandle.standardError.write(Data("miaudit: the methods section was printed, not written; give --out FILE to update that page and its JSON\n".utf8))
                return
            }
            try MarkdownSections.write(markdown, section: "methods", to: out)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            let jsonPath = (out as NSString).deletingPathExtension + ".json"
            try write(try encoder.encode(trials), to: jsonPath)
            print(markdown)
            print("wrote \(out) and \(jsonPath)")
        }
    }

    /// The audit of one trial: the original with `method` applied (seed `seed`), every attack with
    /// shadows applying the same method, and the default gate. Run seed 0, so every trial of every
    /// method shares the gold models and the keep matrix.
    func trialSpec(method: String, seed: UInt64) throws -> AuditSpec {
        let absolute = absolutePath
        let text = "results: \(method), unlearning seed \(seed)"
        var original = OriginalModelSpec(path: absolute(self.original))
        var training = OriginalTraining()
        training.seed = 0
        original.train = training
        var spec = AuditSpec(name: "results-\(method)", data: absolute(dataOptions.data), original: original,
                             target: .unlearn(UnlearnTarget(method: method, seed: seed)),
                             source: SpecSource(path: "<miaudit results>", text: text, sha256: sha256Hex(Data(text.utf8))))
        spec.seed = 0
        spec.attacks = ["svm", "ulira", "umia", "forget_quality"]
        spec.shadows.count = shadows
        spec.gold = gold
        spec.settings.collapseAccuracy = collapseAccuracy
        spec.cache = absolute(cache)
        return spec
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
