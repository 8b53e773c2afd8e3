import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning

/// The original model with its recipe and file digest.
struct OriginalModel {
    let model: FusionModel
    /// How it was trained, from the metadata `miaudit train` writes; nil for a model from elsewhere
    /// (then it can be scored, but nothing can be trained "like it").
    let provenance: TrainingProvenance?
    let digest: String
    let path: String

    /// How the original was trained: its recipe is what shadows, gold models and `retrain` reuse.
    /// - Throws: `AuditError` naming `why` when the model carries no recipe.
    func trainingProvenance(for why: String) throws -> TrainingProvenance {
        guard let provenance else {
            throw AuditError("\(path): the model has no \"\(TrainingProvenance.key)\" metadata, so its training recipe is unknown and \(why) cannot be trained like it; give the original as written by miaudit train or miaudit demo")
        }
        return provenance
    }

    /// Reads the original, or trains and writes it when the file is missing and the spec says how.
    static func obtain(_ spec: OriginalModelSpec, dataSet: PairDataSet, data: MatchingData, train: [Int], runSeed: UInt64,
                       toolVersion: String) throws -> OriginalModel {
        let url = URL(fileURLWithPath: spec.path)
        if !FileManager.default.fileExists(atPath: spec.path) {
            guard let training = spec.train else {
                throw AuditError("\(spec.path): no such original model; give its path in original.path, or add original.train to train it",
                                 status: .noInput)
            }
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let seed = training.seed ?? AuditSeeds.originalTraining(runSeed)
            let model = MatchingTrainer(recipe: training.recipe, seed: seed).train(data: data, rows: train)
            let provenance = TrainingProvenance(dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest, split: "train",
                                                excluded: nil, rows: train.count, recipe: training.recipe, seed: seed,
                                                threads: BLAS.threadCount, tool: toolVersion)
            do {
                try model.save(to: url, metadata: [TrainingProvenance.key: try provenance.json()].merging(NativeAdapter.classMetadata(for: dataSet)) { a, _ in a })
            } catch {
                throw AuditError("\(spec.path): cannot write the trained original (\(error)); check the directory's permissions",
                                 status: .ioError)
            }
        }
        let (model, metadata) = try FusionModel.load(from: url)
        let provenance = TrainingProvenance.from(metadata: metadata)
        if let provenance, provenance.dataSetDigest != dataSet.digest {
            throw AuditError("\(spec.path): the original was trained on data set \(provenance.dataSet) (sha256 \(provenance.dataSetDigest.prefix(12))…) but the spec's data is \(dataSet.manifest.name) (sha256 \(dataSet.digest.prefix(12))…); audit it on the data it was trained on")
        }
        let digest = "sha256:" + sha256Hex(try Data(contentsOf: url))
        return OriginalModel(model: model, provenance: provenance, digest: digest, path: spec.path)
    }
}

/// The audited model: an adapter, and how it was made when the spec unlearned it.
struct TargetModel {
    let adapter: any ModelAdapter
    let record: TargetUnlearningRecord?

    static func obtain(_ spec: TargetModelSpec, original: OriginalModel?, dataSet: PairDataSet, data: MatchingData,
                       splits: AuditSplits, runSeed: UInt64, output: URL?, toolVersion: String,
                       progress: @escaping @Sendable (AuditProgress) -> Void) throws -> TargetModel {
        switch spec {
        case let .adapter(description):
            return TargetModel(adapter: try AdapterFactory.open(description, for: dataSet), record: nil)
        case let .unlearn(unlearn):
            guard let original else {
                throw AuditError("target.unlearn needs the original as a miaudit model file (original.path): miaudit unlearns it with the recipe the file records; with original.adapter, give the audited model as target.adapter too",
                                 status: .usage)
            }
            let method = try UnlearningMethods.named(unlearn.method)
            progress(AuditProgress(stage: "target", done: 0, total: 1, note: "unlearning with \(method.name)"))
            let provenance = try original.trainingProvenance(for: "the target (\(method.name))")
            let unlearned = try UnlearningStep(
                method: method, recipe: provenance.recipe, seed: unlearn.seed ?? AuditSeeds.targetUnlearning(runSeed), dataSet: dataSet,
                data: data, forget: splits.pool.forget, retain: splits.retain, validation: splits.validation, forgetName: "forget",
                retainName: "retain", toolVersion: toolVersion
            ).run(original.model, originalPath: original.path, originalDigest: original.digest, provenance: provenance, output: output)
            let name = output?.lastPathComponent ?? "\(method.name)(original)"
            return TargetModel(adapter: NativeAdapter(model: unlearned.model, modelID: name, digest: unlearned.digest, classes: dataSet.classes),
                               record: TargetUnlearningRecord(method: method.name, settings: method.cacheKey, seed: unlearned.record.seed,
                                                              seconds: unlearned.record.seconds))
        }
    }
}

