import AuditData
import Foundation
import GRDB
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import ReportStore
import SmallFixtureSupport
import Testing
@testable import Audit
@testable import MembershipInference

/// An adapter that answers NaN for one example, as a broken external model might.
final class NaNAdapter: ModelAdapter {
    let identity = AdapterIdentity(kind: "test", modelID: "broken-model", digest: "none", classes: matchingClasses)
    let badRow: Int
    init(badRow: Int) { self.badRow = badRow }
    func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        queries.map { $0.image == badRow ? [Double.nan, .nan] : [0.4, 0.6] }
    }
}

/// The audit pipeline in process on the small fixture: 4 shadows, 2 gold models, a 3-epoch recipe.
/// Serialized: model banks set the process-wide BLAS thread count.
@Suite(.serialized) struct PipelineTests {
    static func spec(_ name: String, method: String, in directory: URL, seed: UInt64 = 0) throws -> AuditSpec {
        try AuditSpec.parse(yaml: SmallFixtureSupport.auditSpecYAML(name: name, method: method, in: directory, seed: seed),
                            path: directory.appendingPathComponent("\(name).yaml").path)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let options = AuditRunOptions(toolVersion: "test", environment: [:])

    /// A pipeline run with one BLAS thread that no other test can change midway.
    static func run(_ spec: AuditSpec) throws -> AuditRun {
        try BLAS.withThreadCount(1) { try AuditPipeline.run(spec, options: options) }
    }

    /// Every registered attack runs; every attack metric carries a null of the 2 gold models; a
    /// second run from the cache measures the same numbers; the seed reaches the SVM attack.
    @Test func everyAttackRunsWithItsNullsAndARerunRepeatsIt() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = try Self.spec("pipeline", method: "none", in: directory)
        let first = try Self.run(spec)
        #expect(first.attacks.results.map(\.attack) == AttackRegistry.names)
        for name in AttackRegistry.metricNames {
            let metric = try #require(first.metrics[name], "\(name) not measured")
            #expect(metric.nullValues?.count == 2, "\(name) has no null of 2 gold models")
        }
        #expect(first.references?.shadowModels.count == 4 && first.references?.goldModels.count == 2)
        #expect(first.signals.populationRows == (first.dataSet.splitRows["validation"] ?? 0) + (first.dataSet.splitRows["test"] ?? 0))
        #expect(first.histograms?.models.map(\.model) == ["audited", "original", "gold"])
        let gate = try #require(first.gate)
        #expect(gate.results.map(\.rule) == AuditMetricNames.defaultRules)

        let second = try Self.run(spec)
        #expect(second.references?.shadowModels.allSatisfy(\.fromCache) == true)
        #expect(second.metrics == first.metrics)
        #expect(second.attacks.results == first.attacks.results)

        // Another run seed: another keep matrix, other models, and (the fixed defect) another SVM attacker.
        var reseeded = spec
        reseeded.seed = 1
        reseeded.attacks = ["svm"]
        reseeded.gold = 0
        reseeded.gate.rules = []
        var zero = reseeded
        zero.seed = 0
        let svm0 = try #require(try Self.run(zero).attacks.results.first)
        let svm1 = try #require(try Self.run(reseeded).attacks.results.first)
        #expect(svm0.values != svm1.values)
        #expect(svm0.values == first.attacks.results.first { $0.attack == "svm" }?.values)
    }

