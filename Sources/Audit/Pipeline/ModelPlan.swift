import AuditData
import Foundation
import MatchingTask
import NeuralNet
import ModelAdapters
import NumericCore
import ReferenceModels
import Unlearning

/// Every model an audit spec needs before it can run, by content key (docs/scale-out.md): the
/// work of *plan → shards → gather*. The plan is a function of the spec and the data alone, so
/// every machine that reads the same spec computes the same entries, the same keys and the same
/// shards; whether an entry is cached is read from the cache when the plan is made.
public struct ModelPlan: Sendable {
    /// One model: what it is, its content key, where it lives, and whether it is there.
    public struct Entry: Codable, Equatable, Sendable {
        /// `original`, `target` (an external trainer's), `shadow` or `gold`.
        public let kind: String
        /// The model's number within its kind.
        public let index: Int
        /// The unlearning method applied after training (shadows; an external target), or nil.
        public let method: String?
        /// The content key: the SHA-256 of everything that fixes the model's bytes (for a native
        /// original, of its data set, rows, recipe and seed).
        public let key: String
        /// The cache entry (a file, or an external trainer's directory), or the original's path.
        public let location: String
        /// Whether a complete entry is there now.
        public var cached: Bool
        /// Entries of one unit are trained together by one shard, in order (an external target
        /// starts from the original).
        public let unit: Int

        /// "shadow 3 (multidelete)".
        public var name: String { "\(kind) \(index)" + (method.map { " (\($0))" } ?? "") }
    }

    /// The spec's name and file.
    public let spec: String
    public let specPath: String
    /// Who trains the reference models: `native`, `external`, `supplied`, or `none`.
    public let provider: String
    /// The cache directory (nil: the spec keeps no cache, so nothing can be trained ahead).
    public let cache: String?
    public let entries: [Entry]
    /// Models the audit itself makes and no shard trains (a target the spec unlearns natively).
    public let madeByAudit: [String]

    /// The number of units (shardable pieces of work).
    public var units: Int { (entries.map(\.unit).max() ?? -1) + 1 }

    /// Entries without a complete cache entry.
    public var missing: [Entry] { entries.filter { !$0.cached } }

    /// The entries of shard `shard` of `count`: units u with u mod count = shard, whether cached
    /// or not, so the assignment does not move while other shards fill the cache.
    public func entries(ofShard shard: Int, of count: Int) -> [Entry] {
        entries.filter { $0.unit % count == shard }
    }
}

/// Makes a spec's model plan and trains a shard of it.
public enum ModelPlanner {
    /// The spec's plan, with each entry's cache state read now.
    /// - Throws: `AuditError` for data or splits the spec cannot use, or an original whose recipe is unknown.
    public static func plan(_ spec: AuditSpec) throws -> ModelPlan {
        try Context(spec).plan()
    }

    /// What a shard did: the entries it trained and the ones it found cached.
    public struct ShardOutcome: Sendable {
        public let trained: [ModelPlan.Entry]
        public let alreadyCached: [ModelPlan.Entry]
    }

    /// Trains shard `shard` of `count`'s uncached models into the cache and returns what it did.
    /// Each model is written to a temporary name and renamed into place, so shards racing on one
    /// key leave one valid entry and a killed shard leaves no partial entry under a final name.
    /// - Throws: `AuditError` (usage) without a cache, or the training's error.
    public static func train(_ spec: AuditSpec, shard: Int, of count: Int, toolVersion: String,
                             progress: @escaping @Sendable (AuditProgress) -> Void = { _ in }) throws -> ShardOutcome {
        guard count >= 1, shard >= 0, shard < count else {
            throw AuditError("shard \(shard)/\(count) does not exist; give I/N with 0 ≤ I < N", status: .usage)
        }
        guard spec.cache != nil else {
            throw AuditError("\(spec.source.path): the spec has no cache directory, so trained models would be lost; add cache: DIR (on storage every shard and the audit can reach)",
                             status: .usage)
        }
        let context = try Context(spec)
        let plan = try context.plan()
        let mine = plan.entries(ofShard: shard, of: count)
        let todo = mine.filter { !$0.cached }
        let total = todo.count
        progress(AuditProgress(stage: "models", done: 0, total: total, note: "shard \(shard)/\(count): \(total) of its \(mine.count) model(s) to train"))
        try context.train(todo, toolVersion: toolVersion) { done, note in
            progress(AuditProgress(stage: "models", done: done, total: total, note: note))
        }
        // Read the cache again: what this shard trained is there now.
        let after = try context.plan().entries(ofShard: shard, of: count)
        if let still = after.first(where: { !$0.cached }) {
            throw AuditError("\(still.name): trained, but no complete cache entry is at \(still.location); check the cache directory's space and permissions",
                             status: .ioError)
        }
        return ShardOutcome(trained: todo, alreadyCached: mine.filter(\.cached))
    }