/// Unlearning a model and writing it with its record: the step `miaudit unlearn` runs and the
/// pipeline runs for a target the spec unlearns.
public struct UnlearningStep: Sendable {
    public let method: any UnlearningMethod
    /// The recipe the model was trained with (`retrain` trains with it).
    public let recipe: TrainingRecipe
    public let seed: UInt64
    public let dataSet: PairDataSet
    public let data: MatchingData
    public let forget: [Int]
    public let retain: [Int]
    /// Never-trained rows a method may consult (never the test or holdout split).
    public let validation: [Int]
    /// The split names the record keeps.
    public let forgetName: String
    public let retainName: String
    public let toolVersion: String

    public init(method: any UnlearningMethod, recipe: TrainingRecipe, seed: UInt64, dataSet: PairDataSet, data: MatchingData,
                forget: [Int], retain: [Int], validation: [Int], forgetName: String, retainName: String, toolVersion: String) {
        self.method = method
        self.recipe = recipe
        self.seed = seed
        self.dataSet = dataSet
        self.data = data
        self.forget = forget
        self.retain = retain
        self.validation = validation
        self.forgetName = forgetName
        self.retainName = retainName
        self.toolVersion = toolVersion
    }

    /// The unlearned model, its record (with MultiDelete's per-epoch report) and its file's digest.
    public struct Result {
        public let model: FusionModel
        public let record: UnlearningRecord
        public let digest: String
    }

    /// Unlearns `original` and writes the result to `output` (a temporary file, removed, when nil)
    /// with the unlearning record and the original's training provenance in its metadata.
    /// - Throws: the method's error, or `AuditError` (74) when the file cannot be written.
    public func run(_ original: FusionModel, originalPath: String, originalDigest: String, provenance: TrainingProvenance,
                    output: URL?, progress: @Sendable (String) -> Void = { _ in }) throws -> Result {
        let request = UnlearningRequest(data: data, forget: forget, retain: retain, recipe: recipe, seed: seed, validation: validation)
        let start = ContinuousClock.now
        var report: MultiDeleteReport?
        let model: FusionModel
        if let multi = method as? MultiDeleteUnlearning {
            (model, report) = try multi.run(original, request: request, progress: progress)
        } else {
            model = try method.unlearn(original, request: request, progress: progress)
        }
        let elapsed = AuditPipeline.seconds(since: start)
        let record = UnlearningRecord(method: method.name, settings: method.settings, seed: seed, forget: forgetName, retain: retainName,
                                      dataSetDigest: dataSet.digest, original: originalPath, originalDigest: originalDigest,
                                      seconds: elapsed, threads: BLAS.threadCount, tool: toolVersion, report: report)
        let url = output ?? FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-target-\(UUID().uuidString).safetensors")
        defer { if output == nil { try? FileManager.default.removeItem(at: url) } }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try model.save(to: url, metadata: [UnlearningRecord.key: try record.json(), TrainingProvenance.key: try provenance.json()]
                .merging(NativeAdapter.classMetadata(for: dataSet)) { a, _ in a })
        } catch {
            throw AuditError("\(url.path): cannot write the unlearned model (\(error)); check the directory's space and permissions",
                             status: .ioError)
        }
        return Result(model: model, record: record, digest: "sha256:" + sha256Hex(try Data(contentsOf: url)))
    }
}
