import ArgumentParser
import Audit
import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import Unlearning

/// `miaudit unlearn`: remove the forget split from a model with one of the unlearning methods.
struct UnlearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlearn",
        abstract: "Unlearn the forget split from a model (MultiDelete, its variants, or a baseline).",
        discussion: """
            Methods (docs/method.md §7): \(UnlearningMethods.names.joined(separator: ", ")). multidelete is the \
            published method; multidelete-f updates the fusion network only; multidelete-calibrated uses \
            α = 0.1, β = 3, γ = 1, a warm-up and a stop when the forget set's LiRA scores look like \
            never-trained validation pairs. --alpha/--beta/--gamma apply to the MultiDelete methods, \
            --epochs and --lr to every method that trains. The result keeps the original's training \
            metadata (its recipe) and records the unlearning under "miaudit.unlearning".
              miaudit unlearn --method multidelete-calibrated --model reports/demo/original.safetensors \\
                --out reports/demo/unlearned.safetensors
            """)

    @Option(name: .long, help: ArgumentHelp("The unlearning method.", valueName: "name"))
    var method: String
    @Option(name: .long, help: ArgumentHelp("The model to unlearn from (.safetensors written by miaudit).", valueName: "file"))
    var model: String
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: ArgumentHelp("Where to write the unlearned model.", valueName: "file"))
    var out: String
    @Option(name: .long, help: "The split to forget.")
    var forget: String = "forget"
    @Option(name: .long, help: "The split to keep (retain).")
    var retain: String = "retain"
    @Option(name: .long, help: "MultiDelete: α, the weight of modality decoupling L_MD.") var alpha: Float?
    @Option(name: .long, help: "MultiDelete: β, the weight of multimodal retention L_MKR.") var beta: Float?
    @Option(name: .long, help: "MultiDelete: γ, the weight of unimodal retention L_UKR.") var gamma: Float?
    @Option(name: .long, help: "Epochs (steps for dtd's descent are not epochs: use its default).") var epochs: Int?
    @Option(name: .long, help: "Learning rate.") var lr: Float?
    @Option(name: .long, help: "Seed of the method's batches, pairs and noise.")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var threadOptions: ThreadOptions

    /// The named method with this command's overrides.
    func configuredMethod(recipe: inout TrainingRecipe) throws -> any UnlearningMethod {
        let base = try UnlearningMethods.named(method)
        let weightsGiven = alpha != nil || beta != nil || gamma != nil
        if weightsGiven, !(base is MultiDeleteUnlearning) {
            throw UsageError(description: "--alpha, --beta and --gamma apply to the MultiDelete methods only, not to \(method)")
        }
        switch base {
        case let multi as MultiDeleteUnlearning:
            var configuration = multi.configuration
            if let alpha { configuration.weights.decoupling = alpha }
            if let beta { configuration.weights.multimodalRetention = beta }
            if let gamma { configuration.weights.unimodalRetention = gamma }
            if let epochs { configuration.epochs = epochs }
            if let lr { configuration.learningRate = lr }
            if let problem = configuration.problem { throw UsageError(description: "\(method): \(problem)") }
            return MultiDeleteUnlearning(name: multi.name, configuration: configuration)
        case let fine as FineTuneUnlearning:
            let method = FineTuneUnlearning(epochs: epochs ?? fine.epochs, learningRate: lr ?? fine.learningRate)
            try Self.check(method.epochs, method.learningRate)
            return method
        case let negative as NegGradUnlearning:
            let method = NegGradUnlearning(epochs: epochs ?? negative.epochs, learningRate: lr ?? negative.learningRate,
                                           batchSize: negative.batchSize, retainWeight: negative.retainWeight)
            try Self.check(method.epochs, method.learningRate)
            return method
        case let dtd as DescentToDeleteUnlearning:
            if epochs != nil { throw UsageError(description: "dtd runs a fixed number of descent steps (\(dtd.steps)); it takes no --epochs") }
            let method = DescentToDeleteUnlearning(steps: dtd.steps, learningRate: lr ?? dtd.learningRate,
                                                   noiseStandardDeviation: dtd.noiseStandardDeviation)
            try Self.check(1, method.learningRate)
            return method
        case is RetrainUnlearning:
            if let epochs { recipe.epochs = epochs }
            if let lr { recipe.learningRate = lr }
            if let problem = recipe.problem { throw UsageError(description: "retrain: \(problem)") }
            return base
        default:
            if epochs != nil || lr != nil { throw UsageError(description: "\(method) does not train; it takes no --epochs or --lr") }
            return base
        }
    }

    static func check(_ epochs: Int, _ learningRate: Float) throws {
        guard epochs >= 1, epochs <= 100_000 else { throw UsageError(description: "--epochs must be in 1...100000, got \(epochs)") }
        guard learningRate > 0, learningRate.isFinite else { throw UsageError(description: "--lr must be positive, got \(learningRate)") }
    }

    @Flag(name: .long, help: "Unlearn on a data set other than the one the model was trained on (refused otherwise).")
    var allowOtherData = false

    func run() throws {
        try reportingErrors {
            let threads = threadOptions.apply()
            try checkWritableDestination(out)
            let (dataSet, data) = try dataOptions.load()
            let (original, metadata) = try loadModel(model)
            guard let provenance = TrainingProvenance.from(metadata: metadata) else {
                throw UsageError(description: "\(model): the model has no \"\(TrainingProvenance.key)\" metadata, so its training recipe is unknown; give a model as written by miaudit train or miaudit demo")
            }
            if !allowOtherData,
               let (problem, fix) = provenance.dataSetMismatch(name: dataSet.manifest.name, digest: dataSet.digest, place: dataSet.manifestPath) {
                throw ModelFileError(path: model, problem: problem, fix: fix)
            }
            var recipe = provenance.recipe
            let method = try configuredMethod(recipe: &recipe)
            let forgetRows = try dataSet.indices(ofSplit: forget), retainRows = try dataSet.indices(ofSplit: retain)
            let validation = dataSet.splits["validation"] != nil ? try dataSet.indices(ofSplit: "validation") : []
            if let problem = original.architecture.inputMismatch(imageFeatures: dataSet.images.columns, textFeatures: dataSet.texts.columns,
                                                                 source: dataSet.manifestPath) {
                throw UsageError(description: "\(model): \(problem)")
            }
            let status = StatusLine(title: "unlearn \(method.name)")
            let step = UnlearningStep(method: method, recipe: recipe, seed: seed, dataSet: dataSet, data: data, forget: forgetRows,
                                      retain: retainRows, validation: validation, forgetName: forget, retainName: retain,
                                      toolVersion: ToolInfo.version)
            let unlearned = try step.run(original, originalPath: model,
                                         originalDigest: "sha256:" + sha256Hex(try Data(contentsOf: URL(fileURLWithPath: model))),
                                         provenance: provenance, output: URL(fileURLWithPath: out)) { status.show($0) }
            status.finish()
            let record = unlearned.record

            let splits = (test: dataSet.splits["test"] != nil ? try dataSet.indices(ofSplit: "test") : [],
                          holdout: dataSet.splits["holdout"] != nil ? try dataSet.indices(ofSplit: "holdout") : [])
            func utility(_ m: FusionModel, _ id: String) throws -> ModelUtility {
                try ModelUtility.measure(NativeAdapter(model: m, modelID: id, digest: "", classes: dataSet.classes), dataSet: dataSet, test: splits.test,
                                         forget: forgetRows, retain: retainRows, holdout: splits.holdout)
            }
            let comparison = UtilityComparison(audited: try utility(unlearned.model, "unlearned"), original: try utility(original, "original"))
            switch format {
            case .json:
                print(try OutputFormat.json(UnlearnOutput(unlearning: record, utility: comparison, out: out)))
            case .text:
                if let report = record.report {
                    for epoch in report.epochs {
                        print(String(format: "epoch %d: L_MD %.5f  L_MKR %.5f  L_UKR %.5f  total %.5f (%d steps)", epoch.epoch,
                                     epoch.meanLosses.decoupling, epoch.meanLosses.multimodalRetention,
                                     epoch.meanLosses.unimodalRetention, epoch.meanLosses.total, epoch.steps))
                    }
                    print("checkpoint: \(report.checkpointRule)")
                }
                print(String(format: "%@ unlearned %d forget rows in %.2f s with %d BLAS thread(s); wrote %@",
                             method.name, forgetRows.count, record.seconds, threads, out))
                let a = comparison.audited, o = comparison.original!
                if a.isClassification {
                    print(String(format: "forget accuracy %.3f → %.3f (holdout %.3f); test accuracy %.3f → %.3f; retain accuracy %.3f → %.3f",
                                 o.forgetMatchAccuracy, a.forgetMatchAccuracy, a.holdoutMatchAccuracy,
                                 o.testITMAccuracy, a.testITMAccuracy, o.retainMatchAccuracy, a.retainMatchAccuracy))
                } else {
                    print(String(format: "forget match %.3f → %.3f (random pairs %.3f, holdout %.3f); test ITM %.3f → %.3f; retain match %.3f → %.3f",
                                 o.forgetMatchAccuracy, a.forgetMatchAccuracy, a.forgetMismatchedMatchRate ?? .nan, a.holdoutMatchAccuracy,
                                 o.testITMAccuracy, a.testITMAccuracy, o.retainMatchAccuracy, a.retainMatchAccuracy))
                }
            }
        }
    }
}

struct UnlearnOutput: Encodable {
    let unlearning: UnlearningRecord
    let utility: UtilityComparison
    let out: String
}

/// A one-line status on standard error, drawn only on a terminal.
final class StatusLine: @unchecked Sendable {
    let title: String
    let enabled = isatty(STDERR_FILENO) == 1
    private let start = ContinuousClock.now
    private let lock = NSLock()

    init(title: String) { self.title = title }

    func show(_ note: String) {
        guard enabled else { return }
        lock.withLock {
            let line = String(format: "\r\u{1B}[2K%@: %@ (%.1f s)", title, note, seconds(since: start))
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
