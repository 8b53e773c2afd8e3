import AuditData
import Foundation
import ModelAdapters
import NumericCore

/// How to reach an external trainer: a process adapter's command whose hello announces a trainer
/// (the trainer message set, docs/adapter-protocol.md), how many models train at once, and how
/// long one may take.
public struct ExternalTrainerSettings: Equatable, Sendable {
    public var process: AdapterDescription.ProcessSettings
    /// Children training at once, and children serving trained models at once.
    public var concurrency: Int = 1
    /// Seconds one train request may take.
    public var trainTimeoutSeconds: Double = 3600

    public init(process: AdapterDescription.ProcessSettings, concurrency: Int = 1, trainTimeoutSeconds: Double = 3600) {
        self.process = process
        self.concurrency = concurrency
        self.trainTimeoutSeconds = trainTimeoutSeconds
    }
}

/// Reference models (and an audit's original and target) trained by an external program through
/// the trainer message set (kind `external`): miaudit sends "train on these example ids with this
/// seed, then apply method M to these", the child saves the model in a directory miaudit names,
/// and later children serve it (`load` in their hello).
///
/// Cache: each model's directory is `CACHE/external/<key>`, where the key is the SHA-256 of
/// everything that fixes the model — the data set's digest, the rows, the method, the seeds, and
/// the trainer's announced recipe and code digest, so a changed training script never reuses a
/// stale model. A child writes into a fresh `<key>.partial-<uuid>` directory; miaudit adds
/// `record.json` and renames it into place, so a half-written entry is never read and two runs
/// racing on one key leave one valid entry. Without a cache directory the models live in a
/// temporary directory removed with the provider.
public final class ExternalTrainer: ReferenceModelProvider, @unchecked Sendable {
    // @unchecked Sendable: the mutable state (the serving pool) is used only with its lock held.
    public let settings: ExternalTrainerSettings
    public let dataSet: PairDataSet
    /// What the trainer announced (read once, from a first child, when the provider opens).
    public let info: TrainerInfo
    public let directory: URL
    private let ownsDirectory: Bool
    let pool: ServingPool

    public var kind: String { "external" }

    /// Opens the trainer once to read its announcement.
    /// - Throws: `AdapterError` when the command cannot start or does not announce a trainer.
    public init(settings: ExternalTrainerSettings, dataSet: PairDataSet, cacheDirectory: URL?) throws {
        guard settings.concurrency >= 1, settings.concurrency <= 64 else {
            throw ReferenceModelError("trainer.concurrency is \(settings.concurrency); use 1 to 64 children", status: .usage)
        }
        guard settings.trainTimeoutSeconds > 0, settings.trainTimeoutSeconds <= 7 * 86_400 else {
            throw ReferenceModelError("trainer.train_timeout_seconds is \(settings.trainTimeoutSeconds); use a number of seconds up to a week", status: .usage)
        }
        let probe = try ProcessAdapter(settings: settings.process, inputs: .init(dataSet))
        defer { probe.close() }
        guard let info = probe.trainer else {
            throw ReferenceModelError("\(probe.name): the child's hello announces no trainer, so it cannot train models; add the trainer message set (docs/adapter-protocol.md) or supply the models' outputs (docs/supplied-outputs.md)",
                                      status: .usage)
        }
        self.settings = settings
        self.dataSet = dataSet
        self.info = info
        if let cacheDirectory {
            directory = cacheDirectory.appendingPathComponent("external", isDirectory: true)
            ownsDirectory = false
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-external-\(UUID().uuidString)", isDirectory: true)
            ownsDirectory = true
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReferenceModelError("\(directory.path): cannot create the trainer's model directory (\(error)); check its permissions", status: .ioError)
        }
        pool = ServingPool(settings: settings.process, inputs: .init(dataSet), capacity: settings.concurrency)
    }

