import NeuralNet
import NumericCore

/// One epoch's summary, passed to the progress callback.
public struct EpochReport: Sendable {
    public let epoch: Int
    public let epochs: Int
    public let meanLoss: Double
    public let samples: Int
    public let seconds: Double
}

/// Trains native models (SPEC §2): for image–text matching, true pairs labelled "match" (1) plus,
/// each epoch, freshly drawn mismatched pairs labelled "no match" (0); for classification, each row
/// with its label. Softmax cross-entropy (mean over the minibatch), AdamW.
///
/// Minibatches hold whole groups (`MatchingData.trainingPairs`): the rows are shuffled and each
/// minibatch takes `recipe.pairsPerBatch` pairs — with the defaults 32 rows, each with its true
/// and its mismatched pair — so the image encoder runs once per row of the batch, not once per pair.
///
/// Random streams derive from `seed`: `"init"` for the weights, `"epoch-e"` for epoch e's negatives
/// and shuffle. With the same seed and BLAS thread count the weights are bit-identical.
public struct MatchingTrainer: Sendable {
    public let recipe: TrainingRecipe
    public let seed: UInt64

    public init(recipe: TrainingRecipe, seed: UInt64) {
        precondition(recipe.problem == nil, "bad recipe: \(recipe.problem ?? "")")
        self.recipe = recipe
        self.seed = seed
    }

    /// A fresh model for `data`, its image mean taken over `rows`.
    public func initialModel(data: MatchingData, rows: [Int]) -> FusionModel {
        var generator = RandomSource(seed: seed).derived("init")
        let architecture = recipe.architecture(imageFeatures: data.images.columns, textFeatures: data.texts.columns,
                                               classes: data.classCount)
        return FusionModel(architecture: architecture, imageMean: data.imageMean(over: rows), generator: &generator)
    }

    /// Trains a fresh model on the true pairs of `rows`.
    public func train(data: MatchingData, rows: [Int], progress: (EpochReport) -> Void = { _ in }) -> FusionModel {
        var model = initialModel(data: data, rows: rows)
        continueTraining(&model, data: data, rows: rows, progress: progress)
        return model
    }

    /// Runs the recipe's epochs on `model` (used for training from scratch and for fine-tuning).
    public func continueTraining(_ model: inout FusionModel, data: MatchingData, rows: [Int],
                                 progress: (EpochReport) -> Void = { _ in }) {
        precondition(!rows.isEmpty, "training needs at least one row")
        var optimizer = AdamW(for: model.layers, learningRate: recipe.learningRate, weightDecay: recipe.weightDecay)
        optimizer.parallelism = BLAS.threadCount
        let base = RandomSource(seed: seed)
        var buffers = StepBuffers()
        for epoch in 0..<recipe.epochs {
            let clock = ContinuousClock.now
            var generator = base.derived("epoch-\(epoch)")
            let pairs = data.trainingPairs(rows: rows, negativesPerPositive: recipe.negativesPerPositive,
                                           generator: &generator)
            let size = recipe.pairsPerBatch(classification: data.isClassification)
            var lossSum = 0.0
            for start in stride(from: 0, to: pairs.count, by: size) {
                let batch = TrainingBatch(pairs[start..<min(start + size, pairs.count)])
                lossSum += step(&model, optimizer: &optimizer, data: data, batch: batch, buffers: &buffers) * Double(batch.count)
            }
            let elapsed = ContinuousClock.now - clock
            progress(EpochReport(epoch: epoch + 1, epochs: recipe.epochs, meanLoss: lossSum / Double(pairs.count),
                                 samples: pairs.count,
                                 seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        }
    }

    /// One AdamW step on a minibatch; returns the batch's mean loss. Writes into `buffers` only,
    /// so once the batch shape repeats a step allocates no matrix.
    func step(_ model: inout FusionModel, optimizer: inout AdamW, data: MatchingData, batch: TrainingBatch,
              buffers: inout StepBuffers) -> Double {
        buffers.images.gatherRows(of: data.images, batch.imageRows)
        buffers.texts.gatherRows(of: data.texts, batch.textRows)
        model.forward(images: buffers.images, imageIndices: batch.sharedImageIndices, texts: buffers.texts, into: &buffers.pass)
        let loss = Loss.softmaxCrossEntropy(logits: buffers.pass.logits, labels: batch.labels,
                                            gradient: &buffers.logitGradient)
        // The gradients accumulate into storage the optimizer leaves zero (no clearing pass).
        model.backward(buffers.pass, logitGradient: buffers.logitGradient, accumulate: true, into: &buffers.gradients,
                       scratch: &buffers.scratch)
        optimizer.step(&model.layers, clearing: &buffers.gradients.layers)
        return loss
    }
}

/// The matrices a training loop reuses from step to step.
struct StepBuffers {
    var images = Matrix.empty
    var texts = Matrix.empty
    var pass = FusionForward()
    var logitGradient = Matrix.empty
    var gradients = FusionGradients()
    var scratch = FusionBackwardScratch()
}