    /// The spec's data, splits and reference plan, and the provider that trains them.
    struct Context {
        let spec: AuditSpec
        let dataSet: PairDataSet
        let data: MatchingData
        let splits: AuditSplits
        let references: ReferencePlan?
        let trainer: ExternalTrainer?

        init(_ spec: AuditSpec) throws {
            self.spec = spec
            dataSet = try PairDataSet.load(directory: URL(fileURLWithPath: spec.data))
            data = MatchingData(dataSet)
            splits = try AuditSplits(spec.splits, dataSet: dataSet)
            references = try AuditPipeline.referencePlan(spec, needs: AuditPipeline.signalNeeds(spec), dataSet: dataSet, splits: splits)
            let cache = spec.cache.map { URL(fileURLWithPath: $0, isDirectory: true) }
            let loaded = dataSet
            trainer = try spec.trainer.map { try ExternalTrainer(settings: $0, dataSet: loaded, cacheDirectory: cache) }
        }

        var nativeOriginal: Bool { spec.original.adapter == nil && !spec.original.byTrainer }

        /// The recipe the native shadows and gold models train with: the original file's, or the
        /// spec's `original.train` recipe when the file is not there yet.
        func nativeRecipe() throws -> TrainingRecipe {
            guard nativeOriginal else {
                throw AuditError("\(spec.source.path): native shadow and gold models are trained with the original's recipe, which a model "
                                 + "reached through original.adapter cannot give; supply them (references: {supplied: DIR}) "
                                 + "or give original.path as a miaudit model file", status: .usage)
            }
            if FileManager.default.fileExists(atPath: spec.original.path) {
                let (_, metadata) = try FusionModel.load(from: URL(fileURLWithPath: spec.original.path))
                guard let provenance = TrainingProvenance.from(metadata: metadata) else {
                    throw AuditError("\(spec.original.path): the model has no \"\(TrainingProvenance.key)\" metadata, so its training recipe is unknown and shadow and gold models cannot be trained like it; give the original as written by miaudit train or miaudit demo")
                }
                return provenance.recipe
            }
            guard let training = spec.original.train else {
                throw AuditError("\(spec.original.path): no such original model; give its path in original.path, or add original.train to train it",
                                 status: .noInput)
            }
            return training.recipe
        }

        func bank() throws -> ModelBank {
            try AuditPipeline.nativeBank(spec, dataSet: dataSet, data: data, splits: splits, recipe: try nativeRecipe())
        }

        /// The native original's key: its data set, training rows, recipe and seed.
        func originalKey() -> String {
            guard let training = spec.original.train else {
                return FileManager.default.contents(atPath: spec.original.path).map { sha256Hex($0) } ?? "-"
            }
            let seed = training.seed ?? AuditSeeds.originalTraining(spec.seed)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let recipe = String(decoding: (try? encoder.encode(training.recipe)) ?? Data(), as: UTF8.self)
            let rows = splits.train.map { dataSet.ids[$0] }.sorted().joined(separator: "\n")
            return sha256Hex(Data("original\n\(dataSet.digest)\n\(sha256Hex(Data(rows.utf8)))\n\(recipe)\n\(seed)".utf8))
        }

