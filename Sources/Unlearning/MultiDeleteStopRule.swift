import MatchingTask
import NeuralNet
import NumericCore
import Stats

/// The early stop of `multidelete-calibrated` (SPEC §7): stop at the first check where the forget
/// set's LiRA scores are indistinguishable from those of never-trained validation pairs.
///
/// At a check, φ = log p(match) − log p(no match) (`LiRA.score`, true class "match") is computed
/// for the forget set's true pairs (positives) and a fixed subset of the validation rows' true
/// pairs (negatives), and their ROC AUC (higher φ = member) is compared with the band.
public struct MultiDeleteStopRule: Sendable, Equatable {
    /// The band of AUCs taken as "indistinguishable".
    public var lowerAUC: Double
    public var upperAUC: Double
    /// Steps between checks; the model is also checked before the first step.
    public var checkEvery: Int
    /// At most this many forget rows and this many validation rows are scored at a check (fixed
    /// subsets drawn once), so a check costs at most 2·maximumRows forward passes.
    public var maximumRows: Int

    public init(lowerAUC: Double = 0.45, upperAUC: Double = 0.55, checkEvery: Int = 5, maximumRows: Int = 256) {
        self.lowerAUC = lowerAUC
        self.upperAUC = upperAUC
        self.checkEvery = checkEvery
        self.maximumRows = maximumRows
    }

    /// A description of what is wrong with the rule, or nil.
    public var problem: String? {
        if !(lowerAUC >= 0 && lowerAUC <= 0.5 && upperAUC >= 0.5 && upperAUC <= 1) {
            return "the stop band must contain 0.5 within [0, 1], got [\(lowerAUC), \(upperAUC)]"
        }
        if checkEvery < 1 { return "the stop check interval must be ≥ 1 step, got \(checkEvery)" }
        if maximumRows < 1 { return "the stop check needs ≥ 1 row per side, got \(maximumRows)" }
        return nil
    }

    /// Where an AUC lies relative to the band.
    enum Verdict { case above, within, below }

    func verdict(_ areaUnderCurve: Double) -> Verdict {
        if areaUnderCurve > upperAUC { return .above }
        return areaUnderCurve < lowerAUC ? .below : .within
    }
}

/// The fixed rows a stop rule scores, drawn once per run.
struct ForgetIndistinguishabilityProbe: Sendable {
    let forget: [Int]
    let validation: [Int]

    /// Up to `rule.maximumRows` rows of each side, a seeded random subset when there are more.
    init(forget: [Int], validation: [Int], rule: MultiDeleteStopRule, generator: inout RandomSource) {
        func subset(_ rows: [Int], _ generator: inout RandomSource) -> [Int] {
            guard rows.count > rule.maximumRows else { return rows }
            var shuffled = rows
            generator.shuffle(&shuffled)
            return Array(shuffled.prefix(rule.maximumRows))
        }
        self.forget = subset(forget, &generator)
        self.validation = subset(validation, &generator)
    }

    /// The AUC of forget φ (positives) against validation φ (negatives) under `model`.
    /// - Throws: `UnlearningError` when the model's outputs are NaN (it diverged).
    func areaUnderCurve(model: FusionModel, data: MatchingData, method: String) throws -> Double {
        let rows = forget + validation
        let probabilities = MatchingEvaluator.probabilities(model: model, data: data, imageRows: rows, textRows: rows)
        let scores = probabilities.map { LiRA.score(probabilities: $0, trueClass: 1) }
        let labels = rows.indices.map { $0 < forget.count }
        do {
            return try ROCCurve(scores: scores, labels: labels).areaUnderCurve
        } catch {
            throw UnlearningError(method: method, problem: "the stop check could not score the model (\(error))",
                                  fix: "lower the learning rate; the model diverged")
        }
    }
}
