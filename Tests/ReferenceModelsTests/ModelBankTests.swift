import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import SmallFixtureSupport
import Testing
import Unlearning
@testable import ReferenceModels

/// Shadow and gold training on the small fixture with a small, fast recipe. Serialized: banks
/// set the process-wide BLAS thread count.
@Suite(.serialized) struct ModelBankTests {
    static func setUp() throws -> (PairDataSet, MatchingData, TrainingRecipe) {
        let (dataSet, data) = try SmallFixtureSupport.load()
        return (dataSet, data, SmallFixtureSupport.recipe(epochs: 3, width: 32))
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-bank-\(UUID().uuidString)")
    }

    static func weights(_ model: FusionModel) -> [Float] { model.layers.flatMap { $0.weight.storage + $0.bias } }

    @Test func shadowsAreCachedByContentAndIdenticalWhateverTheConcurrency() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        let pool = try AttackPool(forget: try dataSet.indices(ofSplit: "forget"), holdout: try dataSet.indices(ofSplit: "holdout"))
        let retain = try dataSet.indices(ofSplit: "retain")
        let keep = try KeepMatrix(shadows: 4, examples: pool.count, seed: 0)
        let jobs = ReferencePlan.shadowJobs(pool: pool, retain: retain, keep: keep, method: NoUnlearning(), seed: 9)
        #expect(jobs[1].trainRows.count == retain.count + keep.kept(by: 1).count)
        #expect(Set(jobs[1].forgetRows) == Set(keep.kept(by: 1).map { pool.rows[$0] }))

        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0
        settings.concurrency = 2
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let validation = try dataSet.indices(ofSplit: "validation")
        let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: validation,
                                 cacheDirectory: directory, settings: settings)
        let first = try bank.models(for: Array(jobs.prefix(2)))
        #expect(first.allSatisfy { !$0.record.fromCache && $0.record.attempts == 1 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 2)
        // A second run reads the two finished models and trains only the rest: an interrupted run resumes.
        let second = try bank.models(for: jobs)
        #expect(second.map(\.record.fromCache) == [true, true, false, false])
        #expect(Self.weights(second[0].model) == Self.weights(first[0].model))
        #expect(second[0].record.key == first[0].record.key)

        // One at a time, no cache: the same bytes.
        settings.concurrency = 1
        let serial = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: validation,
                                   cacheDirectory: nil, settings: settings).models(for: jobs)
        for (a, b) in zip(serial, second) { #expect(Self.weights(a.model) == Self.weights(b.model)) }
        #expect(Self.weights(serial[0].model) != Self.weights(serial[1].model))
        // Another method is another key.
        let retrainJobs = ReferencePlan.shadowJobs(pool: pool, retain: retain, keep: keep, method: RetrainUnlearning(), seed: 9)
        #expect(ModelKey(job: retrainJobs[0], dataSet: dataSet, recipe: recipe, validation: validation, settings: settings).digest
                != ModelKey(job: jobs[0], dataSet: dataSet, recipe: recipe, validation: validation, settings: settings).digest)
    }

    @Test func aMethodsShadowsStartFromTheCachedTrainedShadowsAndMatchTrainingFromScratch() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        let pool = try AttackPool(forget: try dataSet.indices(ofSplit: "forget"), holdout: try dataSet.indices(ofSplit: "holdout"))
        let retain = try dataSet.indices(ofSplit: "retain"), validation = try dataSet.indices(ofSplit: "validation")
        let keep = try KeepMatrix(shadows: 4, examples: pool.count, seed: 0)
        let method = try UnlearningMethods.named("finetune")
        let jobs = Array(ReferencePlan.shadowJobs(pool: pool, retain: retain, keep: keep, method: method, seed: 5).prefix(2))
        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cached = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: validation,
                                   cacheDirectory: directory, settings: settings).models(for: jobs)
        // Each job left its trained base (method none) and its own entry in the cache.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 4)
        let baseJobs = Array(ReferencePlan.shadowJobs(pool: pool, retain: retain, keep: keep, method: NoUnlearning(), seed: 5).prefix(2))
        let bases = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: validation,
                                  cacheDirectory: directory, settings: settings).models(for: baseJobs)
        #expect(bases.map(\.record.fromCache) == [true, true])
        let scratch = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: validation,
                                    cacheDirectory: nil, settings: settings).models(for: jobs)
        for (a, b) in zip(cached, scratch) {
            #expect(Self.weights(a.model) == Self.weights(b.model))
            #expect(a.record.unlearnSeed == b.record.unlearnSeed)
            #expect(a.record.key == b.record.key)
        }
        #expect(Self.weights(cached[0].model) != Self.weights(bases[0].model))
    }

    @Test func aCorruptCacheEntryIsRetrainedNotTrusted() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: try dataSet.indices(ofSplit: "validation"),
                                 cacheDirectory: directory, settings: settings)
        let jobs = ReferencePlan.goldJobs(count: 1, retain: try dataSet.indices(ofSplit: "retain"), seed: 1)
        let first = try bank.models(for: jobs)
        let file = try #require(try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil).first)
        try Data("not a model".utf8).write(to: file)
        let again = try bank.models(for: jobs)
        #expect(!again[0].record.fromCache)
        #expect(Self.weights(again[0].model) == Self.weights(first[0].model))
        #expect(try bank.models(for: jobs)[0].record.fromCache)
    }

    @Test func aCollapsedModelIsRetrainedWithFreshSeedsThenGivenUp() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0.999  // every attempt counts as collapsed
        settings.maximumAttempts = 2
        let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: try dataSet.indices(ofSplit: "validation"),
                                 cacheDirectory: nil, settings: settings)
        let jobs = ReferencePlan.goldJobs(count: 1, retain: try dataSet.indices(ofSplit: "retain"), seed: 1)
        #expect(jobs[0].seeds(attempt: 0) != jobs[0].seeds(attempt: 1))
        #expect { _ = try bank.models(for: jobs) } throws: { error in
            "\(error)".contains("gold model 0 collapsed in all 2 attempts") && "\(error)".contains("collapse at ≤ 0.999")
        }
        // With the threshold between the first and second attempt's accuracy, the second is kept.
        settings.collapseAccuracy = 0
        settings.maximumAttempts = 2
        let accuracies = try (0..<2).map { attempt in
            MatchingEvaluator.itmAccuracy(model: MatchingTrainer(recipe: recipe, seed: jobs[0].seeds(attempt: attempt).train)
                .train(data: data, rows: jobs[0].trainRows), data: data, rows: try dataSet.indices(ofSplit: "validation"))
        }
        guard accuracies[0] < accuracies[1] else { return }  // needs the first attempt to be the worse one
        settings.collapseAccuracy = accuracies[0]
        let trained = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: try dataSet.indices(ofSplit: "validation"),
                                    cacheDirectory: nil, settings: settings).models(for: jobs)
        #expect(trained[0].record.attempts == 2 && trained[0].record.collapsed == 1)
        #expect(trained[0].record.validationAccuracies == accuracies)
    }

    @Test func theNativeProviderAnswersWithEachTrainedModel() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0
        let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: try dataSet.indices(ofSplit: "validation"),
                                 cacheDirectory: nil, settings: settings)
        let jobs = ReferencePlan.goldJobs(count: 2, retain: try dataSet.indices(ofSplit: "retain"), seed: 8)
        let provided = try bank.referenceModels(for: jobs) { _ in }
        let trained = try bank.models(for: jobs)
        #expect(bank.kind == "native")
        let rows = try dataSet.indices(ofSplit: "holdout")
        for (model, direct) in zip(provided, trained) {
            #expect(model.adapter.identity.modelID == "gold-\(direct.job.index)")
            #expect(model.adapter.identity.digest == "sha256:" + direct.record.key)
            #expect(try model.adapter.probabilities(forRows: rows, in: dataSet)
                == (try NativeAdapter(model: direct.model, modelID: "x", digest: "").probabilities(forRows: rows, in: dataSet)))
        }
        #expect(try provided[0].adapter.probabilities(forRows: rows, in: dataSet) != (try provided[1].adapter.probabilities(forRows: rows, in: dataSet)))
    }
}