        /// The external trainer's orders for the original and an unlearned target (one unit).
        func externalOriginalOrders() throws -> [ExternalTrainer.Order] {
            spec.original.byTrainer ? try ExternalModels.orders(spec, splits: splits) : []
        }

        func plan() throws -> ModelPlan {
            var entries: [ModelPlan.Entry] = []
            var unit = 0
            var made: [String] = []
            if nativeOriginal, spec.original.train != nil || !FileManager.default.fileExists(atPath: spec.original.path) {
                entries.append(.init(kind: "original", index: 0, method: nil, key: originalKey(), location: spec.original.path,
                                     cached: FileManager.default.fileExists(atPath: spec.original.path), unit: unit))
                unit += 1
            }
            if let trainer {
                let orders = try externalOriginalOrders()
                for order in orders {
                    entries.append(.init(kind: order.job.kind.rawValue, index: order.job.index, method: order.job.method?.name,
                                         key: trainer.key(for: order), location: trainer.cacheEntry(for: order).path,
                                         cached: trainer.isCached(order), unit: unit))
                }
                if !orders.isEmpty { unit += 1 }
            }
            if case let .unlearn(unlearn) = spec.target, !spec.original.byTrainer, unlearn.method != "none" {
                made.append("the target: the original unlearned with \(unlearn.method)")
            }
            var provider = "none"
            if let references, !references.jobs.isEmpty {
                if spec.suppliedReferences != nil {
                    provider = "supplied"
                } else if let trainer {
                    provider = trainer.kind
                    for job in references.jobs {
                        let order = ExternalTrainer.Order(job: job)
                        entries.append(.init(kind: job.kind.rawValue, index: job.index, method: job.method?.name,
                                             key: trainer.key(for: order), location: trainer.cacheEntry(for: order).path,
                                             cached: trainer.isCached(order), unit: unit))
                        unit += 1
                    }
                } else {
                    let bank = try bank()
                    provider = bank.kind
                    for job in references.jobs {
                        entries.append(.init(kind: job.kind.rawValue, index: job.index, method: job.method?.name, key: bank.cacheKey(for: job),
                                             location: bank.cacheEntry(for: job)?.path ?? "-", cached: bank.isCached(job), unit: unit))
                        unit += 1
                    }
                }
            }
            return ModelPlan(spec: spec.name, specPath: spec.source.path, provider: provider, cache: spec.cache, entries: entries,
                             madeByAudit: made)
        }

        /// Trains `entries` (uncached ones of one shard): the native original first, then the
        /// reference models, `--threads` of them at once with one BLAS thread each.
        func train(_ entries: [ModelPlan.Entry], toolVersion: String, progress: @escaping @Sendable (Int, String) -> Void) throws {
            guard !entries.isEmpty else { return }
            var done = 0
            if nativeOriginal, entries.contains(where: { $0.kind == "original" }) {
                progress(0, "original: training")
                _ = try OriginalModel.obtain(spec.original, dataSet: dataSet, data: data, train: splits.train, runSeed: spec.seed,
                                             toolVersion: toolVersion)
                done += 1
                progress(done, "original trained")
            }
            let wanted = Set(entries.map { "\($0.kind)-\($0.index)" })
            let offset = done
            if let trainer {
                var orders = try externalOriginalOrders().filter { wanted.contains("\($0.job.kind.rawValue)-\($0.job.index)") }
                orders += (references?.jobs ?? []).filter { wanted.contains("\($0.kind.rawValue)-\($0.index)") }.map { .init(job: $0) }
                // A target starts from the original: keep the original in the orders when the target is.
                if let target = orders.first(where: { $0.start != nil }), let start = target.start,
                   !orders.contains(where: { $0.job.kind == start.kind }) {
                    orders.insert(.init(job: start), at: 0)
                }
                let models = try trainer.models(for: orders) { progress(offset + $0.done, $0.note) }
                for model in models { model.adapter.close() }
            } else if let references {
                let jobs = references.jobs.filter { wanted.contains("\($0.kind.rawValue)-\($0.index)") }
                guard !jobs.isEmpty else { return }
                _ = try bank().models(for: jobs) { progress(offset + $0.done, $0.note) }
            }
        }
    }
}
