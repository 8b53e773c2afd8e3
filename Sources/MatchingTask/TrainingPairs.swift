import NumericCore

/// An (image row, text row, label) training example: label 1 = match and 0 = no match for
/// image–text pairs, the row's class for classification data.
public struct TrainingPair: Sendable, Equatable {
    public let image: Int
    public let text: Int
    public let label: Int

    public init(image: Int, text: Int, label: Int) {
        self.image = image
        self.text = text
        self.label = label
    }
}

/// A minibatch as the forward pass takes it: every distinct image row once, and for each pair the
/// index of its image among them, its text row and its label.
///
/// A row's true pair and its mismatched pairs share the image, so a batch of whole groups runs the
/// image encoder once per row instead of once per pair (`FusionModel.forward(images:imageIndices:…)`).
public struct TrainingBatch: Sendable, Equatable {
    /// The distinct image rows, in the order the pairs first use them.
    public let imageRows: [Int]
    /// For each pair, the index of its image in `imageRows`.
    public let imageIndices: [Int]
    /// For each pair, its text row.
    public let textRows: [Int]
    /// For each pair, its label.
    public let labels: [Int]

    /// The batch of `pairs`, in their order. O(pairs) expected (a hash of the image rows).
    public init<Pairs: Collection<TrainingPair>>(_ pairs: Pairs) {
        var position: [Int: Int] = [:]
        var imageRows: [Int] = [], imageIndices: [Int] = [], textRows: [Int] = [], labels: [Int] = []
        for pair in pairs {
            if let index = position[pair.image] {
                imageIndices.append(index)
            } else {
                position[pair.image] = imageRows.count
                imageIndices.append(imageRows.count)
                imageRows.append(pair.image)
            }
            textRows.append(pair.text)
            labels.append(pair.label)
        }
        self.imageRows = imageRows
        self.imageIndices = imageIndices
        self.textRows = textRows
        self.labels = labels
    }

    /// The number of pairs.
    public var count: Int { labels.count }

    /// The image indices to give the forward pass: nil when every pair has its own image (then pair
    /// b uses image b), so the plain per-pair pass runs.
    public var sharedImageIndices: [Int]? { imageRows.count < imageIndices.count ? imageIndices : nil }
}

extension TrainingRecipe {
    /// The pairs of one group: a row's true pair and its `negativesPerPositive` mismatched pairs,
    /// or the row alone on classification data.
    public func pairsPerGroup(classification: Bool) -> Int { classification ? 1 : 1 + negativesPerPositive }

    /// The pairs of one minibatch: as many whole groups as fit in `batchSize`, at least one
    /// (64 with the defaults: 32 rows, each with its true and its mismatched pair).
    public func pairsPerBatch(classification: Bool) -> Int {
        let group = pairsPerGroup(classification: classification)
        return max(1, batchSize / group) * group
    }
}

extension MatchingData {
    /// One epoch's training pairs (SPEC §2), in group order: `rows` shuffled, each row's true pair
    /// (its class on classification data) followed by its mismatched pairs, so consecutive pairs
    /// `pairsPerBatch` at a time are minibatches of whole groups.
    ///
    /// The mismatched partners are drawn first (`negativesPerPositive` rounds of
    /// `mismatchedPartners`, none on classification data), then the rows are shuffled, all with
    /// `generator`. On classification data this is the same order as shuffling the rows' examples.
    public func trainingPairs(rows: [Int], negativesPerPositive: Int, generator: inout RandomSource) -> [TrainingPair] {
        let rounds = isClassification ? 0 : negativesPerPositive
        let partners = (0..<rounds).map { _ in mismatchedPartners(for: rows, generator: &generator) }
        var order = Array(rows.indices)
        generator.shuffle(&order)
        var pairs: [TrainingPair] = []
        pairs.reserveCapacity(rows.count * (1 + rounds))
        for position in order {
            let row = rows[position]
            pairs.append(TrainingPair(image: row, text: row, label: trueClass(of: row)))
            for round in partners { pairs.append(TrainingPair(image: row, text: round[position], label: 0)) }
        }
        return pairs
    }
}
