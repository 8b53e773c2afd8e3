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
public struct TruthRatio: Sendable {
    public static let defaultPerturbations = 5

    public let view: TextView
    /// For each scored row, the rows whose texts perturb it.
    public let perturbations: [[Int]]
    public let rows: [Int]

    /// Draws the perturbations of `rows`.
    /// - Throws: `AttackError` when fewer than `k` rows of other groups exist.
    public init(dataSet: PairDataSet, rows: [Int], perturbations k: Int = defaultPerturbations, seed: UInt64) throws {
        view = dataSet.paraphrases == nil ? .caption : .paraphrase
        self.rows = rows
        perturbations = try rows.map { row in
            let group = dataSet.groups[row]
            let candidates = (0..<dataSet.count).filter { dataSet.groups[$0] != group }
            guard candidates.count >= k else {
                throw AttackError(description: "\(dataSet.manifestPath): row \(dataSet.ids[row]) has only \(candidates.count) rows of other groups, fewer than the \(k) perturbations the truth ratio needs")
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
                throw AttackError(description: "\(adapter.identity.modelID) gave p(match) = \(bad) for row \(dataSet.ids[rows[index]]); the truth ratio needs finite probabilities")
            }
            let perturbed = block.dropFirst().reduce(0, +) / Double(block.count - 1)
            return (perturbed + LiRA.probabilityFloor) / (block[0] + LiRA.probabilityFloor)
        }
    }
}

/// Forget quality (SPEC §5.5): KS tests of the forget set's truth ratios under the audited model
/// against each gold model's; high p = indistinguishable from exact unlearning = good.
public struct ForgetQualityResult: Codable, Equatable, Sendable {
    public struct GoldTest: Codable, Equatable, Sendable {
        public let statistic: Double
        public let pvalue: Double
        public let log10PValue: Double
        public let n1: Int
        public let n2: Int
        public let method: String
        public let saturated: Bool

        init(_ result: KSTestResult) {
            statistic = result.statistic
            pvalue = result.pvalue
            log10PValue = result.log10PValue
            n1 = result.n1
            n2 = result.n2
            method = result.method.rawValue
            saturated = result.saturated
        }

        enum CodingKeys: String, CodingKey {
            case statistic, pvalue, n1, n2, method, saturated
            case log10PValue = "log10_pvalue"
        }
    }

    /// One test per gold model, in gold order.
    public let tests: [GoldTest]
    /// The median p over the gold models (the gated figure).
    public let medianPValue: Double
    public let view: String
    public let perturbations: Int
    /// Median truth ratio on D_f under the audited model and over the gold models.
    public let auditedMedianRatio: Double
    public let goldMedianRatio: Double

    enum CodingKeys: String, CodingKey {
        case tests, view, perturbations
        case medianPValue = "median_pvalue", auditedMedianRatio = "audited_median_ratio", goldMedianRatio = "gold_median_ratio"
    }

    /// Tests `audited` ratios against each gold model's.
    public init(audited: [Double], gold: [[Double]], view: TextView, perturbations: Int) throws {
        guard !gold.isEmpty else { throw AttackError(description: "forget quality needs at least one gold model") }
        tests = try gold.map { GoldTest(try KolmogorovSmirnov.test(audited, $0)) }
        medianPValue = Self.median(tests.map(\.pvalue))
        self.view = view.rawValue
        self.perturbations = perturbations
        auditedMedianRatio = Self.median(audited)
        goldMedianRatio = Self.median(gold.map(Self.median))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
