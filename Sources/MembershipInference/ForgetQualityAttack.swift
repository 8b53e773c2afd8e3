import Foundation
import Stats

/// Forget quality (TOFU, CLEAR; SPEC §5.5): two-sample KS tests of the forget set's truth ratios
/// under the scored model against each gold model's; the gated figure is the median p over the
/// gold models. High p = indistinguishable from exact unlearning = good. A gold model scored as
/// the target is tested against the other G − 1 gold models.
public struct ForgetQualityAttack: MembershipAttack {
    public init() {}

    public let name = "forget_quality"
    public let title = "Forget quality (KS test against the gold models)"
    public let summary = "Two-sample Kolmogorov–Smirnov tests of the forget set's truth ratios under the scored model against "
        + "each gold model's (retrained without D_f); the median p over the gold models is the figure. Higher p = closer to "
        + "exact unlearning."
    public let needs: SignalNeeds = [.golds, .truthRatios]
    public let variants: [ScoreVariant] = []
    public let valueMetrics = [ValueMetric(name: "median_pvalue", summary: "median KS p over the gold models; low = the forget set still differs",
                                           isPValue: true)]
    public var detailType: any AttackDetail.Type { ForgetQualityDetail.self }

    public func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        guard !table.golds.isEmpty else { throw AttackError(description: "forget quality needs at least one gold model; set gold ≥ 1") }
        return Fitted(table: table)
    }

    struct Fitted: FittedAttack {
        let table: SignalTable

        func score(_ model: ScoredModel) throws -> AttackScoring? {
            // The forget set's truth ratios: the pool's first `memberCount` examples.
            let members = table.memberCount
            func forget(_ signals: ModelSignals) -> [Double]? { signals.truthRatios.map { Array($0.prefix(members)) } }
            let references: [[Double]]
            switch model {
            case .target:
                references = table.golds.compactMap(forget)
            case let .gold(g):
                guard table.golds.count >= 2 else { return nil }
                references = table.golds.indices.filter { $0 != g }.compactMap { forget(table.golds[$0]) }
            }
            let audited = forget(table.signals(of: model)) ?? []
            let detail = try ForgetQualityDetail(audited: audited, gold: references)
            return AttackScoring(values: ["median_pvalue": detail.medianPValue], detail: model == .target ? detail : nil)
        }
    }
}

/// What forget quality reports: one KS test per gold model, and the truth ratios' medians.
public struct ForgetQualityDetail: AttackDetail, Equatable {
    public struct GoldTest: Codable, Equatable, Sendable {
        public let statistic: Double
        public let pvalue: Double
        public let log10PValue: Double
        public let n1: Int
        public let n2: Int
        /// `exact` or `asymptotic` (scipy's `method='auto'` rule).
        public let method: String
        /// True when p sits at the exact test's floor (the samples are fully separated).
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
    /// Median truth ratio on D_f under the scored model and over the gold models.
    public let auditedMedianRatio: Double
    public let goldMedianRatio: Double

    enum CodingKeys: String, CodingKey {
        case tests
        case medianPValue = "median_pvalue", auditedMedianRatio = "audited_median_ratio", goldMedianRatio = "gold_median_ratio"
    }

    /// Tests `audited` ratios against each of `gold`'s.
    /// - Throws: `AttackError` without gold models; `StatsError` for empty or NaN samples.
    public init(audited: [Double], gold: [[Double]]) throws {
        guard !gold.isEmpty else { throw AttackError(description: "forget quality needs at least one gold model; set gold ≥ 1") }
        tests = try gold.map { GoldTest(try KolmogorovSmirnov.test(audited, $0)) }
        medianPValue = Self.median(tests.map(\.pvalue))
        auditedMedianRatio = Self.median(audited)
        goldMedianRatio = Self.median(gold.map(Self.median))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    public var presentation: [DetailBlock] {
        let rows = tests.enumerated().map { index, test in
            ["gold \(index)", DetailFormat.fixed(test.statistic), DetailFormat.pValue(test.pvalue), DetailFormat.fixed(test.log10PValue, digits: 2),
             "\(test.n1)", "\(test.n2)", test.method, test.saturated ? "yes (p at the exact test's floor)" : "no"]
        }
        return [
            .paragraph("Median p over \(tests.count) gold models: \(DetailFormat.pValue(medianPValue)) (higher = closer to exact "
                + "unlearning). Median truth ratio on D_f: \(DetailFormat.fixed(auditedMedianRatio)) audited, "
                + "\(DetailFormat.fixed(goldMedianRatio)) gold."),
            .table(headers: ["Gold model", "KS D", "p", "log10 p", "n1", "n2", "Method", "Saturated"], rows: rows),
        ]
    }
}
