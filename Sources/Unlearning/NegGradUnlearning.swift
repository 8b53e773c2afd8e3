import MatchingTask
import NeuralNet
import NumericCore

/// `neggrad` (papers/multidelete.md §3, after Golatkar et al.): gradient ascent on the forget rows'
/// training loss, interleaved with descent on the retain rows' (Kurmanji et al.'s "NegGrad+").
///
/// Each AdamW step lowers −CE(forget batch) + λ·CE(retain batch), where the forget batch holds
/// `batchSize` forget rows' true pairs (label match) — only those: ascending on mismatched pairs
/// would teach the model to call random pairs matches — and the retain batch holds the next
/// `recipe.pairsPerBatch` retain training pairs (true and mismatched, as `MatchingTrainer` draws
/// them: whole groups; a fresh shuffle every pass). λ = `retainWeight`; 0 gives pure ascent. An
/// epoch is one pass over the forget rows. Streams: `"neggrad-epoch-e"` shuffles the forget rows,
/// `"neggrad-retain-k"` draws the k-th pass of retain pairs. Defaults: of η ∈ {1e-4, 3e-4, 1e-3} × {1, 2} epochs × λ ∈ {0, 1}
/// on emoji-cldr, η = 3e-4, 1 epoch, λ = 1 forgot most while validation ITM accuracy stayed at
/// retraining's level; η = 1e-3 collapsed the model to "no match" within one epoch.
public struct NegGradUnlearning: UnlearningMethod {
    /// Passes over the forget rows.
    public var epochs: Int
    /// AdamW's learning rate.
    public var learningRate: Float
    /// Forget rows per step.
    public var batchSize: Int
    /// λ, the weight of the descent term on retain pairs.
    public var retainWeight: Float

    public init(epochs: Int = 1, learningRate: Float = 3e-4, batchSize: Int = 32, retainWeight: Float = 1) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.retainWeight = retainWeight
    }

    public var name: String { "neggrad" }
    public var settings: [String: String] {
        ["epochs": "\(epochs)", "learning_rate": "\(learningRate)", "batch_size": "\(batchSize)",
         "retain_weight": "\(retainWeight)"]
    }
    public var needsTrainedModel: Bool { true }

    public func unlearn(_ model: FusionModel, request: UnlearningRequest,
                        progress: @Sendable (String) -> Void) throws -> FusionModel {
        try request.check(method: name, needsForget: true, needsMismatchedRetain: request.recipe.negativesPerPositive > 0)
        guard epochs >= 1, batchSize >= 1, learningRate > 0, learningRate.isFinite, retainWeight >= 0, retainWeight.isFinite else {
            throw UnlearningError(method: name, problem: "settings \(settings) are out of range",
                                  fix: "use epochs ≥ 1, batch size ≥ 1, a positive learning rate and a retain weight ≥ 0")
        }
        let base = RandomSource(seed: request.seed)
        var unlearned = model
        var optimizer = AdamW(for: model.layers, learningRate: learningRate, weightDecay: request.recipe.weightDecay)
        optimizer.parallelism = BLAS.threadCount
        let retainBatch = request.recipe.pairsPerBatch(classification: request.data.isClassification)
        var retainPass = 0
        var retainPairs: [TrainingPair] = []
        var retainOffset = 0
        func nextRetainPairs() -> [TrainingPair] {
            var batch: [TrainingPair] = []
            while batch.count < retainBatch {
                if retainOffset == retainPairs.count {
                    var generator = base.derived("neggrad-retain-\(retainPass)")
                    retainPairs = PairTraining.trainingPairs(data: request.data, rows: request.retain,
                                                             negativesPerPositive: request.recipe.negativesPerPositive,
                                                             generator: &generator)
                    retainPass += 1
                    retainOffset = 0
                }
                let take = min(retainBatch - batch.count, retainPairs.count - retainOffset)
                batch += retainPairs[retainOffset..<(retainOffset + take)]
                retainOffset += take
            }
            return batch
        }
        for epoch in 0..<epochs {
            var generator = base.derived("neggrad-epoch-\(epoch)")
            var forget = request.forget
            generator.shuffle(&forget)
            var forgetLoss = 0.0, retainLoss = 0.0, steps = 0
            for offset in stride(from: 0, to: forget.count, by: batchSize) {
                let forgetPairs = forget[offset..<min(offset + batchSize, forget.count)].map {
                    TrainingPair(image: $0, text: $0, label: request.data.trueClass(of: $0))
                }
                let retain = retainWeight > 0 ? nextRetainPairs() : []
                let (losses, gradients) = PairTraining.gradient(model: unlearned, data: request.data,
                                                                parts: [(forgetPairs, -1), (retain, retainWeight)])
                // The ascended CE may reach +∞ once p(match) underflows; its gradient stays finite.
                guard losses[1].isFinite else {
                    throw UnlearningError(method: name, problem: "the retain loss became \(losses[1]) at step \(steps + 1) of epoch \(epoch + 1)",
                                          fix: "lower the learning rate or the number of epochs")
                }
                optimizer.step(&unlearned.layers, gradients: gradients.layers)
                forgetLoss += losses[0]
                retainLoss += losses[1]
                steps += 1
            }
            progress(String(format: "neggrad epoch %d/%d: forget CE %.4f (ascended), retain CE %.4f", epoch + 1, epochs,
                            forgetLoss / Double(steps), retainLoss / Double(steps)))
        }
        if unlearned.layers.contains(where: { !$0.weight.isFinite || !$0.bias.allSatisfy(\.isFinite) }) {
            throw UnlearningError(method: name, problem: "gradient ascent drove a weight to a non-finite value",
                                  fix: "lower the learning rate or the number of epochs")
        }
        return unlearned
    }
}
