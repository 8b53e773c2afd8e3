import Foundation
import NeuralNet
import NumericCore

/// Utility of an image–text matching model on one split (SPEC §2, §5.6).
public struct MatchingUtility: Codable, Equatable, Sendable {
    /// Accuracy over the split's true pairs and as many mismatched pairs (one per true pair).
    public var itmAccuracy: Double
    /// Share of true pairs predicted "match" (p(match) > 0.5).
    public var matchAccuracy: Double
    /// Share of mismatched pairs predicted "match": the random-pair level of `matchAccuracy`.
    public var mismatchedMatchRate: Double
    /// Recall@K, keyed "1", "5", "10", in both directions.
    public var recall: Recall
    /// Number of true pairs evaluated.
    public var examples: Int

    public struct Recall: Codable, Equatable, Sendable {
        public var imageToText: [String: Double]
        public var textToImage: [String: Double]
        public init(imageToText: [String: Double], textToImage: [String: Double]) {
            self.imageToText = imageToText
            self.textToImage = textToImage
        }
        enum CodingKeys: String, CodingKey { case imageToText = "image_to_text", textToImage = "text_to_image" }
    }

    enum CodingKeys: String, CodingKey {
        case itmAccuracy = "itm_accuracy", matchAccuracy = "match_accuracy"
        case mismatchedMatchRate = "mismatched_match_rate", recall, examples
    }
}

/// Utility of a classifier on one split.
public struct ClassificationUtility: Codable, Equatable, Sendable {
    /// Share of rows whose most probable class is their label.
    public var accuracy: Double
    /// Mean cross-entropy −log p_y over the rows (p_y floored at 1e-45).
    public var meanLoss: Double
    /// Number of rows evaluated.
    public var examples: Int

    enum CodingKeys: String, CodingKey { case accuracy, meanLoss = "mean_loss", examples }
}

/// Scores pairs and computes utility metrics for a fusion model.
public enum MatchingEvaluator {
    /// The seed of the mismatched pairs used for ITM accuracy; fixed so every model meets the same pairs.
    public static let evaluationSeed: UInt64 = 20_240_601

    /// Probabilities [no match, match] in `Double` for the pairs (imageRows[k], textRows[k]), in order.
    public static func probabilities(model: FusionModel, data: MatchingData, imageRows: [Int], textRows: [Int],
                                     batchSize: Int = 512) -> [[Double]] {
        precondition(imageRows.count == textRows.count, "\(imageRows.count) image rows but \(textRows.count) text rows")
        var result: [[Double]] = []
        result.reserveCapacity(imageRows.count)
        var start = 0
        while start < imageRows.count {
            let end = min(start + batchSize, imageRows.count)
            let pass = model.forward(images: data.images.gatherRows(Array(imageRows[start..<end])),
                                     texts: data.texts.gatherRows(Array(textRows[start..<end])))
            result += Loss.probabilities(logits: pass.logits)
            start = end
        }
        return result
    }

    /// ITM accuracy, match rates and recall@{1,5,10} both ways on the split `rows`.
    public static func evaluate(model: FusionModel, data: MatchingData, rows: [Int]) -> MatchingUtility {
        let (matched, falseMatches) = matchCounts(model: model, data: data, rows: rows)
        let n = Double(rows.count)
        let ks = [1, 5, 10]
        let recall = recallAtK(model: model, data: data, rows: rows, ks: ks)
        return MatchingUtility(
            itmAccuracy: Double(matched + rows.count - falseMatches) / (2 * n),
            matchAccuracy: Double(matched) / n,
            mismatchedMatchRate: Double(falseMatches) / n,
            recall: .init(imageToText: Dictionary(uniqueKeysWithValues: zip(ks.map(String.init), recall.imageToText)),
                          textToImage: Dictionary(uniqueKeysWithValues: zip(ks.map(String.init), recall.textToImage))),
            examples: rows.count)
    }

