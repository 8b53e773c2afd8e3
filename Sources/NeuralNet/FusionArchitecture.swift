import Foundation

/// The sizes of a native fusion model (SPEC §3), stored in its safetensors metadata.
///
/// Encoders are MLPs with the activation after every linear layer: f_I maps `imageFeatures` through
/// `imageHidden`, f_T maps `textFeatures` through `textHidden`, f_F maps [h_I; h_T] through
/// `fusionHidden`, and a linear head maps [h_I; h_T; h_F] to `classes` logits.
///
/// A model without a text side (`textFeatures == 0`, `textHidden == []`) is the native MLP
/// classifier of classification data sets: f_I, then f_F on h_I, then the head on [h_I; h_F].
public struct FusionArchitecture: Codable, Equatable, Sendable {
    public var imageFeatures: Int
    public var textFeatures: Int
    public var imageHidden: [Int]
    public var textHidden: [Int]
    public var fusionHidden: [Int]
    public var classes: Int
    public var activation: Activation

    enum CodingKeys: String, CodingKey {
        case imageFeatures = "image_features", textFeatures = "text_features"
        case imageHidden = "image_hidden", textHidden = "text_hidden", fusionHidden = "fusion_hidden"
        case classes, activation
    }

    public init(imageFeatures: Int, textFeatures: Int, imageHidden: [Int] = [256, 128], textHidden: [Int] = [256, 128],
                fusionHidden: [Int] = [128], classes: Int = 2, activation: Activation = .relu) {
        self.imageFeatures = imageFeatures
        self.textFeatures = textFeatures
        self.imageHidden = imageHidden
        self.textHidden = textHidden
        self.fusionHidden = fusionHidden
        self.classes = classes
        self.activation = activation
    }

    /// Width of h_I.
    public var imageRepresentationSize: Int { imageHidden.last ?? imageFeatures }
    /// Width of h_T.
    public var textRepresentationSize: Int { textHidden.last ?? textFeatures }
    /// Width of h_F.
    public var fusionRepresentationSize: Int { fusionHidden.last ?? (imageRepresentationSize + textRepresentationSize) }
    /// Width of the head's input [h_I; h_T; h_F].
    public var headInputSize: Int { imageRepresentationSize + textRepresentationSize + fusionRepresentationSize }

    /// Whether the model has a text side (image–text matching, or classification of two feature rows).
    public var hasText: Bool { textFeatures > 0 }

    /// A description of what is wrong with these sizes, or nil when they are usable.
    public var problem: String? {
        let all = [imageFeatures, classes] + (hasText ? [textFeatures] : []) + imageHidden + textHidden + fusionHidden
        if let bad = all.first(where: { $0 <= 0 || $0 > 1 << 20 }) { return "layer size \(bad) is outside 1...1048576" }
        if textFeatures < 0 { return "text features must be ≥ 0, got \(textFeatures)" }
        if !hasText && !textHidden.isEmpty { return "a model without text features has no text encoder, but text_hidden is \(textHidden)" }
        if imageHidden.isEmpty || (hasText && textHidden.isEmpty) || fusionHidden.isEmpty {
            return "every encoder needs at least one hidden layer"
        }
        if classes < 2 { return "a classifier needs at least 2 classes, got \(classes)" }
        return nil
    }

    /// What is wrong with feeding this model inputs of the given widths from `source`, or nil when they fit.
    public func inputMismatch(imageFeatures: Int, textFeatures: Int, source: String) -> String? {
        guard imageFeatures != self.imageFeatures || textFeatures != self.textFeatures else { return nil }
        return "the model takes \(self.imageFeatures) image and \(self.textFeatures) text features but \(source) has \(imageFeatures) and \(textFeatures)"
    }

    /// Multiply-add count of one forward pass per example, times 2 (FLOPs).
    public var forwardFlopsPerExample: Int {
        linearShapes.reduce(0) { $0 + 2 * $1.input * $1.output }
    }

    /// FLOPs of one training step per example: the forward pass, plus backward passes of 2× forward for
    /// every layer except the first of each encoder, whose input gradient is not needed (1×).
    public var trainingFlopsPerExample: Int {
        linearShapes.indices.reduce(0) { $0 + trainingFlops(ofLayer: $1) }
    }

    /// FLOPs of one training step per example when each image serves `pairsPerImage` examples and
    /// the image encoder runs once per distinct image (a row's true pair and its mismatched pairs
    /// share it): f_I's layers count 1/`pairsPerImage` per example, every other layer in full.
    /// With the default sizes and 2 pairs per image: 1,671,168 (f_I) + 791,040 = 2,462,208.
    public func trainingFlopsPerExample(pairsPerImage: Int) -> Double {
        precondition(pairsPerImage >= 1, "an image serves at least one example, got \(pairsPerImage)")
        let image = imageHidden.indices.reduce(0) { $0 + trainingFlops(ofLayer: $1) }
        return Double(image) / Double(pairsPerImage) + Double(trainingFlopsPerExample - image)
    }

    /// Layer `index`'s training FLOPs per row it sees: 2·in·out forward, 2·in·out for the weight
    /// gradient, and 2·in·out for the input gradient unless it is an encoder's first layer.
    public func trainingFlops(ofLayer index: Int) -> Int {
        let shape = linearShapes[index]
        let forward = 2 * shape.input * shape.output
        return forward + (isEncoderInputLayer(index) ? forward : 2 * forward)
    }

    /// Whether layer `index` is the first of f_I or f_T, whose input gradient training never needs.
    public func isEncoderInputLayer(_ index: Int) -> Bool {
        index == 0 || (hasText && index == imageHidden.count)
    }

    /// (input, output) of every linear layer in storage order: image encoder, text encoder, fusion, head.
    public var linearShapes: [(input: Int, output: Int)] {
        var shapes: [(Int, Int)] = []
        var width = imageFeatures
        for h in imageHidden { shapes.append((width, h)); width = h }
        width = textFeatures
        for h in textHidden { shapes.append((width, h)); width = h }
        width = imageRepresentationSize + textRepresentationSize
        for h in fusionHidden { shapes.append((width, h)); width = h }
        shapes.append((headInputSize, classes))
        return shapes
    }

    /// The architecture as canonical JSON (sorted keys), as stored in model metadata.
    public func canonicalJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain integers, arrays and a string cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
