import NeuralNet

/// How a native model is trained (SPEC §2): the same recipe gives the original, gold and shadow
/// models. Mismatched pairs (`negativesPerPositive`) apply to image–text matching only.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    /// Passes over the training pairs.
    public var epochs: Int = 25
    /// Examples (true or mismatched pairs) per minibatch, rounded down to whole groups of a row's
    /// true pair and its mismatched pairs (`pairsPerBatch`).
    public var batchSize: Int = 64
    /// AdamW learning rate.
    public var learningRate: Float = 1e-3
    /// AdamW decoupled weight decay.
    public var weightDecay: Float = 0.1
    /// Mismatched pairs drawn per true pair each epoch.
    public var negativesPerPositive: Int = 1
    /// Hidden sizes and activation; input sizes come from the data.
    public var imageHidden: [Int] = [256, 128]
    public var textHidden: [Int] = [256, 128]
    public var fusionHidden: [Int] = [128]
    public var activation: Activation = .relu

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", learningRate = "learning_rate", weightDecay = "weight_decay"
        case negativesPerPositive = "negatives_per_positive", imageHidden = "image_hidden"
        case textHidden = "text_hidden", fusionHidden = "fusion_hidden", activation
    }

    public init() {}

    /// The model architecture this recipe gives for inputs of the given widths and class count
    /// (no text encoder when there are no text features: the MLP classifier).
    public func architecture(imageFeatures: Int, textFeatures: Int, classes: Int = 2) -> FusionArchitecture {
        FusionArchitecture(imageFeatures: imageFeatures, textFeatures: textFeatures, imageHidden: imageHidden,
                           textHidden: textFeatures > 0 ? textHidden : [], fusionHidden: fusionHidden, classes: classes,
                           activation: activation)
    }

    /// A description of what is wrong with the recipe, or nil.
    public var problem: String? {
        if epochs < 1 || epochs > 100_000 { return "epochs must be in 1...100000, got \(epochs)" }
        if batchSize < 1 || batchSize > 1 << 16 { return "batch size must be in 1...65536, got \(batchSize)" }
        if !(learningRate > 0) || !learningRate.isFinite { return "learning rate must be positive, got \(learningRate)" }
        if !(weightDecay >= 0) || !weightDecay.isFinite { return "weight decay must be ≥ 0, got \(weightDecay)" }
        if negativesPerPositive < 0 || negativesPerPositive > 64 {
            return "negatives per positive must be in 0...64, got \(negativesPerPositive)"
        }
        return nil
    }
}
