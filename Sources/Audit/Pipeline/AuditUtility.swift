import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NumericCore

/// The utility figures of SPEC §5.6 for one model, measured through its adapter.
public struct ModelUtility: Codable, Equatable, Sendable {
    /// Test ITM accuracy (true pairs and the fixed mismatched pairs); chance 0.5.
    public let testITMAccuracy: Double
    /// p(match) > 0.5 rates on true pairs of each split, and on mismatched forget pairs.
    public let testMatchAccuracy: Double
    public let forgetMatchAccuracy: Double
    public let forgetMismatchedMatchRate: Double
    public let retainMatchAccuracy: Double
    public let holdoutMatchAccuracy: Double
    /// Recall@{1,5,10} within the test split both ways; native models only (it scores n² pairs).
    public let testRecall: MatchingUtility.Recall?

    enum CodingKeys: String, CodingKey {
        case testITMAccuracy = "test_itm_accuracy", testMatchAccuracy = "test_match_accuracy"
        case forgetMatchAccuracy = "forget_match_accuracy", forgetMismatchedMatchRate = "forget_mismatched_match_rate"
        case retainMatchAccuracy = "retain_match_accuracy", holdoutMatchAccuracy = "holdout_match_accuracy"
        case testRecall = "test_recall"
    }

    /// Measures a model on the data set's test, forget, retain and holdout splits.
    public static func measure(_ adapter: any ModelAdapter, dataSet: PairDataSet, test: [Int], forget: [Int],
                               retain: [Int], holdout: [Int]) throws -> ModelUtility {
        let data = MatchingData(images: dataSet.images, texts: dataSet.texts, groups: dataSet.groups)
        func partners(_ rows: [Int]) -> [Int] { MatchingEvaluator.evaluationPartners(data: data, rows: rows) }
        func matchRate(images: [Int], texts: [Int]) throws -> Double {
            guard !images.isEmpty else { return .nan }
            let p = try adapter.probabilities(for: zip(images, texts).map { PairQuery(image: $0, text: $1) }, in: dataSet)
            return Double(p.filter { $0[1] > 0.5 }.count) / Double(images.count)
        }
        let testMatch = try matchRate(images: test, texts: test)
        let testMismatched = try matchRate(images: test, texts: partners(test))
        var recall: MatchingUtility.Recall?
        if let native = adapter as? NativeAdapter, !test.isEmpty {
            let ks = [1, 5, 10]
            let r = MatchingEvaluator.recallAtK(model: native.model, data: data, rows: test, ks: ks)
            recall = .init(imageToText: Dictionary(uniqueKeysWithValues: zip(ks.map(String.init), r.imageToText)),
                           textToImage: Dictionary(uniqueKeysWithValues: zip(ks.map(String.init), r.textToImage)))
        }
        return ModelUtility(testITMAccuracy: (testMatch + 1 - testMismatched) / 2, testMatchAccuracy: testMatch,
                            forgetMatchAccuracy: try matchRate(images: forget, texts: forget),
                            forgetMismatchedMatchRate: try matchRate(images: forget, texts: partners(forget)),
                            retainMatchAccuracy: try matchRate(images: retain, texts: retain),
                            holdoutMatchAccuracy: try matchRate(images: holdout, texts: holdout), testRecall: recall)
    }
}

/// The audited model's utility beside the original's and the change (audited − original).
public struct UtilityComparison: Codable, Equatable, Sendable {
    public let audited: ModelUtility
    public let original: ModelUtility?
    /// Audited − original test ITM accuracy (negative = utility lost).
    public let testITMAccuracyChange: Double?

    public init(audited: ModelUtility, original: ModelUtility?) {
        self.audited = audited
        self.original = original
        testITMAccuracyChange = original.map { audited.testITMAccuracy - $0.testITMAccuracy }
    }

    enum CodingKeys: String, CodingKey {
        case audited, original
        case testITMAccuracyChange = "test_itm_accuracy_change"
    }
}
