import Foundation
import GradientChecking
import NumericCore
import Testing
@testable import NeuralNet

/// The native MLP classifier: a fusion model without a text side (f_I, f_F on h_I, head on
/// [h_I; h_F]) over C classes.
@Suite struct ClassifierModelTests {
    static func classifier(_ activation: Activation, seed: UInt64 = 81) -> FusionModel {
        let architecture = FusionArchitecture(imageFeatures: 7, textFeatures: 0, imageHidden: [5, 4], textHidden: [],
                                              fusionHidden: [3], classes: 4, activation: activation)
        var generator = RandomSource(seed: seed)
        let mean = (0..<7).map { _ in generator.nextFloat(in: 0, 0.5) }
        return FusionModel(architecture: architecture, imageMean: mean, generator: &generator)
    }

    @Test func aClassifierHasNoTextLayersAndItsHeadSeesImageAndFusionRepresentations() {
        let model = Self.classifier(.relu)
        #expect(model.architecture.problem == nil)
        #expect(!model.architecture.hasText)
        #expect(model.layerRange(of: .textEncoder).isEmpty)
        #expect(model.layers.indices.map(model.layerName) == ["image_encoder.0", "image_encoder.2", "fusion.0", "head"])
        #expect(model.architecture.linearShapes.map(\.input) == [7, 5, 4, 4 + 3])
        #expect(model.layers.last!.outputSize == 4)
        let pass = model.forward(images: randomMatrix(3, 7, seed: 91), texts: Matrix(rows: 3, columns: 0))
        #expect(pass.logits.rows == 3 && pass.logits.columns == 4)
        #expect(pass.textRepresentation.columns == 0)
    }

    @Test func aTextEncoderWithoutTextFeaturesIsRefused() {
        let architecture = FusionArchitecture(imageFeatures: 7, textFeatures: 0, imageHidden: [5], textHidden: [4],
                                              fusionHidden: [3], classes: 4)
        #expect(architecture.problem?.contains("no text encoder") == true)
    }

    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferencesForEveryParameter(activation: Activation) {
        let model = Self.classifier(activation)
        let images = randomMatrix(5, 7, seed: 93), texts = Matrix(rows: 5, columns: 0)
        let labels = [3, 0, 2, 1, 3]
        let fusionProbe = Probe(count: 15, seed: 94)
        func loss(_ pass: FusionForward) -> Double {
            Loss.softmaxCrossEntropy(logits: pass.logits, labels: labels).loss + fusionProbe.value(pass.fusionRepresentation)
        }
        let pass = model.forward(images: images, texts: texts)
        let gradients = model.backward(pass, logitGradient: Loss.softmaxCrossEntropy(logits: pass.logits, labels: labels).gradient,
                                       fusionRepresentationGradient: fusionProbe.gradient(rows: 5, columns: 3))
        let check = GradientCheck()
        for index in model.layers.indices {
            let analytic = gradients.layers[index]!
            let weightFailures = check.failures(parameters: model.layers[index].weight.storage, analytic: analytic.weight.storage) { w in
                var copy = model
                copy.layers[index].weight.storage = w
                return loss(copy.forward(images: images, texts: texts))
            }
            let biasFailures = check.failures(parameters: model.layers[index].bias, analytic: analytic.bias) { b in
                var copy = model
                copy.layers[index].bias = b
                return loss(copy.forward(images: images, texts: texts))
            }
            #expect(weightFailures.isEmpty, "\(model.layerName(index)).weight: \(weightFailures)")
            #expect(biasFailures.isEmpty, "\(model.layerName(index)).bias: \(biasFailures)")
        }
    }

    @Test func aClassifierSavesAndLoadsWithItsArchitecture() throws {
        let model = Self.classifier(.gelu)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url, metadata: ["miaudit.classes": #"["a","b","c","d"]"#])
        let (loaded, metadata) = try FusionModel.load(from: url)
        #expect(loaded == model)
        #expect(metadata["miaudit.classes"] == #"["a","b","c","d"]"#)
    }
}
