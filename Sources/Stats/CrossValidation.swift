import NumericCore

/// Stratified k-fold cross-validation of the logistic attacker, for the shadow-free U-MIA (SPEC §5.3).
///
/// Without shadows, the attacker is fitted on the target model's own scores: D_f (label true) against
/// D_h (label false). To score every example with a model that never saw it, the examples are split
/// into stratified folds and each fold is scored by a `LogisticRegression` fitted on the others.
public enum CrossValidation {
    /// A fold index in `0..<folds` for every example, stratified by label.
    ///
    /// The positives' indices and then the negatives' indices are each shuffled (Fisher–Yates, driven
    /// by `RandomSource(seed: seed).derived("stratified-folds")`) and dealt round-robin into the folds,
    /// the negatives continuing where the positives stopped. So every fold holds ⌊p/k⌋ or ⌈p/k⌉ of
    /// the p positives, likewise for the negatives, and fold sizes differ by at most one. The same
    /// labels and seed always give the same folds. O(n).
    /// - Throws: `StatsError` when `folds` < 2, `labels` is empty or of one class, or either class has
    ///   fewer examples than `folds`.
    public static func stratifiedFolds(labels: [Bool], folds: Int = 10, seed: UInt64) throws -> [Int] {
        guard folds >= 2 else {
            throw StatsError.invalidSetting(name: "folds", value: "\(folds)", expected: "at least 2 folds, such as 10")
        }
        guard !labels.isEmpty else { throw StatsError.emptySample(input: "labels") }
        let positives = labels.indices.filter { labels[$0] }
        let negatives = labels.indices.filter { !labels[$0] }
        if positives.isEmpty || negatives.isEmpty {
            throw StatsError.singleClass(input: "labels", onlyPositives: negatives.isEmpty)
        }
        if positives.count < folds {
            throw StatsError.tooFewForFolds(input: "labels", positives: true, count: positives.count, folds: folds)
        }
        if negatives.count < folds {
            throw StatsError.tooFewForFolds(input: "labels", positives: false, count: negatives.count, folds: folds)
        }
        var random = RandomSource(seed: seed).derived("stratified-folds")
        var order = positives
        random.shuffle(&order)
        var shuffledNegatives = negatives
        random.shuffle(&shuffledNegatives)
        order += shuffledNegatives
        var assignment = [Int](repeating: 0, count: labels.count)
        for (position, index) in order.enumerated() { assignment[index] = position % folds }
        return assignment
    }

    /// Out-of-fold P(label true) for every example, in input order.
    ///
    /// For each distinct fold f in `folds`, a `LogisticRegression` (which standardises the features
    /// with its own training rows' statistics) is fitted to the examples outside f and predicts the
    /// examples in f. Fold indices need not be contiguous, but there must be at least two folds and
    /// every fold's complement must hold both classes, as `stratifiedFolds` guarantees.
    /// Complexity: O(k · iterations · n · d²) for k folds.
    /// - Throws: `StatsError` for empty input, unequal lengths, a negative fold index, a single fold,
    ///   a training set of one class, or what `LogisticRegression` rejects (ragged rows, non-finite
    ///   features, C ≤ 0).
    public static func logisticOutOfFoldProbabilities(features: [[Double]], labels: [Bool], folds: [Int],
                                                      settings: LogisticRegressionSettings = .init()) throws -> [Double] {
        guard !features.isEmpty else { throw StatsError.emptySample(input: "features") }
        guard features.count == labels.count else {
            throw StatsError.mismatchedLengths(first: "features", firstCount: features.count,
                                               second: "labels", secondCount: labels.count)
        }
        guard folds.count == labels.count else {
            throw StatsError.mismatchedLengths(first: "folds", firstCount: folds.count,
                                               second: "labels", secondCount: labels.count)
        }
        if let index = folds.firstIndex(where: { $0 < 0 }) {
            throw StatsError.badShape(input: "folds", problem: "entry \(index) is the negative fold \(folds[index])",
                                      fix: "number the folds from 0, as stratifiedFolds does")
        }
        // Check every row (held-out rows included) for a common width and finite values up front.
        _ = try FeatureStandardizer(fitting: features)
        let distinctFolds = Set(folds).sorted()
        guard distinctFolds.count >= 2 else {
            throw StatsError.badShape(input: "folds", problem: "every example is in fold \(distinctFolds[0]), so no fold has training data",
                                      fix: "assign the examples to at least 2 folds, as stratifiedFolds does")
        }
        let totalPositives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        var probabilities = [Double](repeating: .nan, count: labels.count)
        for fold in distinctFolds {
            var trainingFeatures: [[Double]] = [], trainingLabels: [Bool] = [], heldOut: [Int] = []
            for index in labels.indices {
                if folds[index] == fold {
                    heldOut.append(index)
                } else {
                    trainingFeatures.append(features[index])
                    trainingLabels.append(labels[index])
                }
            }
            let trainingPositives = trainingLabels.reduce(0) { $0 + ($1 ? 1 : 0) }
            if trainingPositives == 0 || trainingPositives == trainingLabels.count {
                let onlyPositives = trainingPositives > 0
                throw StatsError.badShape(
                    input: "folds",
                    problem: "outside fold \(fold) every label is \(onlyPositives ? "1 (member)" : "0 (non-member)")"
                        + " (\(totalPositives) members among \(labels.count) examples)",
                    fix: "stratify the folds so that each class is spread over several folds, as stratifiedFolds does")
            }
            let model = try LogisticRegression(features: trainingFeatures, labels: trainingLabels, settings: settings)
            for index in heldOut { probabilities[index] = model.probability(features[index]) }
        }
        return probabilities
    }
}