    deinit {
        pool.closeAll()
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    /// How a model came to be, stored as `record.json` in its directory.
    public struct Record: Codable, Equatable, Sendable {
        public let key: String
        public let kind: String
        public let index: Int
        public let digest: String
        public let trainSeed: UInt64
        public let unlearnSeed: UInt64
        public let seconds: Double

        enum CodingKeys: String, CodingKey {
            case key, kind, index, digest, seconds
            case trainSeed = "train_seed", unlearnSeed = "unlearn_seed"
        }
    }

    /// A model to obtain: a job, and for an unlearned target the job of the model it starts from.
    public struct Order: Sendable {
        public let job: ModelJob
        /// Unlearn this model instead of training from scratch (its job must be obtained first).
        public let start: ModelJob?

        public init(job: ModelJob, start: ModelJob? = nil) {
            self.job = job
            self.start = start
        }
    }

    public func referenceModels(for jobs: [ModelJob], progress: @Sendable (ModelBankProgress) -> Void) throws -> [ReferenceModel] {
        try models(for: jobs.map { Order(job: $0) }, progress: progress)
    }

    /// Obtains every order's model (from the cache, or by training it), up to `concurrency` at once,
    /// and returns adapters that serve them (at most `concurrency` children alive at a time).
    public func models(for orders: [Order], progress: @Sendable (ModelBankProgress) -> Void) throws -> [ReferenceModel] {
        let keys = orders.map { key(for: $0) }
        let total = orders.count
        let state = TrainingState(count: total)
        var cachedOrders = Set<Int>()
        for (k, key) in keys.enumerated() {
            if let cached = readRecord(key) {
                cachedOrders.insert(k)
                let done = state.finish(k, cached)
                progress(ModelBankProgress(done: done, total: total, note: "\(orders[k].job.kind.rawValue) \(orders[k].job.index) from cache"))
            }
        }
        // Orders that start from another model wait for it: they run in a second wave.
        let pending = state.pending
        let waves = [pending.filter { orders[$0].start == nil }, pending.filter { orders[$0].start != nil }]
        for wave in waves where !wave.isEmpty {
            state.begin(wave)
            DispatchQueue.concurrentPerform(iterations: min(settings.concurrency, wave.count)) { _ in
                var child: ProcessAdapter?
                defer { child?.close() }
                while let k = state.nextOrder() {
                    do {
                        if child == nil { child = try ProcessAdapter(settings: settings.process, inputs: .init(dataSet)) }
                        let record = try train(orders[k], key: keys[k], with: child!)
                        let done = state.finish(k, record)
                        progress(ModelBankProgress(done: done, total: total,
                                                   note: "\(orders[k].job.kind.rawValue) \(orders[k].job.index) \(String(format: "%.1f s", record.seconds))"))
                    } catch {
                        child?.close()
                        child = nil
                        state.fail(error)
                    }
                }
            }
            if let failure = state.failure { throw failure }
        }
        let records = state.records
        return orders.indices.map { (k: Int) -> ReferenceModel in
            let order = orders[k]
            let record = records[k]!
            let name = "\(order.job.kind.rawValue)-\(order.job.index)"
            let adapter = ExternalModelAdapter(identity: AdapterIdentity(kind: "external", modelID: name, digest: record.digest, classes: matchingClasses),
                                               directory: modelDirectory(record.key).path, owner: self)
            return ReferenceModel(job: order.job,
                                  record: ModelRecord(kind: order.job.kind.rawValue, index: order.job.index, key: record.key, attempts: 1,
                                                      validationAccuracies: [], trainSeed: record.trainSeed, unlearnSeed: record.unlearnSeed,
                                                      seconds: record.seconds, fromCache: cachedOrders.contains(k)),
                                  adapter: adapter)
        }
    }

    /// The cache key of `order`: SHA-256 of canonical JSON of everything that fixes the model.
    public func key(for order: Order) -> String {
        let job = order.job
        let seeds = job.seeds(attempt: 0)
        func digest(_ rows: [Int]) -> String { sha256Hex(Data(rows.sorted().map { dataSet.ids[$0] }.joined(separator: "\n").utf8)) }
        var fields: [String: Any] = [
            "schema": 1, "kind": job.kind.rawValue, "index": job.index, "data_set_sha256": dataSet.digest,
            "trainer_recipe": info.recipe, "trainer_code": info.codeDigest, "train_seed": String(seeds.train),
            // The trainer's own implementation: its settings are in its recipe, not miaudit's.
            "method": job.method?.name ?? "-",
        ]
        if let start = order.start {
            fields["start"] = key(for: Order(job: start))
        } else {
            fields["train_rows_sha256"] = digest(job.trainRows)
        }
        if job.method != nil {
            fields["unlearn_seed"] = String(seeds.unlearn)
            fields["forget_rows_sha256"] = digest(job.forgetRows)
            fields["retain_rows_sha256"] = digest(job.retainRows)
        }
        let json = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return sha256Hex(json)
    }

    func modelDirectory(_ key: String) -> URL { directory.appendingPathComponent(key, isDirectory: true) }

    /// Whether a complete entry for `order` is in the cache.
    public func isCached(_ order: Order) -> Bool { readRecord(key(for: order)) != nil }

    /// The directory of `order`'s cache entry.
    public func cacheEntry(for order: Order) -> URL { modelDirectory(key(for: order)) }

    /// The record of a complete cache entry, or nil (absent, partial or unreadable: it is retrained).
    func readRecord(_ key: String) -> Record? {
        let url = modelDirectory(key).appendingPathComponent("record.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let record = try? JSONDecoder().decode(Record.self, from: data), record.key == key else { return nil }
        return record
    }

    /// Trains one order with `child` into a partial directory, then moves it into place.
    func train(_ order: Order, key: String, with child: ProcessAdapter) throws -> Record {
        let job = order.job
        let seeds = job.seeds(attempt: 0)
        let partial = directory.appendingPathComponent("\(key).partial-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: partial) }
        let ids = { (rows: [Int]) in rows.map { self.dataSet.ids[$0] } }
        let unlearn = job.method.map {
            TrainOrder.Unlearn(method: $0.name, forget: ids(job.forgetRows), retain: ids(job.retainRows), seed: seeds.unlearn)
        }
        if let method = job.method, !info.methods.contains(method.name) {
            throw ReferenceModelError("the trainer (\(settings.process.command.joined(separator: " "))) does not implement \(method.name) (it announces \(info.methods.joined(separator: ", "))); choose one of those or add it to the trainer",
                                      status: .usage)
        }
        let start = order.start.map { modelDirectory(self.key(for: Order(job: $0))).path }
        let clock = ContinuousClock.now
        let digest = try child.train(TrainOrder(data: URL(fileURLWithPath: dataSet.manifestPath).deletingLastPathComponent().path,
                                                seed: seeds.train, train: start == nil ? ids(job.trainRows) : nil, start: start,
                                                unlearn: unlearn, output: partial.path),
                                     timeoutSeconds: settings.trainTimeoutSeconds)
        let elapsed = clock.duration(to: .now)
        let record = Record(key: key, kind: job.kind.rawValue, index: job.index, digest: digest, trainSeed: seeds.train,
                            unlearnSeed: job.method == nil ? 0 : seeds.unlearn,
                            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(record).write(to: partial.appendingPathComponent("record.json"), options: .atomic)
        let final = modelDirectory(key)
        // An entry without a valid record (damaged, or written by hand) is replaced, never read.
        if FileManager.default.fileExists(atPath: final.path), readRecord(key) == nil {
            try? FileManager.default.removeItem(at: final)
        }
        if rename(partial.path, final.path) != 0 {
            // Another run finished the same key first (rename refuses a non-empty target): keep theirs.
            guard let theirs = readRecord(key) else {
                throw ReferenceModelError("\(final.path): cannot move the trained model into place (\(String(cString: strerror(errno)))); check the cache directory", status: .ioError)
            }
            return theirs
        }
        return record
    }
}

/// The orders of one `models(for:)` call: which are done, which is next, the first failure.
private final class TrainingState: @unchecked Sendable {
    // @unchecked Sendable: every stored var is used only with `lock` held.
    private let lock = NSLock()
    private var results: [ExternalTrainer.Record?]
    private var wave: [Int] = []
    private var next = 0
    private var done = 0
    private var firstFailure: Error?

    init(count: Int) { results = [ExternalTrainer.Record?](repeating: nil, count: count) }

    var records: [ExternalTrainer.Record?] { lock.withLock { results } }
    var pending: [Int] { lock.withLock { results.indices.filter { results[$0] == nil } } }
    var failure: Error? { lock.withLock { firstFailure } }

    func begin(_ orders: [Int]) { lock.withLock { wave = orders; next = 0 } }

    func nextOrder() -> Int? {
        lock.withLock {
            guard firstFailure == nil, next < wave.count else { return nil }
            defer { next += 1 }
            return wave[next]
        }
    }

    /// Records order `index`'s model; returns how many are done.
    func finish(_ index: Int, _ record: ExternalTrainer.Record) -> Int {
        lock.withLock {
            results[index] = record
            done += 1
            return done
        }
    }

    func fail(_ error: Error) { lock.withLock { if firstFailure == nil { firstFailure = error } } }
}

/// Children serving trained external models, at most `capacity` alive: a model not loaded in any
/// child is loaded (a load request) into a new child while there is room, else into the child
/// used least recently. Each child starts once, so a slow import is paid per child, not per model.
final class ServingPool: @unchecked Sendable {
    // @unchecked Sendable: `children` and `clock` are used only with `lock` held.
    private let settings: AdapterDescription.ProcessSettings
    private let inputs: ProcessAdapter.InputWidths
    private let capacity: Int
    private let lock = NSLock()
    private var children: [(adapter: ProcessAdapter, serving: String, used: Int)] = []
    private var clock = 0

    init(settings: AdapterDescription.ProcessSettings, inputs: ProcessAdapter.InputWidths, capacity: Int) {
        self.settings = settings
        self.inputs = inputs
        self.capacity = capacity
    }

    /// Runs `body` with a child serving the model in `directory`. One model is queried at a time.
    func with<T>(_ directory: String, _ body: (ProcessAdapter) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        clock += 1
        if let k = children.firstIndex(where: { $0.serving == directory }) {
            children[k].used = clock
            return try body(children[k].adapter)
        }
        let k: Int
        if children.count < capacity {
            children.append((try ProcessAdapter(settings: settings, inputs: inputs), "", clock))
            k = children.count - 1
        } else {
            k = children.indices.min { children[$0].used < children[$1].used }!
        }
        do {
            try children[k].adapter.load(directory)
        } catch {
            children[k].adapter.close()
            children.remove(at: k)
            throw error
        }
        children[k].serving = directory
        children[k].used = clock
        return try body(children[k].adapter)
    }

    func closeAll() {
        lock.withLock {
            for child in children { child.adapter.close() }
            children = []
        }
    }
}

/// A trained external model, served on demand by a child of its provider's pool. It keeps the
/// provider alive (and with it a temporary model directory) while it is in use.
final class ExternalModelAdapter: ModelAdapter, @unchecked Sendable {
    let identity: AdapterIdentity
    let directory: String
    private let owner: ExternalTrainer

    init(identity: AdapterIdentity, directory: String, owner: ExternalTrainer) {
        self.identity = identity
        self.directory = directory
        self.owner = owner
    }

    func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        try owner.pool.with(directory) { try $0.probabilities(for: queries, in: dataSet) }
    }

    /// Stops the provider's serving children (a later query starts one again).
    func close() { owner.pool.closeAll() }
}
