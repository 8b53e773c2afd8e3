import Foundation
import NumericCore
import Testing
@testable import Stats

/// cross_validation_reference.json (make_cross_validation_reference.py): scikit-learn lbfgs fits on
/// StandardScaler-transformed training folds, tol 1e-12, with the folds fixed in the file.
struct CrossValidationReference: Decodable {
    let C: Double
    let features: [[Double]]
    let labels: [Int]
    let folds: [Int]
    let probability: [Double]
}

struct CrossValidationTests {
    /// Per fold: (examples, positives).
    static func foldCounts(_ assignment: [Int], _ labels: [Bool], folds: Int) -> [(size: Int, positives: Int)] {
        var counts = [(size: Int, positives: Int)](repeating: (0, 0), count: folds)
        for (fold, label) in zip(assignment, labels) {
            counts[fold].size += 1
            if label { counts[fold].positives += 1 }
        }
        return counts
    }

    @Test func foldsAreBalancedAndStratified() throws {
        // 37 members and 58 non-members, interleaved irregularly.
        let labels = (0..<95).map { ($0 * 7) % 95 < 37 }
        #expect(labels.filter { $0 }.count == 37)
        let assignment = try CrossValidation.stratifiedFolds(labels: labels, folds: 10, seed: 42)
        #expect(assignment.count == 95)
        #expect(assignment.allSatisfy { (0..<10).contains($0) })
        let counts = Self.foldCounts(assignment, labels, folds: 10)
        #expect(counts.map(\.size).sorted() == [9, 9, 9, 9, 9, 10, 10, 10, 10, 10])
        #expect(counts.map(\.positives).sorted() == [3, 3, 3, 4, 4, 4, 4, 4, 4, 4])
        #expect(counts.map { $0.size - $0.positives }.sorted() == [5, 5, 6, 6, 6, 6, 6, 6, 6, 6])
    }

    @Test func negativesContinueTheRoundRobin() throws {
        // 12 positives fill folds 0 and 1 twice; the 13 negatives start at fold 2 and wrap to fold 4.
        let labels = [Bool](repeating: true, count: 12) + [Bool](repeating: false, count: 13)
        let counts = Self.foldCounts(try CrossValidation.stratifiedFolds(labels: labels, seed: 7), labels, folds: 10)
        #expect(counts.map(\.positives) == [2, 2, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(counts.map { $0.size - $0.positives } == [1, 1, 2, 2, 2, 1, 1, 1, 1, 1])
        #expect(counts.map(\.size) == [3, 3, 3, 3, 3, 2, 2, 2, 2, 2])
    }

    @Test func foldsAreDeterministicPerSeed() throws {
        let labels = (0..<60).map { $0 % 3 == 0 }
        let first = try CrossValidation.stratifiedFolds(labels: labels, folds: 5, seed: 1)
        #expect(try CrossValidation.stratifiedFolds(labels: labels, folds: 5, seed: 1) == first)
        let other = try CrossValidation.stratifiedFolds(labels: labels, folds: 5, seed: 2)
        #expect(other != first)
        // A different seed reshuffles, but the per-fold class counts stay the same.
        #expect(Self.foldCounts(other, labels, folds: 5).map(\.positives) == [4, 4, 4, 4, 4])
        #expect(Self.foldCounts(first, labels, folds: 5).map(\.size) == [12, 12, 12, 12, 12])
    }

