import ArgumentParser
import Audit
import AuditData
import Foundation
import MembershipInference
import ModelAdapters
import ReferenceModels
import Unlearning

struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Run one membership-inference attack on an audited model, or score supplied arrays.",
        discussion: """
            miaudit attack NAME runs one attack through the audit pipeline (the same models, seeds and \
            metrics an audit spec gives); NAME is one of \(AttackRegistry.names.joined(separator: ", ")) \
            (forget-quality is accepted for forget_quality). miaudit attack score computes U-LiRA, U-MIA \
            and RMIA from arrays of reference-model outputs trained elsewhere.
            """,
        subcommands: [AttackRunCommand.self, AttackScoreCommand.self],
        defaultSubcommand: AttackRunCommand.self)
}

/// `KEY=VALUE` attack settings from the command line, checked against the registry's options.
func attackOptionValues(_ settings: [String]) throws -> AttackOptionValues {
    var values = AttackOptionValues()
    for setting in settings {
        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let (_, option) = AttackRegistry.option(parts[0]) else {
            let keys = AttackRegistry.options.map(\.key).joined(separator: ", ")
            throw ValidationError("--setting \(setting): write KEY=VALUE with KEY one of \(keys).")
        }
        do {
            values[option.key] = try option.parse(parts[1])
        } catch {
            throw ValidationError("--setting \(setting): \(error)")
        }
    }
    return values
}

/// The options every attack's help lists.
var attackSettingsHelp: String {
    AttackRegistry.all.flatMap { attack in attack.options.map { "\($0.key) (\(attack.name)): \($0.help); \($0.accepted), default \($0.defaultValue)" } }
        .joined(separator: "\n")
}

