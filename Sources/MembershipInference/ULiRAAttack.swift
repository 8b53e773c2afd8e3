import Foundation
import Stats

/// U-LiRA, the per-example likelihood-ratio attack of Hayes et al. (2024), SPEC §5.4.
///
/// Per pool example x, Gaussians are fitted to the shadows' φ: "in" (shadows that trained on x
/// and then applied the audited method) and "out" (shadows that never saw x). Online score
/// Λ = log N(φ; μ_in, σ_in²) − log N(φ; μ_out, σ_out²), natural threshold 0; offline score, from the
/// out shadows only, the one-sided −log Pr[Z ≥ φ], Z ~ N(μ_out, σ_out²). Higher = still looks
/// trained on. Method level: each shadow in turn scored as the target by the others' fit.
public struct ULiRAAttack: MembershipAttack {
    public init() {}

    public let name = "ulira"
    public let title = "U-LiRA (per-example)"
    public let summary = "Per example, Gaussians fitted to the shadow models' LiRA scores φ: shadows that trained on the "
        + "example and then applied the audited method (\"in\") and shadows that never saw it (\"out\"). Online: "
        + "log N(φ; in) − log N(φ; out); offline: −log Pr[Z ≥ φ] under the out Gaussian. Higher = still looks trained on."
    public let needs: SignalNeeds = [.shadows]
    public let variants = [
        ScoreVariant(name: "online", label: "U-LiRA online", naturalThreshold: 0),
        ScoreVariant(name: "offline", label: "U-LiRA offline"),
    ]
    public let valueMetrics: [ValueMetric] = []
    public var detailType: any AttackDetail.Type { ULiRADetail.self }

    /// `variance`: how σ is estimated.
    public static let variance = AttackOption(
        key: "variance", kind: .choice(LiRAVariance.allCases.map(\.rawValue)), defaultValue: .text(LiRAVariance.automatic.rawValue),
        help: "U-LiRA's σ: per-example, pooled, or automatic (per example when every example has 32 or more shadows per side)")
    public var options: [AttackOption] { [Self.variance] }

    /// With gold models as references every example is out for every reference: offline only.
    public var goldReferencedVariants: [String] { ["offline"] }

    public func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        let variance = LiRAVariance(rawValue: context.options.text(Self.variance)) ?? .automatic
        let scores = table.shadows.map(\.lira)
        let gaussians = try ShadowGaussians(shadowScores: scores, keep: table.membership, variance: variance)
        let goldReferenced = context.references == .golds
        let level = goldReferenced ? nil : try Self.methodLevel(scores: scores, membership: table.membership, variance: gaussians.variance)
        let detail = ULiRADetail(variance: gaussians.variance.rawValue, shadows: scores.count, minimumInShadows: gaussians.minimumInCount,
                                 minimumOutShadows: gaussians.minimumOutCount, methodLevel: level,
                                 references: goldReferenced ? ReferenceSource.golds.rawValue : nil)
        return Fitted(gaussians: gaussians, table: table, detail: detail, offlineOnly: goldReferenced)
    }

    /// Each shadow as the target, scored by the Gaussians of the others (online AUC on its own in
    /// vs out examples); nil with fewer than 3 shadows.
    static func methodLevel(scores: [[Double]], membership: [[Bool]], variance: LiRAVariance) throws -> MethodLevelSummary? {
        guard scores.count >= 3 else { return nil }
        return MethodLevelSummary(try scores.indices.map { k in
            let others = scores.indices.filter { $0 != k }
            let fit = try ShadowGaussians(shadowScores: others.map { scores[$0] }, keep: others.map { membership[$0] }, variance: variance)
            return try ROCCurve(scores: try fit.onlineScores(targetScores: scores[k]), labels: membership[k],
                                scoresInput: "shadow \(k) U-LiRA scores").areaUnderCurve
        })
    }

    struct Fitted: FittedAttack {
        let gaussians: ShadowGaussians
        let table: SignalTable
        let detail: ULiRADetail
        /// True when the references are gold models: no "in" Gaussian exists.
        var offlineOnly = false

        func score(_ model: ScoredModel) throws -> AttackScoring? {
            let phi = table.signals(of: model).lira
            var scores = ["offline": try gaussians.offlineScores(targetScores: phi)]
            if !offlineOnly { scores["online"] = try gaussians.onlineScores(targetScores: phi) }
            return AttackScoring(scores: scores, detail: model == .target ? detail : nil)
        }
    }
}

/// Spread of a metric over the shadows, each scored as the target against the others.
public struct MethodLevelSummary: Codable, Equatable, Sendable {
    /// One AUC per shadow, in shadow order.
    public let aucs: [Double]
    public let mean: Double
    public let standardDeviation: Double
    public let minimum: Double
    public let maximum: Double

    public init(_ values: [Double]) {
        aucs = values
        let center = values.reduce(0, +) / Double(values.count)
        mean = center
        standardDeviation = (values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(values.count)).squareRoot()
        minimum = values.min() ?? .nan
        maximum = values.max() ?? .nan
    }

    enum CodingKeys: String, CodingKey {
        case aucs, mean, minimum, maximum
        case standardDeviation = "standard_deviation"
    }
}

/// What U-LiRA reports besides its metrics.
public struct ULiRADetail: AttackDetail, Equatable {
    /// `per-example` or `pooled`: how σ was estimated.
    public let variance: String
    public let shadows: Int
    public let minimumInShadows: Int
    public let minimumOutShadows: Int
    /// Each shadow as the target, scored with the others (online AUC on its in vs out examples).
    public let methodLevel: MethodLevelSummary?
    /// "golds" when the gold models were the references (the fast profile); absent for shadows.
    public let references: String?

    public init(variance: String, shadows: Int, minimumInShadows: Int, minimumOutShadows: Int, methodLevel: MethodLevelSummary?,
                references: String? = nil) {
        self.variance = variance
        self.shadows = shadows
        self.minimumInShadows = minimumInShadows
        self.minimumOutShadows = minimumOutShadows
        self.methodLevel = methodLevel
        self.references = references
    }

    enum CodingKeys: String, CodingKey {
        case variance, shadows, references
        case minimumInShadows = "minimum_in_shadows", minimumOutShadows = "minimum_out_shadows", methodLevel = "method_level"
    }

    public var presentation: [DetailBlock] {
        if references == ReferenceSource.golds.rawValue {
            return [.paragraph("Fast profile: the \(shadows) gold models are the references, every example out for each of them, so "
                + "only the offline score exists; each gold model's null value is scored against the other gold models. σ estimated "
                + "\(variance).")]
        }
        var blocks: [DetailBlock] = [.paragraph("\(shadows) shadow models; σ estimated \(variance) (at least \(minimumInShadows) in and "
            + "\(minimumOutShadows) out shadows per example).")]
        if let level = methodLevel {
            blocks.append(.paragraph("Method level (each of the \(level.aucs.count) shadows as the target, scored with the others): AUC "
                + "\(DetailFormat.fixed(level.mean)) ± \(DetailFormat.fixed(level.standardDeviation)) (mean ± sd), range "
                + "\(DetailFormat.interval([level.minimum, level.maximum]))."))
        } else {
            blocks.append(.paragraph("Method level: not run (it needs at least 3 shadows)."))
        }
        return blocks
    }
}
