import AuditData
import Foundation
import MatchingTask
import NeuralNet
import NumericCore
import Unlearning

/// Settings of shadow and gold model training.
public struct ModelBankSettings: Codable, Equatable, Sendable {
    /// A model whose validation ITM accuracy is at or below this has collapsed (chance is 0.5) and
    /// is retrained with fresh derived seeds.
    public var collapseAccuracy: Double = 0.55
    /// Attempts per model before the audit gives up with an error.
    public var maximumAttempts: Int = 3
    /// Models trained at once, each with one BLAS thread (default: the BLAS thread count in force,
    /// i.e. `--threads`). One BLAS thread per model keeps every model's bytes independent of this,
    /// and is the faster split: on 2 idle cores (AMD EPYC, OpenBLAS Zen kernel, December 2026) two
    /// default-recipe models on emoji-cldr took 6.4–7.2 s trained side by side with one thread each,
    /// against 7.3–9.7 s one after the other with two (three runs each, process start and data
    /// loading included): small sgemm calls gain less from a second thread than a second model does.
    public var concurrency: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case collapseAccuracy = "collapse_accuracy", maximumAttempts = "maximum_attempts", concurrency
    }
}

/// Progress of a batch of jobs: `done` of `total` finished, with a note on the last one.
public struct ModelBankProgress: Sendable {
    public let done: Int
    public let total: Int
    public let note: String
}

/// A trained job: its model and how it came to be.
public struct TrainedModel: Sendable {
    public let job: ModelJob
    public let model: FusionModel
    public let record: ModelRecord
}

/// Trains the shadow and gold models an audit needs, in parallel across cores, and caches each
/// one under a content key so an interrupted run resumes and a second audit reuses them (SPEC §5.2).
///
/// Each model trains with one BLAS thread; `concurrency` models train at once. A model whose
/// validation ITM accuracy collapsed to chance is retrained with the next attempt's seeds and the
/// collapse is recorded. Cache entries are safetensors files named by kind, index and key digest,
/// written atomically when a model is done, so a crash loses at most the models in flight.
public final class ModelBank: @unchecked Sendable {
    public let dataSet: PairDataSet
    public let data: MatchingData
    public let recipe: TrainingRecipe
    /// Rows of the collapse check (the validation split).
    public let validation: [Int]
    /// The cache directory; nil keeps nothing on disk.
    public let cacheDirectory: URL?
    public let settings: ModelBankSettings

    /// Called with the entry's URL after a model is trained and before it is stored (tests use it
    /// to make two writers race on one key).
    var beforeStoring: (@Sendable (URL) -> Void)?

    static let keyMetadata = "miaudit.cache-key"
    static let recordMetadata = "miaudit.cache-record"

    public init(dataSet: PairDataSet, data: MatchingData, recipe: TrainingRecipe, validation: [Int],
                cacheDirectory: URL?, settings: ModelBankSettings = ModelBankSettings()) throws {
        guard !validation.isEmpty else {
            throw ReferenceModelError("\(dataSet.manifestPath): the validation split is empty, so a collapsed shadow cannot be detected; add validation rows")
        }
        if let problem = recipe.problem { throw ReferenceModelError("the original model's recipe is unusable: \(problem)") }
        guard settings.maximumAttempts >= 1 else {
            throw ReferenceModelError("maximum attempts per model must be at least 1 (got \(settings.maximumAttempts))")
        }
        if let cacheDirectory {
            do {
                try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
            } catch {
                throw ReferenceModelError("cannot create the model cache \(cacheDirectory.path): \(error.localizedDescription); choose a writable --cache directory", status: .cannotCreate)
            }
        }
        self.dataSet = dataSet
        self.data = data
        self.recipe = recipe
        self.validation = validation
        self.cacheDirectory = cacheDirectory
        self.settings = settings
    }

