import MatchingTask
import NeuralNet
import NumericCore

/// `finetune` (papers/multidelete.md §3, after Golatkar et al.): continue training on the retain
/// rows with a larger learning rate for a few epochs, so the forget rows fade by catastrophic forgetting.
///
/// It runs `MatchingTrainer.continueTraining` with the request's recipe (batch size, weight decay,
/// negatives per positive) but this method's epochs and learning rate, seeded with
/// `RandomSource.derivedSeed(request.seed, "finetune")`. Defaults: of η ∈ {1e-3, 3e-3, 1e-2} × {1, 2}
/// epochs on emoji-cldr, 1 epoch at 3e-3 had the best validation ITM accuracy (and forgot most).
public struct FineTuneUnlearning: UnlearningMethod {
    /// Passes over the retain rows.
    public var epochs: Int
    /// AdamW's learning rate (the recipe's is 1e-3 by default).
    public var learningRate: Float

    public init(epochs: Int = 1, learningRate: Float = 3e-3) {
        self.epochs = epochs
        self.learningRate = learningRate
    }

    public var name: String { "finetune" }
    public var settings: [String: String] { ["epochs": "\(epochs)", "learning_rate": "\(learningRate)"] }
    public var needsTrainedModel: Bool { true }

    public func unlearn(_ model: FusionModel, request: UnlearningRequest,
                        progress: @Sendable (String) -> Void) throws -> FusionModel {
        try request.check(method: name, needsForget: false, needsMismatchedRetain: request.recipe.negativesPerPositive > 0)
        var recipe = request.recipe
        recipe.epochs = epochs
        recipe.learningRate = learningRate
        if let problem = recipe.problem {
            throw UnlearningError(method: name, problem: problem, fix: "choose settings within the stated ranges")
        }
        var unlearned = model
        MatchingTrainer(recipe: recipe, seed: RandomSource.derivedSeed(request.seed, "finetune"))
            .continueTraining(&unlearned, data: request.data, rows: request.retain) { report in
                progress(String(format: "finetune epoch %d/%d: loss %.4f", report.epoch, report.epochs, report.meanLoss))
            }
        return unlearned
    }
}
