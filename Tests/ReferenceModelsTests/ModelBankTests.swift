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

    /// Two writers racing on one key (two shards, or two machines over shared storage): both
    /// train, both rename into place, and one valid entry is left, with no temporary file.
    @Test func twoWritersRacingOnOneKeyLeaveOneValidEntry() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0
        settings.concurrency = 2
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let validation = try dataSet.indices(ofSplit: "validation")
        let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: validation, cacheDirectory: directory,
                                 settings: settings)
        let job = ReferencePlan.goldJobs(count: 1, retain: try dataSet.indices(ofSplit: "retain"), seed: 4)[0]
        #expect(!bank.isCached(job))
        // The same job twice, two workers: both find no entry and train; neither stores before
        // both have trained, so both write and rename onto the one key.
        let barrier = DispatchGroup()
        barrier.enter()
        barrier.enter()
        let writers = Counter()
        bank.beforeStoring = { _ in
            writers.increment()
            barrier.leave()
            // Bounded: should the two workers ever run one after the other, the test fails on the
            // writer count below instead of hanging.
            _ = barrier.wait(timeout: .now() + 120)
        }
        let trained = try bank.models(for: [job, job])
        #expect(writers.value == 2)
        #expect(trained.allSatisfy { !$0.record.fromCache })
        #expect(Self.weights(trained[0].model) == Self.weights(trained[1].model))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names == [bank.cacheEntry(for: job)!.lastPathComponent], "\(names)")
        bank.beforeStoring = nil
        #expect(bank.isCached(job))
        let read = try bank.models(for: [job])[0]
        #expect(read.record.fromCache && Self.weights(read.model) == Self.weights(trained[0].model))
    }

    /// A half-written entry is never read: a truncated file under the final name (a copy cut
    /// short, a full disk) and a writer's leftover temporary file both count as missing, and the
    /// model is trained again, to the same bytes.
    @Test func aHalfWrittenEntryIsNeverRead() throws {
        let (dataSet, data, recipe) = try Self.setUp()
        var settings = ModelBankSettings()
        settings.collapseAccuracy = 0
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bank = try ModelBank(dataSet: dataSet, data: data, recipe: recipe, validation: try dataSet.indices(ofSplit: "validation"),
                                 cacheDirectory: directory, settings: settings)
        let jobs = ReferencePlan.goldJobs(count: 2, retain: try dataSet.indices(ofSplit: "retain"), seed: 6)
        let first = try bank.models(for: jobs)
        let entry = try #require(bank.cacheEntry(for: jobs[0]))
        let bytes = try Data(contentsOf: entry)
        // Every cut of the file, from the header's length field to one byte short, is rejected.
        for cut in [0, 4, 8, 100, bytes.count / 2, bytes.count - 1] {
            try bytes.prefix(cut).write(to: entry)
            #expect(!bank.isCached(jobs[0]), "a file cut at \(cut) of \(bytes.count) bytes counts as cached")
        }
        // A writer killed before its rename leaves only a hidden temporary file: no entry.
        let second = try #require(bank.cacheEntry(for: jobs[1]))
        let secondBytes = try Data(contentsOf: second)
        try FileManager.default.removeItem(at: second)
        let leftover = directory.appendingPathComponent(".\(second.lastPathComponent).tmp-999-12345")
        try secondBytes.prefix(secondBytes.count / 2).write(to: leftover)
        #expect(!bank.isCached(jobs[1]))
        let again = try bank.models(for: jobs)
        #expect(again.map(\.record.fromCache) == [false, false])
        for (a, b) in zip(again, first) { #expect(Self.weights(a.model) == Self.weights(b.model)) }
        #expect(bank.isCached(jobs[0]) && bank.isCached(jobs[1]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.count == 2)
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

/// A count shared by concurrent workers.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }

    var value: Int { lock.withLock { count } }
}