    /// Trains (or reads from the cache) every job's model, in job order.
    /// - Throws: `ReferenceModelError` when a model still collapses after the last attempt, or the method's error.
    public func models(for jobs: [ModelJob], progress: @Sendable (ModelBankProgress) -> Void = { _ in }) throws -> [TrainedModel] {
        guard !jobs.isEmpty else { return [] }
        let workers = max(1, min(jobs.count, settings.concurrency > 0 ? settings.concurrency : BLAS.threadCount))
        let state = SharedProgress(count: jobs.count)
        // One BLAS thread per model, and no other code changes the count while the workers run.
        BLAS.withThreadCount(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let next = state.nextJob() {
                    do {
                        let trained = try self.obtain(jobs[next])
                        let done = state.finish(next, with: trained)
                        let source = trained.record.fromCache ? "from cache" : String(format: "%.1f s", trained.record.seconds)
                        let collapse = trained.record.collapsed > 0 ? ", \(trained.record.collapsed) collapsed attempt(s) retrained" : ""
                        progress(ModelBankProgress(done: done, total: jobs.count,
                                                   note: "\(trained.job.kind.rawValue) \(trained.job.index) \(source)\(collapse)"))
                    } catch {
                        state.fail(error)
                    }
                }
            }
        }
        if let error = state.error { throw error }
        return state.results.map { $0! }
    }

    /// The content key of `job`'s model: the SHA-256 of everything that fixes its bytes. Any machine
    /// that trains the job with this bank's data, recipe and settings stores it under this key.
    public func cacheKey(for job: ModelJob) -> String {
        ModelKey(job: job, dataSet: dataSet, recipe: recipe, validation: validation, settings: settings).digest
    }

    /// Where `job`'s cache entry lives (nil without a cache): `<kind>-<index>-<key prefix>.safetensors`.
    public func cacheEntry(for job: ModelJob) -> URL? {
        cacheDirectory?.appendingPathComponent("\(job.kind.rawValue)-\(job.index)-\(cacheKey(for: job).prefix(16)).safetensors")
    }

    /// Whether a complete entry with `job`'s key is in the cache (a partial, stale or unreadable
    /// file is not).
    public func isCached(_ job: ModelJob) -> Bool {
        guard let url = cacheEntry(for: job) else { return false }
        let key = ModelKey(job: job, dataSet: dataSet, recipe: recipe, validation: validation, settings: settings)
        return Self.readCached(url, key: key) != nil
    }

    /// One job: from the cache when a valid entry exists, otherwise trained and stored.
    func obtain(_ job: ModelJob) throws -> TrainedModel {
        let key = ModelKey(job: job, dataSet: dataSet, recipe: recipe, validation: validation, settings: settings)
        let url = cacheEntry(for: job)
        if let url, let cached = Self.readCached(url, key: key) {
            var record = cached.record
            record.fromCache = true
            return TrainedModel(job: job, model: cached.model, record: record)
        }
        let trained = try trainedFromBase(job, key: key) ?? train(job, key: key)
        if let url {
            beforeStoring?(url)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var stored = trained.record
            stored.fromCache = false
            let record = String(decoding: try encoder.encode(stored), as: UTF8.self)
            do {
                try trained.model.save(to: url, metadata: [Self.keyMetadata: key.json, Self.recordMetadata: record])
            } catch {
                throw ReferenceModelError("cannot write the model cache entry \(url.path): \(error); check the --cache directory's space and permissions", status: .ioError)
            }
        }
        return trained
    }

    /// A job whose method starts from a trained model, built from the cached model of the same job
    /// with method `none` (the identical first training): audits of several methods with the same
    /// seed then train each shadow once. Nil without a cache or for a method that trains its own
    /// model. The result equals `train(job, key:)` byte for byte: the same attempt's training
    /// seed gives the base, and the same attempt's unlearning seed the method's run.
    func trainedFromBase(_ job: ModelJob, key: ModelKey) throws -> TrainedModel? {
        guard cacheDirectory != nil, let method = job.method, method.needsTrainedModel, !(method is NoUnlearning) else { return nil }
        let base = try obtain(ModelJob(kind: job.kind, index: job.index, trainRows: job.trainRows, forgetRows: job.forgetRows,
                                       retainRows: job.retainRows, method: NoUnlearning(), seed: job.seed))
        let start = ContinuousClock.now
        let seeds = job.seeds(attempt: base.record.attempts - 1)
        let request = UnlearningRequest(data: data, forget: job.forgetRows, retain: job.retainRows,
                                        recipe: recipe, seed: seeds.unlearn, validation: validation)
        let model = try method.unlearn(base.model, request: request) { _ in }
        let elapsed = ContinuousClock.now - start
        let unlearning = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let record = ModelRecord(kind: job.kind.rawValue, index: job.index, key: key.digest, attempts: base.record.attempts,
                                 validationAccuracies: base.record.validationAccuracies, trainSeed: seeds.train,
                                 unlearnSeed: seeds.unlearn, seconds: (base.record.fromCache ? 0 : base.record.seconds) + unlearning,
                                 fromCache: false)
        return TrainedModel(job: job, model: model, record: record)
    }

    /// A cache entry whose stored key equals `key`; nil when missing, unreadable or stale (then it
    /// is retrained and overwritten).
    static func readCached(_ url: URL, key: ModelKey) -> (model: FusionModel, record: ModelRecord)? {
        guard FileManager.default.fileExists(atPath: url.path),
              let (model, metadata) = try? FusionModel.load(from: url),
              metadata[keyMetadata] == key.json,
              let recordJSON = metadata[recordMetadata],
              let record = try? JSONDecoder().decode(ModelRecord.self, from: Data(recordJSON.utf8)) else { return nil }
        return (model, record)
    }

    /// The validation accuracy at or below which a model has collapsed: the setting (ITM, chance
    /// 0.5), or on classification data the share of the validation split's most frequent label,
    /// which a model answering one class for everything reaches.
    var collapseAccuracy: Double {
        data.isClassification ? MatchingEvaluator.majorityShare(data: data, rows: validation) : settings.collapseAccuracy
    }

    /// Trains a job, retraining with the next attempt's seeds while the model is collapsed.
    func train(_ job: ModelJob, key: ModelKey) throws -> TrainedModel {
        let start = ContinuousClock.now
        var accuracies: [Double] = []
        let collapseAccuracy = self.collapseAccuracy
        for attempt in 0..<settings.maximumAttempts {
            let seeds = job.seeds(attempt: attempt)
            let trainer = MatchingTrainer(recipe: recipe, seed: seeds.train)
            var model: FusionModel
            let request = UnlearningRequest(data: data, forget: job.forgetRows, retain: job.retainRows,
                                            recipe: recipe, seed: seeds.unlearn, validation: validation)
            if let method = job.method, !method.needsTrainedModel {
                // The method trains its own model (retrain): check that one for collapse.
                model = try method.unlearn(trainer.initialModel(data: data, rows: job.trainRows), request: request) { _ in }
                accuracies.append(MatchingEvaluator.itmAccuracy(model: model, data: data, rows: validation))
                if accuracies.last! <= collapseAccuracy { continue }
            } else {
                model = trainer.train(data: data, rows: job.trainRows)
                accuracies.append(MatchingEvaluator.itmAccuracy(model: model, data: data, rows: validation))
                if accuracies.last! <= collapseAccuracy { continue }
                if let method = job.method { model = try method.unlearn(model, request: request) { _ in } }
            }
            let elapsed = ContinuousClock.now - start
            let record = ModelRecord(kind: job.kind.rawValue, index: job.index, key: key.digest, attempts: attempt + 1,
                                     validationAccuracies: accuracies, trainSeed: seeds.train, unlearnSeed: seeds.unlearn,
                                     seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                     fromCache: false)
            return TrainedModel(job: job, model: model, record: record)
        }
        let shown = accuracies.map { String(format: "%.3f", $0) }.joined(separator: ", ")
        throw ReferenceModelError("\(job.kind.rawValue) model \(job.index) collapsed in all \(settings.maximumAttempts) attempts (validation accuracy \(shown), collapse at ≤ \(String(format: "%.3f", collapseAccuracy))); check the recipe and the data's scaling, or raise the attempt limit")
    }
}

/// The work queue and results shared by the training workers.
private final class SharedProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var finished = 0
    private(set) var results: [TrainedModel?]
    private(set) var error: Error?

    init(count: Int) { results = [TrainedModel?](repeating: nil, count: count) }

    /// The next job to run, or nil when all are taken or one has failed.
    func nextJob() -> Int? {
        lock.withLock {
            guard error == nil, next < results.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func finish(_ index: Int, with model: TrainedModel) -> Int {
        lock.withLock {
            results[index] = model
            finished += 1
            return finished
        }
    }

    func fail(_ failure: Error) {
        lock.withLock { if error == nil { error = failure } }
    }
}
