import ArgumentParser
import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a native fusion model for image–text matching on a data set's split.",
        discussion: """
            Trains on the true pairs of --split (default train) minus the rows of --exclude (e.g. \
            --exclude forget trains the gold model on the retain set), with fresh mismatched pairs each \
            epoch. The model is written as safetensors with the architecture, recipe, seed and thread \
            count in its metadata; then the utility on the training rows and the test split is printed.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: ArgumentHelp("Where to write the model (.safetensors).", valueName: "file"))
    var out: String
    @Option(name: .long, help: "The split to train on.")
    var split: String = "train"
    @Option(name: .long, help: ArgumentHelp("A split whose rows are left out of training (e.g. forget).", valueName: "split"))
    var exclude: String?
    @Option(name: .long, help: "Passes over the training pairs.")
    var epochs: Int = TrainingRecipe().epochs
    @Option(name: .long, help: "Minibatch size.")
    var batch: Int = TrainingRecipe().batchSize
    @Option(name: .long, help: "AdamW learning rate.")
    var lr: Float = TrainingRecipe().learningRate
    @Option(name: .long, help: "Mismatched pairs drawn per true pair each epoch.")
    var negatives: Int = TrainingRecipe().negativesPerPositive
    @Option(name: .long, help: "AdamW decoupled weight decay.")
    var weightDecay: Float = TrainingRecipe().weightDecay
    @Option(name: .long, help: "Seed of the initial weights, the mismatched pairs and the shuffles.")
    var seed: UInt64 = 0
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(name: .long, help: "Skip the utility printed after training.")
    var noEvaluate = false

    /// The default recipe with this command's overrides.
    var recipe: TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.epochs = epochs
        recipe.batchSize = batch
        recipe.learningRate = lr
        recipe.negativesPerPositive = negatives
        recipe.weightDecay = weightDecay
        return recipe
    }

    func validate() throws {
        if let problem = recipe.problem { throw ValidationError("\(problem).") }
    }

    func run() throws {
        try reportingErrors {
            let threads = threadOptions.apply()
            try checkWritableDestination(out)
            let (dataSet, data) = try dataOptions.load()
            var rows = try dataSet.indices(ofSplit: split)
            if let exclude {
                let excluded = Set(try dataSet.indices(ofSplit: exclude))
                rows = rows.filter { !excluded.contains($0) }
            }
            guard data.isClassification || Set(rows.map { data.groups[$0] }).count >= 2 else {
                throw UsageError(description: "\(dataSet.manifestPath): split \"\(split)\" leaves \(rows.count) rows in fewer than two groups; training needs mismatched pairs from other groups")
            }
            let recipe = self.recipe
            let (model, elapsed) = trainShowingProgress(MatchingTrainer(recipe: recipe, seed: seed), data: data, rows: rows)
            let provenance = TrainingProvenance(dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest,
                                                split: split, excluded: exclude, rows: rows.count, recipe: recipe,
                                                seed: seed, threads: threads, tool: ToolInfo.version)
            try model.save(to: URL(fileURLWithPath: out), metadata: [TrainingProvenance.key: provenance.json()].merging(NativeAdapter.classMetadata(for: dataSet)) { a, _ in a })
            print(String(format: "trained %d epochs on %d %@ (%d parameters) in %.1f s with %d BLAS thread(s); wrote %@",
                         recipe.epochs, rows.count, data.isClassification ? "labelled rows" : "pairs", model.parameterCount, elapsed, threads, out))
            guard !noEvaluate else { return }
            if data.isClassification {
                var table = [("training rows", MatchingEvaluator.classificationUtility(model: model, data: data, rows: rows))]
                if let test = dataSet.splits["test"], !test.isEmpty {
                    table.append(("test", MatchingEvaluator.classificationUtility(model: model, data: data, rows: test)))
                }
                print(UtilityTable.render(table))
                return
            }
            var table = [("training rows", MatchingEvaluator.evaluate(model: model, data: data, rows: rows))]
            if dataSet.splits["test"] != nil {
                table.append(("test", MatchingEvaluator.evaluate(model: model, data: data, rows: try dataSet.indices(ofSplit: "test"))))
            }
            print(UtilityTable.render(table))
        }
    }
}

/// Trains with a progress bar on a terminal; returns the model and the seconds taken.
func trainShowingProgress(_ trainer: MatchingTrainer, data: MatchingData, rows: [Int]) -> (FusionModel, Double) {
    let bar = ProgressBar(title: "train", total: trainer.recipe.epochs)
    let start = ContinuousClock.now
    let model = trainer.train(data: data, rows: rows) { report in
        bar.update(report.epoch, note: String(format: "loss %.4f", report.meanLoss))
    }
    bar.finish()
    return (model, seconds(since: start))
}
