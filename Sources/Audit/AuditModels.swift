import AuditData
import Foundation
import Gate
import MatchingTask
import MembershipInference
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning

/// The original model with its recipe and file digest.
struct OriginalModel {
    let model: FusionModel
    let recipe: TrainingRecipe
    let provenance: TrainingProvenance
    let digest: String
    let path: String

    /// Reads the original, or trains and writes it when the file is missing and the spec says how.
    static func obtain(_ spec: OriginalModelSpec, dataSet: PairDataSet, data: MatchingData, train: [Int],
                       toolVersion: String) throws -> OriginalModel {
        let url = URL(fileURLWithPath: spec.path)
        if !FileManager.default.fileExists(atPath: spec.path) {
            guard let training = spec.train else {
                throw AuditError("\(spec.path): no such original model; give its path in original.path, or add original.train to train it",
                                 status: .noInput)
            }
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let model = MatchingTrainer(recipe: training.recipe, seed: training.seed).train(data: data, rows: train)
            let provenance = TrainingProvenance(dataSet: dataSet.manifest.name, dataSetDigest: dataSet.digest, split: "train",
                                                excluded: nil, rows: train.count, recipe: training.recipe, seed: training.seed,
                                                threads: BLAS.threadCount, tool: toolVersion)
            do {
                try model.save(to: url, metadata: [TrainingProvenance.key: try provenance.json()])
            } catch {
                throw AuditError("\(spec.path): cannot write the trained original (\(error)); check the directory's permissions",
                                 status: .ioError)
            }
        }
        let (model, metadata) = try FusionModel.load(from: url)
        guard let provenance = TrainingProvenance.from(metadata: metadata) else {
            throw AuditError("\(spec.path): the model has no \"\(TrainingProvenance.key)\" metadata, so its training recipe is unknown; give the original as written by miaudit train or miaudit demo")
        }
        guard provenance.dataSetDigest == dataSet.digest else {
            throw AuditError("\(spec.path): the original was trained on data set \(provenance.dataSet) (sha256 \(provenance.dataSetDigest.prefix(12))…) but the spec's data is \(dataSet.manifest.name) (sha256 \(dataSet.digest.prefix(12))…); audit it on the data it was trained on")
        }
        let digest = "sha256:" + sha256Hex(try Data(contentsOf: url))
        return OriginalModel(model: model, recipe: provenance.recipe, provenance: provenance, digest: digest, path: spec.path)
    }
}

/// The audited model: an adapter, and how it was made when the spec unlearned it.
struct TargetModel {
    let adapter: any ModelAdapter
    let record: TargetUnlearningRecord?

    static func obtain(_ spec: TargetModelSpec, original: OriginalModel, dataSet: PairDataSet, data: MatchingData,
                       splits: AuditSplits, output: URL?, toolVersion: String,
                       progress: @escaping @Sendable (AuditProgress) -> Void) throws -> TargetModel {
        switch spec {
        case let .adapter(description):
            return TargetModel(adapter: try AdapterFactory.open(description, for: dataSet), record: nil)
        case let .unlearn(unlearn):
            let method = try UnlearningMethods.named(unlearn.method)
            progress(AuditProgress(stage: "target", done: 0, total: 1, note: "unlearning with \(method.name)"))
            let request = UnlearningRequest(data: data, forget: splits.pool.forget, retain: splits.retain, recipe: original.recipe,
                                            seed: unlearn.seed, validation: splits.validation)
            let start = ContinuousClock.now
            var report: MultiDeleteReport?
            let model: FusionModel
            if let multi = method as? MultiDeleteUnlearning {
                (model, report) = try multi.run(original.model, request: request) { _ in }
            } else {
                model = try method.unlearn(original.model, request: request) { _ in }
            }
            let elapsed = AuditRunner.seconds(since: start)
            let record = UnlearningRecord(method: method.name, settings: method.settings, seed: unlearn.seed, forget: "forget",
                                          retain: "retain", dataSetDigest: dataSet.digest, original: original.path,
                                          originalDigest: original.digest, seconds: elapsed, threads: BLAS.threadCount,
                                          tool: toolVersion, report: report)
            let url = output ?? FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-target-\(UUID().uuidString).safetensors")
            defer { if output == nil { try? FileManager.default.removeItem(at: url) } }
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try model.save(to: url, metadata: [UnlearningRecord.key: try record.json(),
                                                   TrainingProvenance.key: try original.provenance.json()])
            } catch {
                throw AuditError("\(url.path): cannot write the unlearned model (\(error)); check the directory's space and permissions",
                                 status: .ioError)
            }
            let digest = "sha256:" + sha256Hex(try Data(contentsOf: url))
            let name = output?.lastPathComponent ?? "\(method.name)(original)"
            return TargetModel(adapter: NativeAdapter(model: model, modelID: name, digest: digest),
                               record: TargetUnlearningRecord(method: method.name, settings: method.cacheKey, seed: unlearn.seed,
                                                              seconds: elapsed))
        }
    }
}
