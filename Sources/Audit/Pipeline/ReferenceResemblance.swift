import Foundation
import Gate
import MembershipInference
import Stats

/// SPEC §5.2's check that the audited model resembles its reference models, made before any
/// verdict: comparing a model with references of another kind measures nothing.
///
/// Two things are compared, on rows that neither the audited model nor any reference trained on:
/// the distribution of the LiRA scores φ on the holdout rows D_h (two-sample KS distance D of the
/// audited model's φ against the references' pooled φ), and the utility (`ModelSignals.utility`,
/// ITM accuracy on the test split's true and mismatched pairs). The references are the shadows
/// (each contributes the D_h rows it never saw) or, with fewer than 8 of them, the gold models
/// (each contributes all of D_h). Shadows come first because they follow the audited model's
/// claimed procedure, unlearning included: a method that costs utility (neggrad) makes a model
/// unlike the gold models without making the comparison meaningless. Each reference's own D
/// against the others' pool, and each reference's own utility, give the spread among models of the
/// right kind; the audited values are tested against it as the gate tests a metric
/// (`PredictionTest`, κ = 1.5): D one-sided, utility two-sided, each at α/2 with α = 0.001. A
/// model unlike its references is far out; an honest one is not.
public struct ReferenceResemblance: Codable, Equatable, Sendable {
    /// `shadows` or `gold models`.
    public let references: String
    /// The audited model's D against the references' pooled φ on D_h.
    public let statistic: Double
    /// Each reference's D against the other references' pool.
    public let referenceStatistics: [Double]
    /// The one-sided test of `statistic` against `referenceStatistics`; nil when it could not be calibrated.
    public let test: PredictionTest?
    /// The audited model's utility and each reference's, when measured.
    public let utility: Double?
    public let referenceUtilities: [Double]?
    /// The two-sided p of `utility` against `referenceUtilities`; nil when not measured or not calibrated.
    public let utilityPValue: Double?
    /// False when the audited model is unlike its references: the gate is then inconclusive.
    public let resembles: Bool
    /// What the check concluded, in a sentence.
    public let explanation: String

    public static let alpha = 0.001

    enum CodingKeys: String, CodingKey {
        case references, statistic, test, utility, resembles, explanation
        case referenceStatistics = "reference_statistics", referenceUtilities = "reference_utilities"
        case utilityPValue = "utility_pvalue"
    }

    /// The check on `table`, or nil without at least `minimumReferences` shadows or gold models.
    /// - Throws: `StatsError` for an empty sample (a pool without D_h rows cannot reach here).
    public static func check(_ table: SignalTable, kappa: Double = GatePolicy.defaultKappa,
                             minimumReferences: Int = GatePolicy.defaultMinimumGoldModels) throws -> ReferenceResemblance? {
        let holdout = table.labels.indices.filter { !table.labels[$0] }
        let kind: String
        let references: [ModelSignals]
        let samples: [[Double]]
        if table.shadows.count >= minimumReferences {
            kind = "shadows"
            references = table.shadows
            samples = zip(table.shadows, table.membership).map { shadow, kept in holdout.filter { !kept[$0] }.map { shadow.lira[$0] } }
        } else if table.golds.count >= minimumReferences {
            kind = "gold models"
            references = table.golds
            samples = table.golds.map { gold in holdout.map { gold.lira[$0] } }
        } else {
            return nil
        }
        let audited = holdout.map { table.target.lira[$0] }
        let statistic = try KolmogorovSmirnov.test(audited, samples.flatMap { $0 }).statistic
        let own = try samples.indices.map { k in
            try KolmogorovSmirnov.test(samples[k], samples.indices.filter { $0 != k }.flatMap { samples[$0] }).statistic
        }
        let level = alpha / 2
        var test = try? PredictionTest.prepare(value: statistic, nullValues: own, scale: .identity, direction: .atMost, kappa: kappa,
                                               alpha: level, minimumGoldModels: minimumReferences).get()
        test?.setFamily(1, direction: .atMost)

        var shown = "the audited model's φ on the \(holdout.count) holdout rows lies at KS distance \(DetailFormat.fixed(statistic)) from "
            + "its \(samples.count) \(kind)' (each of them at \(DetailFormat.fixed(own.min()))–\(DetailFormat.fixed(own.max())) from the others)"
        let utilities = references.compactMap(\.utility)
        var utilityP: Double?
        var untested: [String] = []
        if let utility = table.target.utility, utilities.count == references.count {
            shown += " and its test accuracy is \(DetailFormat.fixed(utility)) (theirs \(DetailFormat.fixed(utilities.min()))–"
                + "\(DetailFormat.fixed(utilities.max())))"
            let sides = [BoundDirection.atLeast, .atMost].map {
                PredictionTest.prepare(value: utility, nullValues: utilities, scale: .identity, direction: $0, kappa: kappa, alpha: level,
                                       minimumGoldModels: minimumReferences)
            }
            switch (sides[0], sides[1]) {
            case let (.success(low), .success(high)): utilityP = min(1, 2 * min(low.pvalue, high.pvalue))
            case let (.failure(problem), _), let (_, .failure(problem)): untested.append("test accuracy not tested, " + problem.reason)
            }
        } else {
            untested.append("test accuracy not compared (not measured for every model)")
        }
        if test == nil {
            untested.insert("φ not tested, the references' distances do not spread", at: 0)
        }

        var problems: [String] = []
        if let test, test.pvalue <= level { problems.append(String(format: "its φ distribution differs, p = %.3g", test.pvalue)) }
        if let utilityP, utilityP <= level { problems.append(String(format: "its test accuracy differs, p = %.3g", utilityP)) }
        let explanation: String
        if !problems.isEmpty {
            explanation = shown + ": it does not resemble them (" + problems.joined(separator: "; ")
                + String(format: "; each test at %g), so comparing it with them measures nothing. ", level)
                + "Give reference models trained by the audited model's own procedure (the same architecture, recipe and data), "
                + "or check that the target adapter serves the model the spec names"
        } else {
            let tested = [test.map { String(format: "p = %.3g for φ", $0.pvalue) }, utilityP.map { String(format: "p = %.3g for test accuracy", $0) }]
                .compactMap { $0 }
            explanation = shown + ": " + (tested.isEmpty ? "" : "no difference found (" + tested.joined(separator: ", ") + ")")
                + (untested.isEmpty ? "" : (tested.isEmpty ? "" : "; ") + untested.joined(separator: "; "))
        }
        return ReferenceResemblance(references: kind, statistic: statistic, referenceStatistics: own, test: test,
                                    utility: table.target.utility, referenceUtilities: utilities.count == references.count ? utilities : nil,
                                    utilityPValue: utilityP, resembles: problems.isEmpty, explanation: explanation)
    }
}
