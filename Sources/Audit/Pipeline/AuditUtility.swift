import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NumericCore

/// The utility figures of SPEC §5.6 for one model, measured through its adapter.
///
/// On a classification data set (`task == "classification"`) the fields hold accuracies (the
/// most probable class is the row's label): `testITMAccuracy` and `testMatchAccuracy` the test
/// accuracy, the others each split's, and the mismatched-pair rate and recall are absent.
public struct ModelUtility: Codable, Equatable, Sendable {
    /// "classification" for a classification data set; nil (absent) for image–text matching.
    public var task: String?
    /// Test ITM accuracy (true pairs and the fixed mismatched pairs); chance 0.5.
    public let testITMAccuracy: Double
    /// p(match) > 0.5 rates on true pairs of each split, and on mismatched forget pairs.
    public let testMatchAccuracy: Double
    public let forgetMatchAccuracy: Double
    public let forgetMismatchedMatchRate: Double?
    public let retainMatchAccuracy: Double
    public let holdoutMatchAccuracy: Double
    /// Recall@{1,5,10} within the test split both ways; native models only (it scores n² pairs).
    public let testRecall: MatchingUtility.Recall?

    enum CodingKeys: String, CodingKey {
        case testITMAccuracy = "test_itm_accuracy", testMatchAccuracy = "test_match_accuracy"
        case forgetMatchAccuracy = "forget_match_accuracy", forgetMismatchedMatchRate = "forget_mismatched_match_rate"
        case retainMatchAccuracy = "retain_match_accuracy", holdoutMatchAccuracy = "holdout_match_accuracy"
        case testRecall = "test_recall", task
    }

    /// Whether the figures are classification accuracies.
    public var isClassification: Bool { task == DataSetManifest.classification }

    /// Measures a model on the data set's test, forget, retain and holdout splits.
    public static func measure(_ adapter: any ModelAdapter, dataSet: PairDataSet, test: [Int], forget: [Int],
                               retain: [Int], holdout: [Int]) throws -> ModelUtility {
        if dataSet.isClassification {
            return try classification(adapter, dataSet: dataSet, test: test, forget: forget, retain: retain, holdout: holdout)
        }
        let data = MatchingData(dataSet)
        func partners(_ rows: [Int]) -> [Int] { MatchingEvaluator.evaluationPartners(data: data, rows: rows) }
        func matchRate(images: [Int], texts: [Int]) throws -> Double {
            guard !images.isEmpty else { return .nan }
            let p = try adapter.probabilities(for: zip(images, texts).map { PairQuery(image: $0, text: $1) }, in: dataSet)
            return Double(p.filter { $0[1] > 0.5 }.count) / Double(images.count)
        }
        let testMatch = try matchRate(images: test, texts: test)
        let testMismatched = try matchRate(images: test, texts: partners(test))
        var recall: MatchingUtility.Recall?
        // Retrieval recall needs the model itself (every text against every image), which only a
        // native model gives; the pipeline wraps each adapter in a RecordingAdapter.
        let unwrapped = (adapter as? RecordingAdapter)?.inner ?? adapter
        if let native = unwrapped as? NativeAdapter, !test.isEmpty {
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

extension ModelUtility {
    /// Accuracy on each split of a classification data set.
    static func classification(_ adapter: any ModelAdapter, dataSet: PairDataSet, test: [Int], forget: [Int],
                               retain: [Int], holdout: [Int]) throws -> ModelUtility {
        func accuracy(_ rows: [Int]) throws -> Double {
            guard !rows.isEmpty else { return .nan }
            let p = try adapter.probabilities(forRows: rows, in: dataSet)
            let correct = zip(rows, p).filter { row, probabilities in
                probabilities.indices.max { probabilities[$0] < probabilities[$1] } == dataSet.trueClass(of: row)
            }.count
            return Double(correct) / Double(rows.count)
        }
        let testAccuracy = try accuracy(test)
        return ModelUtility(task: DataSetManifest.classification, testITMAccuracy: testAccuracy, testMatchAccuracy: testAccuracy,
                            forgetMatchAccuracy: try accuracy(forget), forgetMismatchedMatchRate: nil,
                            retainMatchAccuracy: try accuracy(retain), holdoutMatchAccuracy: try accuracy(holdout), testRecall: nil)
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
