import AuditData
import Foundation
import MatchingTask
import MembershipInference
import ModelAdapters
import NumericCore
import ReferenceModels

/// Asks models for the outputs attacks score and builds their `SignalTable` (SPEC §4): the
/// pool's true pairs, the population's true pairs, the forget rows' truth-ratio queries and the
/// SVM attacker's rows of known membership. This is where the image–text task meets the attacks.
struct SignalCollector {
    let dataSet: PairDataSet
    let pool: AttackPool
    /// Rows no model under study trained on (validation, then test): RMIA's population z.
    let population: [Int]
    /// The truth ratio's perturbations of the forget rows, when forget quality runs.
    let truth: TruthRatio?
    /// The SVM attacker's rows, when it runs.
    let calibrationRows: CalibrationSample.Rows?
    /// Rows whose true pairs and fixed mismatched pairs give each model's `utility` (the test
    /// split, for the reference check); none leaves it unmeasured.
    var utilityRows: [Int] = []

    /// The signals of the model behind `adapter`, named `name` in messages.
    /// - Parameters:
    ///   - population: also collect p(match) on the population rows.
    ///   - truthRatios: also collect the forget rows' truth ratios (needs `truth`).
    /// - Throws: `AuditError` naming the model and the example for a non-finite output.
    func signals(_ adapter: any ModelAdapter, name: String, population withPopulation: Bool, truthRatios: Bool) throws -> ModelSignals {
        let probabilities = try outputs(adapter, rows: pool.rows)
        let populationRows = withPopulation ? try outputs(adapter, rows: population) : nil
        let ratios = truthRatios ? try truth?.ratios(adapter, in: dataSet) : nil
        var signals = try ModelSignals(name: name, probabilities: probabilities,
                                       trueClasses: pool.rows.map(dataSet.trueClass), population: populationRows,
                                       populationTrueClasses: populationRows.map { _ in population.map(dataSet.trueClass) },
                                       truthRatios: ratios)
        signals.utility = try utility(adapter)
        return signals
    }

    /// Accuracy on `utilityRows` (classification), or ITM accuracy on them: their true pairs and as many mismatched pairs (the same
    /// partners `ModelUtility` uses, so the audited model's value equals its test ITM accuracy).
    func utility(_ adapter: any ModelAdapter) throws -> Double? {
        guard !utilityRows.isEmpty else { return nil }
        if dataSet.isClassification {
            let p = try adapter.probabilities(forRows: utilityRows, in: dataSet)
            let correct = zip(utilityRows, p).filter { row, p in p.indices.max { p[$0] < p[$1] } == dataSet.trueClass(of: row) }.count
            return Double(correct) / Double(utilityRows.count)
        }
        let data = MatchingData(dataSet)
        let partners = MatchingEvaluator.evaluationPartners(data: data, rows: utilityRows)
        func matchRate(_ texts: [Int]) throws -> Double {
            let p = try adapter.probabilities(for: zip(utilityRows, texts).map { PairQuery(image: $0, text: $1) }, in: dataSet)
            return Double(p.filter { $0[1] > 0.5 }.count) / Double(p.count)
        }
        return (try matchRate(utilityRows) + 1 - matchRate(partners)) / 2
    }

    /// The original's outputs on the SVM attacker's rows.
    func calibration(_ adapter: any ModelAdapter) throws -> CalibrationSample? {
        guard let rows = calibrationRows else { return nil }
        return CalibrationSample(fit: try outputs(adapter, rows: rows.fit), fitMembers: rows.fitMembers,
                                 fitClasses: rows.fit.map(dataSet.trueClass),
                                 evaluation: try outputs(adapter, rows: rows.evaluation), evaluationMembers: rows.evaluationMembers,
                                 evaluationClasses: rows.evaluation.map(dataSet.trueClass))
    }

    /// Output distributions of the true pairs of `rows`.
    /// - Throws: `AuditError` naming the model and the example when a probability is NaN or infinite.
    func outputs(_ adapter: any ModelAdapter, rows: [Int]) throws -> [[Double]] {
        let probabilities = try adapter.probabilities(forRows: rows, in: dataSet)
        if let index = probabilities.firstIndex(where: { $0.contains { !$0.isFinite } }) {
            throw AuditError("\(adapter.identity.modelID) gave non-finite probabilities \(probabilities[index]) for example \(dataSet.ids[rows[index]]); the attacks need finite probabilities — check the model or its outputs file")
        }
        return probabilities
    }
}
