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

    /// Six samples over three distinct images, used 3, 2 and 1 times, out of order.
    static let sharedIndices = [0, 0, 1, 2, 1, 0]

    /// The loss of `CombinedLoss` on six samples, with a probe per sample on every representation.
    struct SharedLoss {
        let labels = [1, 0, 1, 1, 0, 0]
        let imageProbe = Probe(count: 18, seed: 64), textProbe = Probe(count: 18, seed: 65)
        let fusionProbe = Probe(count: 18, seed: 66)
        func value(_ pass: FusionForward) -> Double {
            Loss.softmaxCrossEntropy(logits: pass.logits, labels: labels).loss
                + imageProbe.value(pass.imageRepresentation) + textProbe.value(pass.textRepresentation)
                + fusionProbe.value(pass.fusionRepresentation)
        }
        func gradients(_ model: FusionModel, _ pass: FusionForward) -> FusionGradients {
            model.backward(pass, logitGradient: Loss.softmaxCrossEntropy(logits: pass.logits, labels: labels).gradient,
                           imageRepresentationGradient: imageProbe.gradient(rows: 6, columns: 3),
                           textRepresentationGradient: textProbe.gradient(rows: 6, columns: 3),
                           fusionRepresentationGradient: fusionProbe.gradient(rows: 6, columns: 3))
        }
    }

    static func sharedPass(_ model: FusionModel, _ images: Matrix, _ texts: Matrix) -> FusionForward {
        var pass = FusionForward()
        model.forward(images: images, imageIndices: sharedIndices, texts: texts, into: &pass)
        return pass
    }

    /// Encoding each distinct image once and summing its samples' ∂L/∂h_I gives what encoding every
    /// sample's image separately gives: the same logits and representations, and the same gradient
    /// for every parameter, to float rounding.
    @Test(arguments: Activation.allCases)
    func sharedImagesGiveThePerSampleGradients(activation: Activation) {
        let model = Self.smallModel(activation)
        let images = randomMatrix(3, 6, seed: 101), texts = randomMatrix(6, 5, seed: 102)
        let loss = SharedLoss()
        let plain = model.forward(images: images.gatherRows(Self.sharedIndices), texts: texts)
        let shared = Self.sharedPass(model, images, texts)
        #expect(shared.image.output.rows == 3, "f_I ran on \(shared.image.output.rows) rows, not the 3 distinct images")
        func close(_ a: [Float], _ b: [Float]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }
        }
        #expect(close(shared.logits.storage, plain.logits.storage))
        #expect(close(shared.imageRepresentation.storage, plain.imageRepresentation.storage))
        #expect(close(shared.fusionRepresentation.storage, plain.fusionRepresentation.storage))
        let expected = loss.gradients(model, plain), actual = loss.gradients(model, shared)
        for index in model.layers.indices {
            let (e, a) = (expected.layers[index]!, actual.layers[index]!)
            #expect(close(a.weight.storage, e.weight.storage), "\(model.layerName(index)).weight")
            #expect(close(a.bias, e.bias), "\(model.layerName(index)).bias")
        }
    }

    /// The shared-image backward against central differences of the shared-image forward, for
    /// every parameter of f_I (the layers the summed gradient reaches) and of the head.
    @Test(arguments: Activation.allCases)
    func sharedImageBackwardMatchesFiniteDifferences(activation: Activation) {
        let model = Self.smallModel(activation, seed: 52)
        let images = randomMatrix(3, 6, seed: 103), texts = randomMatrix(6, 5, seed: 104)
        let loss = SharedLoss()
        let gradients = loss.gradients(model, Self.sharedPass(model, images, texts))
        let check = GradientCheck()
        for index in Array(model.layerRange(of: .imageEncoder)) + Array(model.layerRange(of: .head)) {
            let analytic = gradients.layers[index]!
            let weightFailures = check.failures(parameters: model.layers[index].weight.storage,
                                                analytic: analytic.weight.storage) { w in
                var copy = model
                copy.layers[index].weight.storage = w
                return loss.value(Self.sharedPass(copy, images, texts))
            }
            let biasFailures = check.failures(parameters: model.layers[index].bias, analytic: analytic.bias) { b in
                var copy = model
                copy.layers[index].bias = b
                return loss.value(Self.sharedPass(copy, images, texts))
            }
            #expect(weightFailures.isEmpty, "\(model.layerName(index)).weight: \(weightFailures)")
            #expect(biasFailures.isEmpty, "\(model.layerName(index)).bias: \(biasFailures)")
        }
    }

    /// A loop's buffers carry nothing from one step to the next: passes of other shapes in between
    /// (shared images, then not, fewer rows, a frozen head) leave the next result bit-identical to
    /// one computed in fresh buffers.
    @Test func reusedBuffersGiveTheBitsOfFreshOnes() {
        let model = Self.smallModel(.relu)
        let labels = SharedLoss().labels
        /// One forward and backward pass in the given buffers; the logits and every layer's gradient.
        func step(_ images: Matrix, _ indices: [Int]?, _ texts: Matrix, groups: Set<ParameterGroup>,
                  _ pass: inout FusionForward, _ gradients: inout FusionGradients,
                  _ scratch: inout FusionBackwardScratch) -> [[Float]] {
            model.forward(images: images, imageIndices: indices, texts: texts, into: &pass)
            let dLogits = Loss.softmaxCrossEntropy(logits: pass.logits, labels: Array(labels.prefix(texts.rows))).gradient
            model.backward(pass, logitGradient: dLogits, imageRepresentationGradient: randomMatrix(texts.rows, 3, seed: 107),
                           groups: groups, into: &gradients, scratch: &scratch)
            return [pass.logits.storage] + gradients.layers.map { ($0?.weight.storage ?? []) + ($0?.bias ?? []) }
        }
        let images = randomMatrix(3, 6, seed: 105), texts = randomMatrix(6, 5, seed: 106)
        let all = Set(ParameterGroup.allCases)
        var (freshPass, freshGradients, freshScratch) = (FusionForward(), FusionGradients(), FusionBackwardScratch())
        let fresh = step(images, Self.sharedIndices, texts, groups: all, &freshPass, &freshGradients, &freshScratch)
        var (pass, gradients, scratch) = (FusionForward(), FusionGradients(), FusionBackwardScratch())
        #expect(step(images, Self.sharedIndices, texts, groups: all, &pass, &gradients, &scratch) == fresh)
        _ = step(randomMatrix(4, 6, seed: 108), nil, randomMatrix(4, 5, seed: 109), groups: all, &pass, &gradients, &scratch)
        _ = step(randomMatrix(2, 6, seed: 110), [1, 0, 1], randomMatrix(3, 5, seed: 111), groups: [.imageEncoder, .fusion],
                 &pass, &gradients, &scratch)
        #expect(gradients.layers[model.layerRange(of: .head).lowerBound] == nil)
        #expect(gradients.layers[model.layerRange(of: .textEncoder).lowerBound] == nil)
        #expect(step(images, Self.sharedIndices, texts, groups: all, &pass, &gradients, &scratch) == fresh)
    }

    /// Accumulating into zeroed storage (as training does, with AdamW clearing it) gives the bits of
    /// overwriting, and accumulating twice gives twice the gradient (to rounding: the bias adds row by row).
    @Test func accumulatingBackwardAddsToTheStoredGradient() {
        let model = Self.smallModel(.relu)
        let images = randomMatrix(3, 6, seed: 112), texts = randomMatrix(6, 5, seed: 113)
        let pass = Self.sharedPass(model, images, texts)
        let dLogits = Loss.softmaxCrossEntropy(logits: pass.logits, labels: SharedLoss().labels).gradient
        let plain = model.backward(pass, logitGradient: dLogits)
        var gradients = FusionGradients(), scratch = FusionBackwardScratch()
        model.backward(pass, logitGradient: dLogits, accumulate: true, into: &gradients, scratch: &scratch)
        #expect(gradients.layers == plain.layers)
        model.backward(pass, logitGradient: dLogits, accumulate: true, into: &gradients, scratch: &scratch)
        func doubled(_ twice: [Float], _ once: [Float]) -> Bool {
            zip(twice, once).allSatisfy { abs($0 - 2 * $1) <= 1e-6 * max(1, abs(2 * $1)) }
        }
        for (twice, once) in zip(gradients.layers, plain.layers) {
            #expect(doubled(twice!.weight.storage, once!.weight.storage) && doubled(twice!.bias, once!.bias))
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
