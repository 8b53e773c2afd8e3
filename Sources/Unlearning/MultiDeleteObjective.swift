import MatchingTask
import NeuralNet
import NumericCore

/// The weights of MultiDelete's loss terms (papers/multidelete.md Eq. 7): L = α·L_MD + β·L_MKR + γ·L_UKR.
public struct MultiDeleteWeights: Sendable, Equatable, Codable {
    /// α, the weight of modality decoupling L_MD (Eq. 2).
    public var decoupling: Float
    /// β, the weight of multimodal knowledge retention L_MKR (Eq. 4).
    public var multimodalRetention: Float
    /// γ, the weight of unimodal knowledge retention L_UKR (Eq. 6).
    public var unimodalRetention: Float

    public init(decoupling: Float, multimodalRetention: Float, unimodalRetention: Float) {
        self.decoupling = decoupling
        self.multimodalRetention = multimodalRetention
        self.unimodalRetention = unimodalRetention
    }
}

/// The values of MultiDelete's loss terms on one batch (or their means over an epoch).
public struct MultiDeleteLossTerms: Sendable, Equatable, Codable {
    /// L_MD = MSE(h_F′(I_i, T_i), h_F(I_p, T_q)).
    public var decoupling: Double
    /// L_MKR = MSE(h_F′(I_r, T_r), h_F(I_r, T_r)).
    public var multimodalRetention: Double
    /// L_UKR = MSE([h_I′; h_T′](forget), [h_I; h_T](forget)).
    public var unimodalRetention: Double
    /// α·L_MD + β·L_MKR + γ·L_UKR.
    public var total: Double

    public init(decoupling: Double = 0, multimodalRetention: Double = 0, unimodalRetention: Double = 0, total: Double = 0) {
        self.decoupling = decoupling
        self.multimodalRetention = multimodalRetention
        self.unimodalRetention = unimodalRetention
        self.total = total
    }

    enum CodingKeys: String, CodingKey {
        case decoupling = "md", multimodalRetention = "mkr", unimodalRetention = "ukr", total
    }
}

/// The rows of one MultiDelete step.
struct MultiDeleteBatch: Sendable {
    /// Forget rows (I_i, T_i).
    var forget: [Int]
    /// Retain rows (I_r, T_r).
    var retain: [Int]
    /// One mismatched retain pair (I_p, T_q) per forget row: image rows p, text rows q, groups differ.
    var mismatchedImages: [Int]
    var mismatchedTexts: [Int]

    /// `count` mismatched pairs from `retain`: p uniform over `retain`, then q uniform over the retain
    /// rows of another group (by rejection; `retain` must span at least two groups).
    static func mismatchedPairs(count: Int, retain: [Int], groups: [Int],
                                generator: inout RandomSource) -> (images: [Int], texts: [Int]) {
        var images: [Int] = [], texts: [Int] = []
        for _ in 0..<count {
            let p = retain[generator.nextInt(below: retain.count)]
            var q = retain[generator.nextInt(below: retain.count)]
            while groups[q] == groups[p] { q = retain[generator.nextInt(below: retain.count)] }
            images.append(p)
            texts.append(q)
        }
        return (images, texts)
    }
}

/// What the frozen model f gives for a batch: the targets of the three terms.
struct MultiDeleteTargets: Sendable {
    /// h_F(I_p, T_q), [forget batch, fusion width].
    var decoupling: Matrix
    /// h_F(I_r, T_r), [retain batch, fusion width].
    var multimodalRetention: Matrix
    /// [h_I(I_i); h_T(T_i)], [forget batch, image + text width].
    var unimodalRetention: Matrix

    init(decoupling: Matrix, multimodalRetention: Matrix, unimodalRetention: Matrix) {
        self.decoupling = decoupling
        self.multimodalRetention = multimodalRetention
        self.unimodalRetention = unimodalRetention
    }

    /// One forward pass of `teacher` over the mismatched, retain and forget rows together.
    init(teacher: FusionModel, data: MatchingData, batch: MultiDeleteBatch) {
        let (m, r) = (batch.mismatchedImages.count, batch.retain.count)
        let pass = teacher.forward(
            images: data.images.gatherRows(batch.mismatchedImages + batch.retain + batch.forget),
            texts: data.texts.gatherRows(batch.mismatchedTexts + batch.retain + batch.forget))
        let fusion = pass.fusionRepresentation
        decoupling = fusion.rowSlice(0..<m)
        multimodalRetention = fusion.rowSlice(m..<(m + r))
        let forgetRows = (m + r)..<(m + r + batch.forget.count)
        unimodalRetention = Matrix.concatenateColumns([pass.imageRepresentation.rowSlice(forgetRows),
                                                       pass.textRepresentation.rowSlice(forgetRows)])
    }
}

/// The frozen model's h_I, h_T and h_F of the true pairs of some rows, computed once so that each
/// step's targets cost only gathers and, for the mismatched pairs, the fusion MLP.
struct FrozenRepresentations: Sendable {
    let model: FusionModel
    /// position[row] is the row's index into the matrices below, or −1 when not computed.
    private let position: [Int]
    private let image: Matrix, text: Matrix, fusion: Matrix

