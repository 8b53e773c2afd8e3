import AuditData
import Foundation
import ModelAdapters
import NumericCore
import Stats

/// The truth ratio of SPEC §4 for image–text pairs (TOFU's, adapted).
///
/// R(x) = mean over q ∈ Q of p_match(I, T_q) / p_match(I, T̂): T̂ is x's paraphrase (the keywords
/// view; the caption when the data set has none) and Q are k texts of the same view drawn from
/// other groups, deterministically from the seed and x's id. Lower R = the model still prefers
/// the true pairing. Probabilities get the LiRA floor 1e-45 so R stays finite.
///
/// On a classification data set R = mean over c ≠ y of p_c, divided by p_y, from the row's own
/// output distribution (SPEC §4); no perturbations are drawn.
public struct TruthRatio: Sendable {
    public static let defaultPerturbations = 5

    public let view: TextView
    /// Whether R is the classification ratio over classes.
    public let overClasses: Bool
    /// The view as reports record it: "paraphrase", "caption", or "classes" for classification.
    public var recordedView: String { overClasses ? "classes" : view.rawValue }
    /// For each scored row, the rows whose texts perturb it.
    public let perturbations: [[Int]]
    public let rows: [Int]

    /// Draws the perturbations of `rows`.
    /// - Throws: `AuditError` when fewer than `k` rows of other groups exist.
    public init(dataSet: PairDataSet, rows: [Int], perturbations k: Int = defaultPerturbations, seed: UInt64) throws {
        view = dataSet.paraphrases == nil ? .caption : .paraphrase
        self.rows = rows
        overClasses = dataSet.isClassification
        if overClasses {
            perturbations = rows.map { _ in [] }
            return
        }
        perturbations = try rows.map { row in
            let group = dataSet.groups[row]
            let candidates = (0..<dataSet.count).filter { dataSet.groups[$0] != group }
            guard candidates.count >= k else {
                throw AuditError("\(dataSet.manifestPath): row \(dataSet.ids[row]) has only \(candidates.count) rows of other groups, fewer than the \(k) perturbations the truth ratio needs")
            }
            var generator = RandomSource(seed: seed).derived("truth-ratio-\(dataSet.ids[row])")
            var chosen: [Int] = [], taken = Set<Int>()
            while chosen.count < k {
                let pick = candidates[generator.nextInt(below: candidates.count)]
                if taken.insert(pick).inserted { chosen.append(pick) }
            }
            return chosen
        }
    }

    /// R for every row under `adapter`, in row order.
    public func ratios(_ adapter: any ModelAdapter, in dataSet: PairDataSet) throws -> [Double] {
        if overClasses {
            let probabilities = try adapter.probabilities(forRows: rows, in: dataSet)
            return try zip(rows, probabilities).map { row, p in
                let y = dataSet.trueClass(of: row)
                guard p.count >= 2, p.indices.contains(y), p.allSatisfy(\.isFinite) else {
                    throw AuditError("\(adapter.identity.modelID) gave probabilities \(p) for row \(dataSet.ids[row]) of true class \(y); the truth ratio needs finite probabilities over every class")
                }
                let others = (p.reduce(0, +) - p[y]) / Double(p.count - 1)
                return (max(others, 0) + LiRA.probabilityFloor) / (p[y] + LiRA.probabilityFloor)
            }
        }
        var queries: [PairQuery] = []
        for (row, others) in zip(rows, perturbations) {
            queries.append(PairQuery(image: row, text: row, view: view))
            queries += others.map { PairQuery(image: row, text: $0, view: view) }
        }
        let probabilities = try adapter.probabilities(for: queries, in: dataSet)
        let stride = perturbations.first.map { $0.count + 1 } ?? 1
        return try rows.indices.map { index in
            let block = probabilities[(index * stride)..<((index + 1) * stride)].map { $0[1] }
            if let bad = block.first(where: { !$0.isFinite }) {
                throw AuditError("\(adapter.identity.modelID) gave p(match) = \(bad) for row \(dataSet.ids[rows[index]]); the truth ratio needs finite probabilities")
            }
            let perturbed = block.dropFirst().reduce(0, +) / Double(block.count - 1)
            return (perturbed + LiRA.probabilityFloor) / (block[0] + LiRA.probabilityFloor)
        }
    }
}
