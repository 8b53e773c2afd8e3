import MatchingTask
import NeuralNet
import NumericCore

/// An (image row, text row) example with its ITM label: 1 = match, 0 = no match.
struct LabelledPair: Sendable, Equatable {
    let image: Int
    let text: Int
    let label: Int
}

/// The ITM training loss (SPEC §2) as the baselines use it: softmax cross-entropy on labelled pairs.
enum PairTraining {
    /// The training pairs of `rows` as `MatchingTrainer` draws them: each true pair (match), then
    /// `negativesPerPositive` mismatched partners per row from `rows` (no match), then shuffled.
    /// For classification data, each row with its label and no mismatched pairs.
    static func trainingPairs(data: MatchingData, rows: [Int], negativesPerPositive: Int,
                              generator: inout RandomSource) -> [LabelledPair] {
        var pairs = rows.map { LabelledPair(image: $0, text: $0, label: data.trueClass(of: $0)) }
        for _ in 0..<(data.isClassification ? 0 : negativesPerPositive) {
            let partners = data.mismatchedPartners(for: rows, generator: &generator)
            pairs += zip(rows, partners).map { LabelledPair(image: $0, text: $1, label: 0) }
        }
        generator.shuffle(&pairs)
        return pairs
    }

    /// The mean cross-entropy of each part and the gradient of Σ_k scale_k · CE_k (parts with
    /// negative scales are ascended), from one forward and one backward pass over all parts' rows.
    ///
    /// Each part's CE is a mean over its own pairs (`Loss.softmaxCrossEntropy`), so a part's weight
    /// in the sum does not depend on its size. An empty part contributes nothing (its loss reads 0).
    static func gradient(model: FusionModel, data: MatchingData, parts: [(pairs: [LabelledPair], scale: Float)],
                         groups: Set<ParameterGroup> = Set(ParameterGroup.allCases)) -> (losses: [Double], gradients: FusionGradients) {
        let all = parts.flatMap(\.pairs)
        precondition(!all.isEmpty, "a cross-entropy step needs at least one pair")
        let pass = model.forward(images: data.images.gatherRows(all.map(\.image)), texts: data.texts.gatherRows(all.map(\.text)))
        var losses: [Double] = []
        var pieces: [Matrix] = []
        var offset = 0
        for part in parts {
            guard !part.pairs.isEmpty else { losses.append(0); continue }
            let logits = pass.logits.rowSlice(offset..<(offset + part.pairs.count))
            let (loss, dLogits) = Loss.softmaxCrossEntropy(logits: logits, labels: part.pairs.map(\.label))
            losses.append(loss)
            pieces.append(dLogits.scaled(by: part.scale))
            offset += part.pairs.count
        }
        return (losses, model.backward(pass, logitGradient: Matrix.concatenateRows(pieces), groups: groups))
    }
}