    /// One forward pass of `model` over `rows` (in batches of 512).
    init(model: FusionModel, data: MatchingData, rows: [Int]) {
        self.model = model
        var position = [Int](repeating: -1, count: data.count)
        var images: [Matrix] = [], texts: [Matrix] = [], fusions: [Matrix] = []
        for start in stride(from: 0, to: rows.count, by: 512) {
            let chunk = Array(rows[start..<min(start + 512, rows.count)])
            let pass = model.forward(images: data.images.gatherRows(chunk), texts: data.texts.gatherRows(chunk))
            images.append(pass.imageRepresentation)
            texts.append(pass.textRepresentation)
            fusions.append(pass.fusionRepresentation)
        }
        for (index, row) in rows.enumerated() { position[row] = index }
        self.position = position
        image = Matrix.concatenateRows(images)
        text = Matrix.concatenateRows(texts)
        fusion = Matrix.concatenateRows(fusions)
    }

    private func positions(_ rows: [Int]) -> [Int] {
        rows.map { row in
            precondition(position[row] >= 0, "row \(row) has no frozen representation")
            return position[row]
        }
    }

    /// The targets of `batch`; h_F(I_p, T_q) runs the frozen fusion MLP on [h_I(I_p); h_T(T_q)],
    /// exactly as the forward pass does.
    func targets(for batch: MultiDeleteBatch) -> MultiDeleteTargets {
        var mismatched = Matrix.concatenateColumns([image.gatherRows(positions(batch.mismatchedImages)),
                                                    text.gatherRows(positions(batch.mismatchedTexts))])
        for index in model.layerRange(of: .fusion) {
            mismatched = model.architecture.activation(model.layers[index](mismatched))
        }
        let forget = positions(batch.forget)
        return MultiDeleteTargets(
            decoupling: mismatched, multimodalRetention: fusion.gatherRows(positions(batch.retain)),
            unimodalRetention: Matrix.concatenateColumns([image.gatherRows(forget), text.gatherRows(forget)]))
    }
}

/// MultiDelete's loss (papers/multidelete.md Eq. 2, 4, 6, 7) and its gradient for the model being unlearned.
enum MultiDeleteObjective {
    /// The loss terms on `batch` for the student f′ against the frozen model's `targets`, and the
    /// gradient of L = α·L_MD + β·L_MKR + γ·L_UKR w.r.t. the parameters in `groups`.
    ///
    /// One forward pass over [forget rows; retain rows] gives h_F′ for L_MD and L_MKR and [h_I′; h_T′]
    /// for L_UKR; the gradients of the three MSEs (each a mean over its own elements) are placed on
    /// the representations and pulled back once. The head gets no gradient (no term reaches it).
    static func evaluate(student: FusionModel, data: MatchingData, batch: MultiDeleteBatch, targets: MultiDeleteTargets,
                         weights: MultiDeleteWeights, groups: Set<ParameterGroup>)
        -> (terms: MultiDeleteLossTerms, gradients: FusionGradients) {
        let (f, r) = (batch.forget.count, batch.retain.count)
        precondition(f > 0 && r > 0, "a MultiDelete step needs forget and retain rows, got \(f) and \(r)")
        let pass = student.forward(images: data.images.gatherRows(batch.forget + batch.retain),
                                   texts: data.texts.gatherRows(batch.forget + batch.retain))
        let fusion = pass.fusionRepresentation
        let decoupling = Loss.meanSquaredError(prediction: fusion.rowSlice(0..<f), target: targets.decoupling)
        let retention = Loss.meanSquaredError(prediction: fusion.rowSlice(f..<(f + r)), target: targets.multimodalRetention)
        let imageWidth = pass.imageRepresentation.columns, textWidth = pass.textRepresentation.columns
        let unimodal = Loss.meanSquaredError(
            prediction: Matrix.concatenateColumns([pass.imageRepresentation.rowSlice(0..<f),
                                                   pass.textRepresentation.rowSlice(0..<f)]),
            target: targets.unimodalRetention)
        let (alpha, beta, gamma) = (weights.decoupling, weights.multimodalRetention, weights.unimodalRetention)
        let terms = MultiDeleteLossTerms(
            decoupling: decoupling.loss, multimodalRetention: retention.loss, unimodalRetention: unimodal.loss,
            total: Double(alpha) * decoupling.loss + Double(beta) * retention.loss + Double(gamma) * unimodal.loss)

        let dFusion = Matrix.concatenateRows([decoupling.gradient.scaled(by: alpha), retention.gradient.scaled(by: beta)])
        var dImage: Matrix? = nil, dText: Matrix? = nil
        // L_UKR depends on the encoders only: skip its pullback when they are frozen or γ = 0.
        if gamma != 0, groups.contains(.imageEncoder) || groups.contains(.textEncoder) {
            let dUnimodal = unimodal.gradient.scaled(by: gamma)
            dImage = Matrix.concatenateRows([dUnimodal.columnSlice(0, width: imageWidth),
                                             Matrix(rows: r, columns: imageWidth)])
            dText = Matrix.concatenateRows([dUnimodal.columnSlice(imageWidth, width: textWidth),
                                            Matrix(rows: r, columns: textWidth)])
        }
        let gradients = student.backward(pass, logitGradient: nil, imageRepresentationGradient: dImage,
                                         textRepresentationGradient: dText, fusionRepresentationGradient: dFusion,
                                         groups: groups)
        return (terms, gradients)
    }
}
