import MatchingTask
import NeuralNet
import NumericCore

/// `dtd`, Descent-to-Delete (Neel, Roth & Sharifi-Malvajerdi 2021; papers/multidelete.md §3): a few
/// optimizer steps on the retain rows' training loss, then Gaussian noise on every weight and bias.
///
/// The steps take `recipe.pairsPerBatch` retain training pairs each (true and mismatched, drawn as
/// `MatchingTrainer` draws them) with AdamW at `learningRate` and the recipe's weight decay. Then
/// θ ← θ + σ·z with z ~ N(0, 1) independently per scalar, σ = `noiseStandardDeviation` for every
/// layer (the image mean is not a parameter and is left alone). The paper's theory sets σ from
/// Lipschitz and strong-convexity constants a neural network does not have, so σ is a setting:
/// 0.02, the largest of {0.001, …, 0.2} whose validation ITM accuracy on emoji-cldr stayed within
/// about a point of retraining's, or above it, for 3 seeds (at 0.05 it ranged 0.57–0.79 by seed; at
/// 0.1 the model collapsed).
/// Streams: `"dtd-pass-k"` draws the k-th pass of retain pairs, `"dtd-noise"` the noise (layer by
/// layer, weight then bias, row-major).
public struct DescentToDeleteUnlearning: UnlearningMethod {
    /// Optimizer steps on the retain rows.
    public var steps: Int
    /// AdamW's learning rate for those steps.
    public var learningRate: Float
    /// σ of the Gaussian noise added to every parameter.
    public var noiseStandardDeviation: Float

    public init(steps: Int = 32, learningRate: Float = 1e-3, noiseStandardDeviation: Float = 0.02) {
        self.steps = steps
        self.learningRate = learningRate
        self.noiseStandardDeviation = noiseStandardDeviation
    }

    public var name: String { "dtd" }
    public var settings: [String: String] {
        ["steps": "\(steps)", "learning_rate": "\(learningRate)", "noise_sigma": "\(noiseStandardDeviation)"]
    }
    public var needsTrainedModel: Bool { true }

    public func unlearn(_ model: FusionModel, request: UnlearningRequest,
                        progress: @Sendable (String) -> Void) throws -> FusionModel {
        try request.check(method: name, needsForget: false, needsMismatchedRetain: request.recipe.negativesPerPositive > 0)
        guard steps >= 0, learningRate > 0, learningRate.isFinite, noiseStandardDeviation >= 0, noiseStandardDeviation.isFinite else {
            throw UnlearningError(method: name, problem: "settings \(settings) are out of range",
                                  fix: "use steps ≥ 0, a positive learning rate and a noise σ ≥ 0")
        }
        let base = RandomSource(seed: request.seed)
        var unlearned = model
        var optimizer = AdamW(for: model.layers, learningRate: learningRate, weightDecay: request.recipe.weightDecay)
        optimizer.parallelism = BLAS.threadCount
        let batchPairs = request.recipe.pairsPerBatch(classification: request.data.isClassification)
        var pairs: [TrainingPair] = []
        var offset = 0, pass = 0, lossSum = 0.0
        for step in 0..<steps {
            if offset >= pairs.count {
                var generator = base.derived("dtd-pass-\(pass)")
                pairs = PairTraining.trainingPairs(data: request.data, rows: request.retain,
                                                   negativesPerPositive: request.recipe.negativesPerPositive, generator: &generator)
                pass += 1
                offset = 0
            }
            let batch = Array(pairs[offset..<min(offset + batchPairs, pairs.count)])
            offset += batch.count
            let (losses, gradients) = PairTraining.gradient(model: unlearned, data: request.data, parts: [(batch, 1)])
            guard losses[0].isFinite else {
                throw UnlearningError(method: name, problem: "the loss became \(losses[0]) at step \(step + 1)",
                                      fix: "lower the learning rate")
            }
            optimizer.step(&unlearned.layers, gradients: gradients.layers)
            lossSum += losses[0]
        }
        if steps > 0 { progress(String(format: "dtd: %d descent steps on retain, mean loss %.4f", steps, lossSum / Double(steps))) }
        var noise = base.derived("dtd-noise")
        let sigma = Double(noiseStandardDeviation)
        for index in unlearned.layers.indices {
            for i in 0..<unlearned.layers[index].weight.count {
                unlearned.layers[index].weight.storage[i] += Float(sigma * noise.nextGaussian())
            }
            for i in unlearned.layers[index].bias.indices {
                unlearned.layers[index].bias[i] += Float(sigma * noise.nextGaussian())
            }
        }
        progress("dtd: Gaussian noise σ = \(noiseStandardDeviation) added to \(unlearned.parameterCount) parameters")
        return unlearned
    }
}
