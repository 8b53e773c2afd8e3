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
/// with its label. Shuffled, softmax cross-entropy, AdamW.
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
            var samples = epochSamples(data: data, rows: rows, generator: &generator)
            generator.shuffle(&samples)
            var lossSum = 0.0
            var start = 0
            while start < samples.count {
                let batch = Array(samples[start..<min(start + recipe.batchSize, samples.count)])
                lossSum += step(&model, optimizer: &optimizer, data: data, batch: batch, buffers: &buffers) * Double(batch.count)
                start += recipe.batchSize
            }
            let elapsed = ContinuousClock.now - clock
            progress(EpochReport(epoch: epoch + 1, epochs: recipe.epochs, meanLoss: lossSum / Double(samples.count),
                                 samples: samples.count,
                                 seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        }
    }

    /// The epoch's training examples: each true pair, then its mismatched pairs, before shuffling.
    /// For classification, each row with its label and no mismatched pairs.
    func epochSamples(data: MatchingData, rows: [Int], generator: inout RandomSource) -> [PairSample] {
        var samples = rows.map { PairSample(image: $0, text: $0, label: data.trueClass(of: $0)) }
        if data.isClassification { return samples }
        for _ in 0..<recipe.negativesPerPositive {
            let partners = data.mismatchedPartners(for: rows, generator: &generator)
            for (row, partner) in zip(rows, partners) { samples.append(PairSample(image: row, text: partner, label: 0)) }
        }
        return samples
    }

    /// One AdamW step on a minibatch; returns the batch's mean loss. Writes into `buffers` only,
    /// so once the batch shape repeats a step allocates no matrix.
    func step(_ model: inout FusionModel, optimizer: inout AdamW, data: MatchingData, batch: [PairSample],
              buffers: inout StepBuffers) -> Double {
        buffers.images.gatherRows(of: data.images, batch.map(\.image))
        buffers.texts.gatherRows(of: data.texts, batch.map(\.text))
        model.forward(images: buffers.images, imageIndices: nil, texts: buffers.texts, into: &buffers.pass)
        let loss = Loss.softmaxCrossEntropy(logits: buffers.pass.logits, labels: batch.map(\.label),
                                            gradient: &buffers.logitGradient)
        model.backward(buffers.pass, logitGradient: buffers.logitGradient, into: &buffers.gradients,
                       scratch: &buffers.scratch)
        optimizer.step(&model.layers, gradients: buffers.gradients.layers)
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

/// An (image row, text row, label) training example; label 1 = match.
struct PairSample: Sendable {
    let image: Int
    let text: Int
    let label: Int
}
