import NumericCore

/// A parameter group of the fusion model, so a caller can update a part alone (e.g. f_F for MultiDelete-F).
public enum ParameterGroup: String, CaseIterable, Sendable, Codable {
    case imageEncoder = "image_encoder"
    case textEncoder = "text_encoder"
    case fusion
    case head
}

/// The native image–text fusion model of SPEC §3: f_I, f_T, f_F and a linear head on [h_I; h_T; h_F].
///
/// Inputs are image feature rows already divided by the data set's pixel scale (the model subtracts
/// its stored per-feature `imageMean`) and text embedding rows. Parameters live in `layers`, in the
/// order image encoder, text encoder, fusion, head; `layerRange(of:)` gives each group's slice.
public struct FusionModel: Sendable, Equatable {
    /// The sizes of every part.
    public let architecture: FusionArchitecture
    /// The training split's per-feature mean of the scaled image features, subtracted before f_I.
    public var imageMean: [Float]
    /// Every linear layer: image encoder, text encoder, fusion, head.
    public var layers: [Linear]

    /// A freshly initialised model (PyTorch's default init, layers in storage order).
    public init(architecture: FusionArchitecture, imageMean: [Float], generator: inout RandomSource) {
        precondition(architecture.problem == nil, "bad architecture: \(architecture.problem ?? "")")
        precondition(imageMean.count == architecture.imageFeatures,
                     "image mean has \(imageMean.count) entries, architecture needs \(architecture.imageFeatures)")
        self.architecture = architecture
        self.imageMean = imageMean
        self.layers = architecture.linearShapes.map {
            Linear(inputSize: $0.input, outputSize: $0.output, generator: &generator)
        }
    }

    /// A model over given parameters; shapes must match the architecture.
    public init(architecture: FusionArchitecture, imageMean: [Float], layers: [Linear]) {
        let shapes = architecture.linearShapes
        precondition(layers.count == shapes.count, "expected \(shapes.count) layers, got \(layers.count)")
        for (layer, shape) in zip(layers, shapes) {
            precondition(layer.inputSize == shape.input && layer.outputSize == shape.output,
                         "layer is \(layer.outputSize)x\(layer.inputSize), expected \(shape.output)x\(shape.input)")
        }
        self.architecture = architecture
        self.imageMean = imageMean
        self.layers = layers
    }

    /// The indices into `layers` of a parameter group.
    public func layerRange(of group: ParameterGroup) -> Range<Int> {
        let image = architecture.imageHidden.count
        let text = architecture.textHidden.count
        let fusion = architecture.fusionHidden.count
        switch group {
        case .imageEncoder: return 0..<image
        case .textEncoder: return image..<(image + text)
        case .fusion: return (image + text)..<(image + text + fusion)
        case .head: return (image + text + fusion)..<(image + text + fusion + 1)
        }
    }

    /// The PyTorch `state_dict` name prefix of layer `index` (e.g. "image_encoder.2", "head").
    public func layerName(_ index: Int) -> String {
        for group in ParameterGroup.allCases where layerRange(of: group).contains(index) {
            if group == .head { return "head" }
            return "\(group.rawValue).\(2 * (index - layerRange(of: group).lowerBound))"
        }
        preconditionFailure("layer index \(index) out of range 0..<\(layers.count)")
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.weight.count + $1.bias.count } }
}

/// What a forward pass returns: the representations, the logits, and what the backward pass needs.
///
/// A training loop keeps one across steps and passes it to `forward(images:imageIndices:texts:into:)`,
/// which reuses its storage whenever the batch shape repeats.
public struct FusionForward: Sendable {
    /// h_I of every sample, [batch, imageRepresentationSize] (gathered when images were shared).
    public var imageRepresentation: Matrix {
        guard let imageIndices else { return image.output }
        var perSample = Matrix.empty
        perSample.gatherRows(of: image.output, imageIndices)
        return perSample
    }
    /// h_T, [batch, textRepresentationSize].
    public var textRepresentation: Matrix { text.output }
    /// h_F, [batch, fusionRepresentationSize].
    public var fusionRepresentation: Matrix { fusion.output }
    /// The head's output, [batch, classes].
    public internal(set) var logits: Matrix = .empty

    /// f_I's activations over the distinct images.
    var image = MLPTrace()
    var text = MLPTrace()
    /// f_F's activations; its input is [h_I; h_T] per sample.
    var fusion = MLPTrace()
    /// [h_I; h_T; h_F] per sample.
    var headInput: Matrix = .empty
    /// The row of `image` each sample uses; nil when sample r uses image row r.
    var imageIndices: [Int]?

    /// An empty pass, for a loop to fill.
    public init() {}
}

/// Activations of one MLP kept for its pullback.
struct MLPTrace: Sendable {
    /// activations[0] is the MLP's input; activations[k + 1] = σ(preActivations[k]) is layer k's output.
    var activations: [Matrix] = [.empty]
    /// The pre-activation output of each linear layer.
    var preActivations: [Matrix] = []

    /// The activated output of the last layer (the input when the MLP has no layers).
    var output: Matrix { activations[activations.count - 1] }

    /// Sizes the arrays for `layers` linear layers, keeping their matrices when the count matches.
    mutating func prepare(layers: Int) {
        guard preActivations.count != layers else { return }
        preActivations = Array(repeating: .empty, count: layers)
        activations = Array(repeating: .empty, count: layers + 1)
    }
}

/// Gradients of the fusion model's parameters, parallel to `FusionModel.layers`; nil where a
/// layer's group was not requested (or no gradient reached it).
public struct FusionGradients: Sendable {
    public var layers: [LinearGradient?]

    public init(layers: [LinearGradient?]) {
        self.layers = layers
    }

    /// No gradients yet, for a loop to fill with `backward(_:…into:scratch:)`.
    public init() {
        layers = []
    }

    /// Adds another set of gradients (nil entries stay nil unless the other has them).
    public mutating func add(_ other: FusionGradients) {
        for i in layers.indices {
            guard let g = other.layers[i] else { continue }
            if layers[i] == nil { layers[i] = g } else { layers[i]!.add(g) }
        }
    }
}

/// The intermediate gradients of a backward pass, kept by a training loop so that a step
/// allocates nothing once the batch shape repeats. Its contents are meaningless between calls.
public struct FusionBackwardScratch: Sendable {
    /// ∂L/∂h_I per sample, ∂L/∂h_I summed per distinct image, ∂L/∂h_T, ∂L/∂h_F.
    var image: Matrix = .empty
    var distinctImage: Matrix = .empty
    var text: Matrix = .empty
    var fusion: Matrix = .empty
    /// ∂L/∂(input) of each linear layer, by layer index.
    var inputGradients: [Matrix] = []
    /// Gradient storage of layers that got no gradient in the last call, kept for the next one.
    var spareGradients: [LinearGradient?] = []

    public init() {}
}