/// `miaudit attack NAME`: one attack on an audited model, through the audit pipeline.
struct AttackRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one attack (\(AttackRegistry.names.joined(separator: ", "))) on an audited model.",
        discussion: """
            The audited model is reached through any adapter (--target FILE for a native model; --adapter \
            outputs|process as for predict). Attacks that need shadows train K shadows (--shadows) on retain ∪ \
            half the pool (forget ∪ holdout), each of which then applies --method, the method the audited model \
            claims; G gold models (--gold) retrained on the retain split give every metric's null distribution \
            and forget quality's references. Models are cached by content in --cache. Every score has \
            "higher = looks trained on"; the AUC of forget (1) vs holdout (0) is ideally 0.5.
              miaudit attack ulira --method none \\
                --original reports/demo/original.safetensors \\
                --target reports/demo/original.safetensors
              miaudit attack rmia --method none --shadows 4 \\
                --setting rmia_gamma=2 \\
                --original reports/demo/original.safetensors \\
                --target reports/demo/original.safetensors
              miaudit attack svm \\
                --original reports/demo/original.safetensors \\
                --target reports/demo/original.safetensors
            From outputs alone (a model and references trained elsewhere; docs/supplied-outputs.md):
              miaudit attack ulira --original-adapter-spec original.json \\
                --references outputs/references --adapter outputs \\
                --outputs outputs/target.npy --ids outputs/target.ids.json
            Settings (--setting KEY=VALUE):
            \(attackSettingsHelp)
            """)

    @Argument(help: ArgumentHelp("The attack: \(AttackRegistry.names.joined(separator: ", ")).", valueName: "name"))
    var name: String
    @Option(name: .long, help: ArgumentHelp("The original model (.safetensors): the SVM attacker's reference; its recipe (from miaudit train) trains the shadow and gold models.", valueName: "file"))
    var original: String?
    @Option(name: .long, help: ArgumentHelp("The original through any adapter instead: a JSON adapter description. Shadows and gold models then come from --references.", valueName: "file"))
    var originalAdapterSpec: String?
    @Option(name: .long, help: ArgumentHelp("Supplied shadow and gold models: a directory with references.json (docs/supplied-outputs.md); their counts and method apply.", valueName: "dir"))
    var references: String?
    @Option(name: .long, help: ArgumentHelp("The unlearning method the audited model claims (\(UnlearningMethods.names.joined(separator: ", "))); every shadow applies it. Needed by attacks with shadows.", valueName: "name"))
    var method: String?
    @Option(name: .long, help: "Shadow models K (even, at least 4; 16 or more for a real audit).")
    var shadows: Int = 16
    @Option(name: .long, help: "Gold models G retrained on the retain split: forget quality's references and each metric's null distribution (default 8, or 0 for svm; 0 skips the nulls).")
    var gold: Int?
    @Option(name: .long, help: ArgumentHelp("Model cache: shadows and gold models are kept here under content keys, so an interrupted run resumes and later runs reuse them.", valueName: "dir"))
    var cache: String = "audits/cache"
    @Flag(name: .long, help: "Keep no models on disk.")
    var noCache = false
    @Option(name: .long, help: "The run seed: every random choice derives from it (docs/seeds.md).")
    var seed: UInt64 = 0
    @Option(name: .customLong("setting"), help: ArgumentHelp("An attack setting, KEY=VALUE (repeatable; the keys are listed below).", valueName: "key=value"))
    var settings: [String] = []
    @Option(name: .long, help: "k of the truth ratio (forget quality).")
    var perturbations: Int = 5
    @Option(name: .long, help: "Validation ITM accuracy at or below which a shadow or gold model counts as collapsed and is retrained.")
    var collapseAccuracy: Double = ModelBankSettings().collapseAccuracy
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var adapterOptions: AdapterOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var threadOptions: ThreadOptions

    var attack: (any MembershipAttack)? { AttackRegistry.named(name) }

    func validate() throws {
        guard (original == nil) != (originalAdapterSpec == nil) else {
            throw ValidationError("Give the original with exactly one of --original FILE.safetensors or --original-adapter-spec FILE.json.")
        }
        guard let attack else {
            throw ValidationError("'\(name)' is not an attack; use one of \(AttackRegistry.names.joined(separator: ", ")) (or score, for arrays).")
        }
        if let gold, gold < 0 || gold > 256 { throw ValidationError("--gold must be between 0 and 256, got \(gold).") }
        if !(collapseAccuracy >= 0 && collapseAccuracy < 1) {
            throw ValidationError("--collapse-accuracy must be in [0, 1), got \(collapseAccuracy).")
        }
        guard (1...50).contains(perturbations) else { throw ValidationError("--perturbations must be between 1 and 50, got \(perturbations).") }
        _ = try attackOptionValues(settings)
        if let method, !UnlearningMethods.names.contains(method) {
            throw ValidationError("--method \(method) is not an unlearning method; use one of \(UnlearningMethods.names.joined(separator: ", ")).")
        }
        // Supplied references bring their own counts and method.
        if references != nil { return }
        if attack.needs.contains(.shadows) {
            guard method != nil else {
                throw ValidationError("\(attack.name) needs --method: the unlearning method the audited model claims (\(UnlearningMethods.names.joined(separator: ", "))), which every shadow applies.")
            }
            guard shadows >= KeepMatrix.minimumShadows, shadows.isMultiple(of: 2) else {
                throw ValidationError("--shadows must be even and at least \(KeepMatrix.minimumShadows), got \(shadows); use 16 or more for a real audit.")
            }
        }
        if attack.needs.contains(.golds), (gold ?? 8) < 1 {
            throw ValidationError("\(attack.name) compares the audited model with gold models; give --gold 1 or more (8 by default).")
        }
    }

    /// The audit spec these flags describe: one attack, no gate.
    func spec(_ attack: any MembershipAttack) throws -> AuditSpec {
        let line = CommandLine.arguments.joined(separator: " ")
        let absolute = absolutePath
        dataOptions.noteDefault()
        var spec = AuditSpec(name: "attack-\(attack.name)", data: absolute(dataOptions.data),
                             original: try original.map { OriginalModelSpec(path: absolute($0)) }
                                 ?? OriginalModelSpec(adapter: try AdapterOptions.readDescription(originalAdapterSpec ?? "")),
                             target: .adapter(try adapterOptions.description()),
                             source: SpecSource(path: "<command line>", text: line, sha256: sha256Hex(Data(line.utf8))))
        spec.seed = seed
        spec.attacks = [attack.name]
        spec.shadows.count = shadows
        spec.shadows.method = method
        spec.gold = gold ?? (attack.needs.isDisjoint(with: [.shadows, .golds]) ? 0 : 8)
        spec.settings.perturbations = perturbations
        spec.settings.collapseAccuracy = collapseAccuracy
        spec.settings.attackOptions = try attackOptionValues(settings)
        spec.cache = noCache ? nil : absolute(cache)
        if let references {
            let supplied = try SuppliedReferences.load(directory: URL(fileURLWithPath: absolute(references), isDirectory: true))
            spec.suppliedReferences = supplied
            spec.shadows.count = supplied.shadows.count
            spec.shadows.method = supplied.shadowMethod
            spec.gold = supplied.golds.count
            if attack.needs.contains(.shadows), supplied.shadows.isEmpty {
                throw UsageError(description: "\(references): references.json lists no shadows, and \(attack.name) needs them; supply shadows or choose an attack without them.")
            }
        }
        spec.gate.rules = []
        return spec
    }

    func run() throws {
        try reportingErrors {
            guard let attack else { return }
            threadOptions.apply()
            let spec = try spec(attack)
            let view = AuditProgressView()
            let run = try AuditPipeline.run(spec, options: AuditRunOptions(toolVersion: ToolInfo.version, environment: ToolInfo.environment),
                                            progress: view.update)
            view.finish()
            guard let result = run.attacks.results.first else { return }
            switch format {
            case .json:
                print(try OutputFormat.json(AttackRunReport(
                    attack: attack.name, dataSet: run.dataSet.name, dataSetDigest: run.dataSet.sha256, target: run.models.target,
                    original: spec.original.path, result: result, metrics: run.metrics.mapValues(ReportedMetric.init),
                    references: run.references, signals: run.signals, utility: run.utility, seconds: run.seconds,
                    environment: ToolInfo.environment)))
            case .text:
                let method = run.references?.shadowMethod.map { " (shadows apply \($0))" } ?? ""
                print("\(attack.title) of \(run.models.target.modelID)\(method) on \(run.dataSet.name): "
                      + "\(run.signals.forgetRows) forget vs \(run.signals.holdoutRows) holdout rows")
                if let references = run.references {
                    let trained = (references.shadowModels + references.goldModels).filter { !$0.fromCache }.count
                    print("models: \(references.shadowModels.count) shadows, \(references.goldModels.count) gold; \(trained) trained now, "
                          + "the rest from the cache; \(references.collapsedAttempts) collapsed attempt(s) retrained")
                }
                for line in AttackText.lines(result, attack: attack) { print(line) }
                let u = run.utility
                if u.audited.isClassification {
                    print(String(format: "utility: test accuracy %.3f (original %.3f, change %+.3f); forget accuracy %.3f vs holdout %.3f",
                                 u.audited.testITMAccuracy, u.original?.testITMAccuracy ?? .nan, u.testITMAccuracyChange ?? .nan,
                                 u.audited.forgetMatchAccuracy, u.audited.holdoutMatchAccuracy))
                } else {
                    print(String(format: "utility: test ITM %.3f (original %.3f, change %+.3f); forget match %.3f vs holdout %.3f (mismatched pairs %.3f)",
                                 u.audited.testITMAccuracy, u.original?.testITMAccuracy ?? .nan, u.testITMAccuracyChange ?? .nan,
                                 u.audited.forgetMatchAccuracy, u.audited.holdoutMatchAccuracy, u.audited.forgetMismatchedMatchRate ?? .nan))
                }
                print(String(format: "%.1f s", run.seconds))
            }
        }
    }
}

/// What `miaudit attack NAME --format json` prints.
struct AttackRunReport: Encodable {
    let attack: String
    let dataSet: String
    let dataSetDigest: String
    let target: AdapterIdentity
    let original: String
    let result: AttackResult
    /// The attack's metrics by gate name, with intervals and null summaries.
    let metrics: [String: ReportedMetric]
    let references: ReferencesRecord?
    let signals: SignalsRecord
    let utility: UtilityComparison
    let seconds: Double
    let environment: [String: String]

    enum CodingKeys: String, CodingKey {
        case attack, target, original, result, metrics, references, signals, utility, seconds, environment
        case dataSet = "data_set", dataSetDigest = "data_set_sha256"
    }
}
