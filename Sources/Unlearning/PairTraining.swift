import MatchingTask
import NeuralNet
import NumericCore

/// The ITM training loss (SPEC §2) as the baselines use it: softmax cross-entropy on labelled pairs.
enum PairTraining {
    /// The training pairs of `rows` as `MatchingTrainer` draws them (`MatchingData.trainingPairs`):
    /// `negativesPerPositive` mismatched partners per row from `rows`, then the rows shuffled, each
    /// row's true pair (match) followed by its mismatched pairs (no match). For classification data,
    /// each row with its label and no mismatched pairs.
    static func trainingPairs(data: MatchingData, rows: [Int], negativesPerPositive: Int,
                              generator: inout RandomSource) -> [TrainingPair] {
        data.trainingPairs(rows: rows, negativesPerPositive: negativesPerPositive, generator: &generator)
    }

    /// The mean cross-entropy of each part and the gradient of Σ_k scale_k · CE_k (parts with
    /// negative scales are ascended), from one forward and one backward pass over all parts' rows.
    ///
    /// Each part's CE is a mean over its own pairs (`Loss.softmaxCrossEntropy`), so a part's weight
    /// in the sum does not depend on its size. An empty part contributes nothing (its loss reads 0).
    /// Pairs that share an image row (a row's true and mismatched pairs) share one pass of the
    /// image encoder (`TrainingBatch`).
    static func gradient(model: FusionModel, data: MatchingData, parts: [(pairs: [TrainingPair], scale: Float)],
                         groups: Set<ParameterGroup> = Set(ParameterGroup.allCases)) -> (losses: [Double], gradients: FusionGradients) {
        let batch = TrainingBatch(parts.flatMap(\.pairs))
        precondition(batch.count > 0, "a cross-entropy step needs at least one pair")
        var pass = FusionForward()
        model.forward(images: data.images.gatherRows(batch.imageRows), imageIndices: batch.sharedImageIndices,
                      texts: data.texts.gatherRows(batch.textRows), into: &pass)
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
