import GradientChecking
import Testing
import NumericCore
@testable import NeuralNet

@Suite struct FusionModelTests {
    static func smallModel(_ activation: Activation, seed: UInt64 = 51) -> FusionModel {
        let architecture = FusionArchitecture(imageFeatures: 6, textFeatures: 5, imageHidden: [4, 3],
                                              textHidden: [4, 3], fusionHidden: [3], classes: 2, activation: activation)
        var generator = RandomSource(seed: seed)
        let mean = (0..<6).map { _ in generator.nextFloat(in: 0, 0.5) }
        return FusionModel(architecture: architecture, imageMean: mean, generator: &generator)
    }

    /// A loss on the logits and on all three representations at once, so every backward input is checked.
    struct CombinedLoss {
        let labels = [1, 0, 1]
        let imageProbe = Probe(count: 9, seed: 61), textProbe = Probe(count: 9, seed: 62)
        let fusionProbe = Probe(count: 9, seed: 63)
        func value(_ pass: FusionForward) -> Double {
            Loss.softmaxCrossEntropy(logits: pass.logits, labels: labels).loss
                + imageProbe.value(pass.imageRepresentation) + textProbe.value(pass.textRepresentation)
                + fusionProbe.value(pass.fusionRepresentation)
        }
    }

    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferencesForEveryParameter(activation: Activation) {
        let model = Self.smallModel(activation)
        let images = randomMatrix(3, 6, seed: 71), texts = randomMatrix(3, 5, seed: 72)
        let loss = CombinedLoss()
        let pass = model.forward(images: images, texts: texts)
        let dLogits = Loss.softmaxCrossEntropy(logits: pass.logits, labels: loss.labels).gradient
        let gradients = model.backward(pass, logitGradient: dLogits,
                                       imageRepresentationGradient: loss.imageProbe.gradient(rows: 3, columns: 3),
                                       textRepresentationGradient: loss.textProbe.gradient(rows: 3, columns: 3),
                                       fusionRepresentationGradient: loss.fusionProbe.gradient(rows: 3, columns: 3))
        let check = GradientCheck()
        for index in model.layers.indices {
            let analytic = gradients.layers[index]!
            let weightFailures = check.failures(parameters: model.layers[index].weight.storage,
                                                analytic: analytic.weight.storage) { w in
                var copy = model
                copy.layers[index].weight.storage = w
                return loss.value(copy.forward(images: images, texts: texts))
            }
            let biasFailures = check.failures(parameters: model.layers[index].bias, analytic: analytic.bias) { b in
                var copy = model
                copy.layers[index].bias = b
                return loss.value(copy.forward(images: images, texts: texts))
            }
            #expect(weightFailures.isEmpty, "\(model.layerName(index)).weight: \(weightFailures)")
            #expect(biasFailures.isEmpty, "\(model.layerName(index)).bias: \(biasFailures)")
        }
    }

    @Test func fusionOnlyBackwardGivesTheSameFusionGradientAndNothingElse() {
        let model = Self.smallModel(.relu)
        let pass = model.forward(images: randomMatrix(3, 6, seed: 81), texts: randomMatrix(3, 5, seed: 82))
        let dLogits = Loss.softmaxCrossEntropy(logits: pass.logits, labels: [1, 1, 0]).gradient
        let dFusion = randomMatrix(3, 3, seed: 83)
        let full = model.backward(pass, logitGradient: dLogits, fusionRepresentationGradient: dFusion)
        let fusionOnly = model.backward(pass, logitGradient: dLogits, fusionRepresentationGradient: dFusion,
                                        groups: [.fusion])
        for index in model.layers.indices {
            if model.layerRange(of: .fusion).contains(index) {
                #expect(fusionOnly.layers[index] == full.layers[index])
            } else {
                #expect(fusionOnly.layers[index] == nil)
            }
        }
    }

    @Test func namesFollowPyTorchStateDictConvention() {
        let model = Self.smallModel(.relu)
        #expect((0..<model.layers.count).map(model.layerName) ==
                ["image_encoder.0", "image_encoder.2", "text_encoder.0", "text_encoder.2", "fusion.0", "head"])
        #expect(model.layers.last!.weight.rows == 2 && model.layers.last!.weight.columns == 9)
        #expect(model.architecture.headInputSize == 9)
    }

    @Test func inputMismatchNamesBothWidthsAndTheSource() {
        let architecture = Self.smallModel(.relu).architecture
        #expect(architecture.inputMismatch(imageFeatures: 6, textFeatures: 5, source: "d") == nil)
        #expect(architecture.inputMismatch(imageFeatures: 6, textFeatures: 384, source: "d/manifest.json")
                == "the model takes 6 image and 5 text features but d/manifest.json has 6 and 384")
    }

    @Test func imageMeanIsSubtractedBeforeTheImageEncoder() {
        var model = Self.smallModel(.relu)
        let images = randomMatrix(2, 6, seed: 91), texts = randomMatrix(2, 5, seed: 92)
        let before = model.forward(images: images, texts: texts).logits
        var shifted = images
        for r in 0..<2 { for c in 0..<6 { shifted[r, c] += 0.25 } }
        model.imageMean = model.imageMean.map { $0 + 0.25 }
        let after = model.forward(images: shifted, texts: texts).logits
        for (a, b) in zip(before.storage, after.storage) { #expect(abs(a - b) < 1e-5) }
    }
}