    /// Retrieval recall@K within the split: image i retrieves among all the split's texts (and text i
    /// among all its images); a hit when the true partner's rank is < K, where its rank counts the
    /// *other* candidates scoring at least as high (ties count against the model).
    public static func recallAtK(model: FusionModel, data: MatchingData, rows: [Int], ks: [Int])
        -> (imageToText: [Double], textToImage: [Double]) {
        let scores = matchScoreMatrix(model: model, data: data, rows: rows)
        let n = rows.count
        var imageHits = [Int](repeating: 0, count: ks.count)
        var textHits = [Int](repeating: 0, count: ks.count)
        scores.storage.withUnsafeBufferPointer { s in
            for i in 0..<n {
                let truth = s[i * n + i]
                var rowRank = 0, columnRank = 0
                for j in 0..<n where j != i {
                    if s[i * n + j] >= truth { rowRank += 1 }
                    if s[j * n + i] >= truth { columnRank += 1 }
                }
                for (k, K) in ks.enumerated() {
                    if rowRank < K { imageHits[k] += 1 }
                    if columnRank < K { textHits[k] += 1 }
                }
            }
        }
        return (imageHits.map { Double($0) / Double(n) }, textHits.map { Double($0) / Double(n) })
    }
}

extension MatchingEvaluator {
    /// ITM accuracy alone (true pairs and the fixed mismatched pairs of `evaluate`), without the
    /// retrieval work; chance is 0.5. Used to detect a model whose training collapsed. On
    /// classification data, the classification accuracy.
    public static func itmAccuracy(model: FusionModel, data: MatchingData, rows: [Int]) -> Double {
        if data.isClassification { return classificationAccuracy(model: model, data: data, rows: rows) }
        let (matched, falseMatches) = matchCounts(model: model, data: data, rows: rows)
        return Double(matched + rows.count - falseMatches) / Double(2 * rows.count)
    }

    /// The share of `rows` whose most probable class is their label (classification data).
    public static func classificationAccuracy(model: FusionModel, data: MatchingData, rows: [Int]) -> Double {
        precondition(!rows.isEmpty, "evaluation needs at least one row")
        let p = probabilities(model: model, data: data, imageRows: rows, textRows: rows)
        let correct = zip(rows, p).filter { row, p in p.indices.max { p[$0] < p[$1] } == data.trueClass(of: row) }.count
        return Double(correct) / Double(rows.count)
    }

    /// Accuracy and mean loss on the labelled rows `rows` (classification data).
    public static func classificationUtility(model: FusionModel, data: MatchingData, rows: [Int]) -> ClassificationUtility {
        precondition(!rows.isEmpty, "evaluation needs at least one row")
        let p = probabilities(model: model, data: data, imageRows: rows, textRows: rows)
        var correct = 0, loss = 0.0
        for (row, probabilities) in zip(rows, p) {
            let y = data.trueClass(of: row)
            if probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) == y { correct += 1 }
            loss -= Foundation.log(max(probabilities[y], 1e-45))
        }
        return ClassificationUtility(accuracy: Double(correct) / Double(rows.count), meanLoss: loss / Double(rows.count),
                                     examples: rows.count)
    }

    /// The accuracy of always answering the most frequent label of `rows`: what a collapsed
    /// classifier reaches.
    public static func majorityShare(data: MatchingData, rows: [Int]) -> Double {
        var counts = [Int](repeating: 0, count: data.classCount)
        for row in rows { counts[data.trueClass(of: row)] += 1 }
        return Double(counts.max() ?? 0) / Double(max(rows.count, 1))
    }

    /// The fixed mismatched partner of each row that every ITM figure uses (seed `evaluationSeed`),
    /// so every model, native or behind an adapter, meets the same negative pairs.
    public static func evaluationPartners(data: MatchingData, rows: [Int]) -> [Int] {
        var generator = RandomSource(seed: evaluationSeed).derived("itm-negatives")
        return data.mismatchedPartners(for: rows, generator: &generator)
    }

    /// True pairs scored "match" (p > 0.5), and mismatched evaluation pairs scored "match".
    static func matchCounts(model: FusionModel, data: MatchingData, rows: [Int]) -> (matched: Int, falseMatches: Int) {
        precondition(!rows.isEmpty, "evaluation needs at least one row")
        let positives = probabilities(model: model, data: data, imageRows: rows, textRows: rows)
        let negatives = probabilities(model: model, data: data, imageRows: rows,
                                      textRows: evaluationPartners(data: data, rows: rows))
        return (positives.filter { $0[1] > 0.5 }.count, negatives.filter { $0[1] > 0.5 }.count)
    }
}