    /// SPEC §7: a fake deletion fails, then MultiDelete, then retraining; every step a report in
    /// the chain naming the step before, every remedy's model on disk, the chain verifying.
    @Test func remediationChainsItsStepsInProcess() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = try Self.spec("remediate", method: "none", in: directory)
        let store = try SignedReportStore(writer: try DatabaseQueue(), columns: AuditReportStore.columns)
        let key = SigningKey()
        var seen: [Int] = []
        let steps = try BLAS.withThreadCount(1) {
            try Remediation.run(spec, options: Self.options, store: store, signingKey: key,
                                modelsDirectory: directory.appendingPathComponent("models"),
                                stepDone: { seen.append($0.report.remediation?.step ?? 0) })
        }
        #expect(seen == steps.map { $0.report.remediation?.step ?? 0 })
        #expect(steps.first?.report.remediation?.action == "audit-claim" && steps.first?.model == nil)
        for (index, step) in steps.enumerated() {
            #expect(step.report.remediation?.step == index + 1)
            #expect(step.report.remediation?.previousStepDigest == (index == 0 ? nil : steps[index - 1].stored.digest))
            #expect(step.report.previousDigest == (index == 0 ? nil : steps[index - 1].stored.digest))
            if index > 0 {
                let action = Remediation.escalation[index - 1]
                #expect(step.report.remediation?.action == action)
                #expect(step.report.models.targetUnlearning?.seed == AuditSeeds.remedy(spec.seed, action: action))
                #expect(FileManager.default.fileExists(atPath: try #require(step.model).path))
                #expect(step.report.references?.shadowMethod?.hasPrefix(action) == true)
            }
        }
        // It stops at the first step whose gate passes, or after the last remedy.
        #expect(steps.dropLast().allSatisfy { $0.report.gate.exitCode != 0 })
        #expect(steps.count == 3 || steps.last?.report.gate.exitCode == 0)
        #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).isValid)
        #expect(try AuditReportStore.decode(steps[0].stored, store: "memory") == steps[0].report)
    }

    @Test func nanOutputsNameTheModelAndTheExample() throws {
        let dataSet = try PairDataSet.load(directory: SmallFixtureSupport.directory)
        let splits = try AuditSplits(dataSet: dataSet)
        let bad = splits.pool.holdout[3]
        let collector = SignalCollector(dataSet: dataSet, pool: splits.pool, population: splits.validation, truth: nil, calibrationRows: nil)
        #expect { _ = try collector.signals(NaNAdapter(badRow: bad), name: "x", population: false, truthRatios: false) } throws: {
            "\($0)".contains("broken-model gave non-finite probabilities") && "\($0)".contains("example \(dataSet.ids[bad])")
        }
        let truth = try TruthRatio(dataSet: dataSet, rows: [bad], seed: 0)
        #expect { _ = try truth.ratios(NaNAdapter(badRow: bad), in: dataSet) } throws: {
            "\($0)".contains("broken-model gave p(match) = nan") && "\($0)".contains(dataSet.ids[bad])
        }
    }

    @Test func truthRatiosUseOtherGroupsDeterministically() throws {
        let (dataSet, data) = try SmallFixtureSupport.load()
        let recipe = SmallFixtureSupport.recipe(epochs: 3, width: 32)
        let forget = try dataSet.indices(ofSplit: "forget")
        let truth = try TruthRatio(dataSet: dataSet, rows: forget, seed: 4)
        #expect(truth.view == .paraphrase)
        for (row, others) in zip(forget, truth.perturbations) {
            #expect(others.count == 5 && Set(others).count == 5)
            #expect(others.allSatisfy { dataSet.groups[$0] != dataSet.groups[row] })
        }
        #expect(try TruthRatio(dataSet: dataSet, rows: forget, seed: 4).perturbations == truth.perturbations)
        #expect(try TruthRatio(dataSet: dataSet, rows: forget, seed: 5).perturbations != truth.perturbations)

        let model = MatchingTrainer(recipe: recipe, seed: 3).train(data: data, rows: try dataSet.indices(ofSplit: "train"))
        let adapter = NativeAdapter(model: model, modelID: "m", digest: "test")
        let ratios = try truth.ratios(adapter, in: dataSet)
        let row = forget[2], others = truth.perturbations[2]
        let p = try adapter.probabilities(for: [PairQuery(image: row, text: row, view: .paraphrase)]
                                              + others.map { PairQuery(image: row, text: $0, view: .paraphrase) }, in: dataSet)
        let expected = (p.dropFirst().map { $0[1] }.reduce(0, +) / 5 + 1e-45) / (p[0][1] + 1e-45)
        // The forward pass is f32 and its GEMMs round differently for another batch shape.
        #expect(abs(ratios[2] - expected) <= 1e-5 * expected)
    }
}
