import Diagnostics
import Foundation
import NumericCore

/// Why a model file could not be used as a fusion model (its safetensors container was readable).
public struct ModelFileError: ReportableError, Equatable {
    public let path: String
    public let problem: String
    public let fix: String
    public var exitStatus: SysExit { .data }
    public var description: String { "\(path): \(problem); \(fix)." }

    public init(path: String, problem: String, fix: String) {
        self.path = path
        self.problem = problem
        self.fix = fix
    }
}

extension FusionModel {
    /// The metadata key holding the architecture as canonical JSON.
    public static let architectureKey = "miaudit.architecture"

    /// Every tensor of the model under its PyTorch `state_dict` name, F32, weights `[out, in]`.
    public func stateDict() -> [SafetensorsTensor] {
        var tensors = [SafetensorsTensor.float32(name: "image_mean", shape: [imageMean.count], values: imageMean)]
        for (index, layer) in layers.enumerated() {
            let name = layerName(index)
            tensors.append(.float32(name: "\(name).weight", shape: [layer.outputSize, layer.inputSize],
                                    values: layer.weight.storage))
            tensors.append(.float32(name: "\(name).bias", shape: [layer.outputSize], values: layer.bias))
        }
        return tensors
    }

    /// Writes the model as safetensors (atomically); `metadata` is stored beside the architecture
    /// and `"format": "pt"`. The bytes depend only on the weights and the metadata.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var all = metadata
        all["format"] = "pt"
        all[Self.architectureKey] = architecture.canonicalJSON()
        try Safetensors.write(stateDict(), metadata: all, to: url)
    }

    /// Reads a model written by `save` (or by PyTorch with the same names and the architecture metadata).
    ///
    /// Checks the architecture metadata, that every expected tensor is present with its shape, that no
    /// unexpected tensor is present, and that every value is finite.
    public static func load(from url: URL) throws -> (model: FusionModel, metadata: [String: String]) {
        let (tensors, metadata) = try Safetensors.read(contentsOf: url)
        let path = url.path
        guard let json = metadata[architectureKey] else {
            throw ModelFileError(path: path, problem: "the metadata has no \"\(architectureKey)\" entry",
                                 fix: "save the model with miaudit, or add the architecture JSON to the file's __metadata__")
        }
        let architecture: FusionArchitecture
        do {
            architecture = try JSONDecoder().decode(FusionArchitecture.self, from: Data(json.utf8))
        } catch {
            throw ModelFileError(path: path, problem: "the \"\(architectureKey)\" metadata is not a valid architecture (\(error))",
                                 fix: "write it as JSON with image_features, text_features, image_hidden, text_hidden, fusion_hidden, classes and activation")
        }
        if let problem = architecture.problem {
            throw ModelFileError(path: path, problem: "the architecture is unusable: \(problem)", fix: "re-export the model")
        }
        func values(_ name: String, shape: [Int]) throws -> [Float] {
            guard let tensor = tensors[name] else {
                throw ModelFileError(path: path, problem: "tensor \"\(name)\" is missing",
                                     fix: "export every parameter of the architecture under its state_dict name")
            }
            guard tensor.shape == shape else {
                throw ModelFileError(path: path, problem: "tensor \"\(name)\" has shape \(tensor.shape) but the architecture needs \(shape)",
                                     fix: "export weights in PyTorch's [out, in] layout with the sizes in the metadata")
            }
            let floats = try tensor.floats()
            if let bad = floats.firstIndex(where: { !$0.isFinite }) {
                throw ModelFileError(path: path, problem: "tensor \"\(name)\" holds \(floats[bad]) at element \(bad)",
                                     fix: "the model diverged or the file is damaged; retrain or restore it")
            }
            return floats
        }
        var expected: Set<String> = ["image_mean"]
        let mean = try values("image_mean", shape: [architecture.imageFeatures])
        let shapes = architecture.linearShapes
        var layers: [Linear] = []
        let namer = FusionModel(architecture: architecture, imageMean: mean, layers: shapes.map {
            Linear(weight: Matrix(rows: $0.output, columns: $0.input), bias: [Float](repeating: 0, count: $0.output))
        })
        for (index, shape) in shapes.enumerated() {
            let name = namer.layerName(index)
            expected.insert("\(name).weight")
            expected.insert("\(name).bias")
            let weight = try values("\(name).weight", shape: [shape.output, shape.input])
            let bias = try values("\(name).bias", shape: [shape.output])
            layers.append(Linear(weight: Matrix(rows: shape.output, columns: shape.input, storage: weight), bias: bias))
        }
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ModelFileError(path: path, problem: "tensor \"\(extra)\" is not part of the architecture in the metadata",
                                 fix: "check the architecture metadata matches the exported layers")
        }
        return (FusionModel(architecture: architecture, imageMean: mean, layers: layers), metadata)
    }
}
