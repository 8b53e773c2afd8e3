import AuditData
import Foundation
import MatchingTask
import NeuralNet
import NumericCore

/// The built-in fusion model from a safetensors file (SPEC §3).
public final class NativeAdapter: ModelAdapter {
    public let identity: AdapterIdentity
    public let model: FusionModel
    let batchSize: Int
    /// How the model was trained, from its file's metadata (nil for a model in memory or without it).
    public let provenance: TrainingProvenance?
    /// Whether it may score a data set other than the one it was trained on.
    let allowOtherData: Bool

    /// Loads the model; its digest is the SHA-256 of the file's bytes.
    public init(settings: AdapterDescription.NativeSettings) throws {
        let url = URL(fileURLWithPath: settings.path)
        let (model, metadata) = try FusionModel.load(from: url)
        let bytes = try Data(contentsOf: url)
        self.model = model
        self.batchSize = max(1, settings.batchSize)
        provenance = TrainingProvenance.from(metadata: metadata)
        allowOtherData = settings.allowOtherData
        identity = AdapterIdentity(kind: "native", modelID: url.lastPathComponent,
                                   digest: "sha256:" + sha256Hex(bytes),
                                   classes: Self.classNames(model.architecture, metadata: metadata))
    }

    /// The metadata key of a classifier's class names (a JSON array), written by miaudit's trainers.
    public static let classesKey = "miaudit.classes"

    /// The metadata that records a classification data set's class names in a model file; empty
    /// for image–text matching (whose files stay as they were).
    public static func classMetadata(for dataSet: PairDataSet) -> [String: String] {
        guard dataSet.isClassification,
              let json = try? JSONEncoder().encode(dataSet.classes) else { return [:] }
        return [classesKey: String(decoding: json, as: UTF8.self)]
    }

    /// The class names of a model: stored ones, else "no_match"/"match" for an image–text model,
    /// else "0", "1", ….
    public static func classNames(_ architecture: FusionArchitecture, metadata: [String: String] = [:]) -> [String] {
        if let json = metadata[classesKey], let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)),
           names.count == architecture.classes {
            return names
        }
        if architecture.hasText && architecture.classes == 2 { return matchingClasses }
        return (0..<architecture.classes).map(String.init)
    }

    /// An adapter over a model already in memory (shadow models, for instance).
    public init(model: FusionModel, modelID: String, digest: String, classes: [String]? = nil, batchSize: Int = 512) {
        self.model = model
        self.batchSize = batchSize
        provenance = nil
        allowOtherData = true
        identity = AdapterIdentity(kind: "native", modelID: modelID, digest: digest,
                                   classes: classes ?? Self.classNames(model.architecture))
    }

    public func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        if let problem = model.architecture.inputMismatch(imageFeatures: dataSet.images.columns,
                                                          textFeatures: dataSet.texts.columns, source: dataSet.manifestPath) {
            throw AdapterError(adapter: "native \(identity.modelID)", problem: problem, fix: "use a model trained on this data set")
        }
        if model.architecture.classes != dataSet.classes.count {
            throw AdapterError(adapter: "native \(identity.modelID)",
                               problem: "the model has \(model.architecture.classes) output classes but \(dataSet.manifestPath) (task \(dataSet.task)) has \(dataSet.classes.count)",
                               fix: "use a model trained on this data set")
        }
        if !allowOtherData, let provenance,
           let (problem, fix) = provenance.dataSetMismatch(name: dataSet.manifest.name, digest: dataSet.digest, place: dataSet.manifestPath) {
            throw AdapterError(adapter: "native \(identity.modelID)", problem: problem, fix: fix, exitStatus: .data)
        }
        try PairQuery.checkRange(queries, in: dataSet, adapter: "native \(identity.modelID)")
        let paraphrases = dataSet.paraphrases
        if paraphrases == nil, queries.contains(where: { $0.view == .paraphrase }) {
            throw AdapterError(adapter: "native \(identity.modelID)", problem: "\(dataSet.manifestPath) has no paraphrases",
                               fix: "score caption pairs only, or add a paraphrases array to the data set")
        }
        var result: [[Double]] = []
        result.reserveCapacity(queries.count)
        var start = 0
        while start < queries.count {
            let batch = queries[start..<min(start + batchSize, queries.count)]
            let images = dataSet.images.gatherRows(batch.map(\.image))
            var texts = Matrix(rows: batch.count, columns: dataSet.texts.columns, uninitialized: ())
            for (k, query) in batch.enumerated() {
                let source = query.view == .caption ? dataSet.texts : paraphrases!
                let width = source.columns
                for c in 0..<width { texts.storage[k * width + c] = source.storage[query.text * width + c] }
            }
            let logits = model.forward(images: images, texts: texts).logits
            let probabilities = Loss.probabilities(logits: logits)
            if let bad = probabilities.firstIndex(where: { $0.contains { !$0.isFinite } }) {
                let example = batch[batch.startIndex + bad].exampleID(in: dataSet)
                let row = (0..<logits.columns).map { logits[bad, $0] }
                throw AdapterError(adapter: "native \(identity.modelID)",
                                   problem: "the model's logits for example \(example) are \(row), so its probabilities are not numbers; its weights overflow 32-bit arithmetic",
                                   fix: "retrain or restore the model: a model file with weights this large is damaged", exitStatus: .data)
            }
            result += probabilities
            start += batchSize
        }
        return result
    }
}