    @Test func foldErrorsNameTheProblem() throws {
        let mixed = (0..<40).map { $0 % 2 == 0 }
        #expect(throws: StatsError.singleClass(input: "labels", onlyPositives: true)) {
            _ = try CrossValidation.stratifiedFolds(labels: [Bool](repeating: true, count: 30), seed: 0)
        }
        #expect(throws: StatsError.singleClass(input: "labels", onlyPositives: false)) {
            _ = try CrossValidation.stratifiedFolds(labels: [Bool](repeating: false, count: 30), seed: 0)
        }
        let fewPositives = [Bool](repeating: true, count: 9) + [Bool](repeating: false, count: 40)
        #expect(throws: StatsError.tooFewForFolds(input: "labels", positives: true, count: 9, folds: 10)) {
            _ = try CrossValidation.stratifiedFolds(labels: fewPositives, seed: 0)
        }
        #expect(StatsError.tooFewForFolds(input: "labels", positives: true, count: 9, folds: 10).description
                == "labels: only 9 members (1) for 10-fold cross-validation; supply at least 10 examples of each class, or use fewer folds.")
        let fewNegatives = [Bool](repeating: true, count: 20) + [Bool](repeating: false, count: 4)
        #expect(throws: StatsError.tooFewForFolds(input: "labels", positives: false, count: 4, folds: 5)) {
            _ = try CrossValidation.stratifiedFolds(labels: fewNegatives, folds: 5, seed: 0)
        }
        #expect(throws: StatsError.invalidSetting(name: "folds", value: "1", expected: "at least 2 folds, such as 10")) {
            _ = try CrossValidation.stratifiedFolds(labels: mixed, folds: 1, seed: 0)
        }
        #expect(throws: StatsError.emptySample(input: "labels")) {
            _ = try CrossValidation.stratifiedFolds(labels: [], seed: 0)
        }
        // Exactly as many of each class as folds is allowed: one member and one non-member per fold.
        let counts = Self.foldCounts(try CrossValidation.stratifiedFolds(labels: mixed, folds: 20, seed: 0), mixed, folds: 20)
        #expect(counts.allSatisfy { $0.size == 2 && $0.positives == 1 })
    }

    @Test func outOfFoldProbabilitiesMatchScikitLearn() throws {
        let reference = try Fixture.load("cross_validation_reference", as: CrossValidationReference.self)
        #expect(reference.labels.count == 120 && Set(reference.folds) == Set(0..<10))
        let probabilities = try CrossValidation.logisticOutOfFoldProbabilities(
            features: reference.features, labels: reference.labels.map { $0 == 1 }, folds: reference.folds,
            settings: LogisticRegressionSettings(inverseRegularization: reference.C))
        #expect(probabilities.count == reference.probability.count)
        let worst = zip(probabilities, reference.probability).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "largest out-of-fold probability difference \(worst)")
    }

    @Test func eachFoldIsScoredByAModelThatNeverSawIt() throws {
        // Members (even rows) sit 1.5 higher on the first feature; the second is noise on another scale.
        var random = RandomSource(seed: 9)
        let labels = (0..<50).map { $0 % 2 == 0 }
        let features: [[Double]] = labels.map { member in
            [random.nextGaussian() + (member ? 1.5 : 0), 10 * random.nextGaussian() + 3]
        }
        let folds = try CrossValidation.stratifiedFolds(labels: labels, folds: 5, seed: 3)
        let probabilities = try CrossValidation.logisticOutOfFoldProbabilities(features: features, labels: labels, folds: folds)
        for fold in 0..<5 {
            let training = labels.indices.filter { folds[$0] != fold }
            let model = try LogisticRegression(features: training.map { features[$0] }, labels: training.map { labels[$0] })
            for index in labels.indices where folds[index] == fold {
                #expect(probabilities[index] == model.probability(features[index]))
            }
        }
        #expect(try CrossValidation.logisticOutOfFoldProbabilities(features: features, labels: labels, folds: folds) == probabilities)
        // Out of fold, members still score clearly higher on average.
        let mean = { (member: Bool) in
            let chosen = labels.indices.filter { labels[$0] == member }
            return chosen.map { probabilities[$0] }.reduce(0, +) / Double(chosen.count)
        }
        #expect(mean(true) > mean(false) + 0.1)
    }

    @Test func outOfFoldRejectsBadInput() {
        let features = (0..<20).map { [Double($0)] }
        let labels = (0..<20).map { $0 % 2 == 0 }
        let folds = (0..<20).map { $0 % 4 }
        #expect(throws: StatsError.mismatchedLengths(first: "folds", firstCount: 19, second: "labels", secondCount: 20)) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: features, labels: labels, folds: Array(folds.dropLast()))
        }
        #expect(throws: StatsError.mismatchedLengths(first: "features", firstCount: 19, second: "labels", secondCount: 20)) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: Array(features.dropLast()), labels: labels, folds: folds)
        }
        #expect(throws: StatsError.self) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: features, labels: labels, folds: [Int](repeating: 0, count: 20))
        }
        #expect(throws: StatsError.self) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: features, labels: labels, folds: [-1] + folds.dropFirst())
        }
        // Every member in fold 0: fold 0's training rows are all non-members.
        let clustered = labels.map { $0 ? 0 : 1 }
        let error = #expect(throws: StatsError.self) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: features, labels: labels, folds: clustered)
        }
        #expect(error?.description.hasPrefix("folds: outside fold 0 every label is 0 (non-member)") == true)
        // A ragged held-out row is reported, not a crash.
        var ragged = features
        ragged[3] = [1, 2]
        #expect(throws: StatsError.self) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: ragged, labels: labels, folds: folds)
        }
        #expect(throws: StatsError.emptySample(input: "features")) {
            _ = try CrossValidation.logisticOutOfFoldProbabilities(features: [], labels: [], folds: [])
        }
    }
}
