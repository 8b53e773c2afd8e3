import NumericCore

extension FusionModel {
    /// The forward pass on a batch of (image, text) rows.
    ///
    /// Shapes: images [B, imageFeatures] (scaled pixel values; the model subtracts `imageMean`),
    /// texts [B, textFeatures]. Returns h_I, h_T, h_F, the logits and the activations for `backward`.
    public func forward(images: Matrix, texts: Matrix) -> FusionForward {
        var pass = FusionForward()
        forward(images: images, imageIndices: nil, texts: texts, into: &pass)
        return pass
    }

    /// The forward pass on B samples whose images may repeat, into `pass` (its storage is reused
    /// when the shapes repeat).
    ///
    /// Shapes: images [U, imageFeatures], the distinct images; texts [B, textFeatures]; sample b
    /// pairs image row `imageIndices[b]` with text row b (with `imageIndices` nil, U = B and sample b
    /// uses image row b). f_I runs once per distinct image — U rows instead of B — and h_I is then
    /// gathered per sample for f_F and the head; `backward` sums the samples' gradients at h_I per
    /// image before pulling them through f_I. The result equals the forward pass on the B gathered
    /// image rows up to float rounding inside f_I's products (sgemm's blocking depends on the row count).
    public func forward(images: Matrix, imageIndices: [Int]?, texts: Matrix, into pass: inout FusionForward) {
        let batch = texts.rows
        if let imageIndices {
            precondition(imageIndices.count == batch, "\(imageIndices.count) image indices for \(batch) texts")
            precondition(imageIndices.allSatisfy { $0 >= 0 && $0 < images.rows },
                         "an image index is out of range 0..<\(images.rows)")
        } else {
            precondition(images.rows == batch, "\(images.rows) images but \(batch) texts")
        }
        precondition(images.columns == architecture.imageFeatures,
                     "images have \(images.columns) features, the model expects \(architecture.imageFeatures)")
        precondition(texts.columns == architecture.textFeatures,
                     "texts have \(texts.columns) features, the model expects \(architecture.textFeatures)")
        pass.imageIndices = imageIndices
        pass.image.prepare(layers: layerRange(of: .imageEncoder).count)
        centre(images, into: &pass.image.activations[0])
        runMLP(layerRange(of: .imageEncoder), &pass.image)
        pass.text.prepare(layers: layerRange(of: .textEncoder).count)
        pass.text.activations[0].ensureShape(rows: batch, columns: texts.columns)
        pass.text.activations[0].placeColumns(of: texts, width: texts.columns, at: 0)
        runMLP(layerRange(of: .textEncoder), &pass.text)

        let hI = architecture.imageRepresentationSize
        let hT = architecture.textRepresentationSize
        let hF = architecture.fusionRepresentationSize
        pass.fusion.prepare(layers: layerRange(of: .fusion).count)
        pass.fusion.activations[0].ensureShape(rows: batch, columns: hI + hT)
        pass.fusion.activations[0].placeColumns(of: pass.image.output, width: hI, at: 0, sourceRows: imageIndices)
        pass.fusion.activations[0].placeColumns(of: pass.text.output, width: hT, at: hI)
        runMLP(layerRange(of: .fusion), &pass.fusion)
        pass.headInput.ensureShape(rows: batch, columns: hI + hT + hF)
        pass.headInput.placeColumns(of: pass.image.output, width: hI, at: 0, sourceRows: imageIndices)
        pass.headInput.placeColumns(of: pass.text.output, width: hT, at: hI)
        pass.headInput.placeColumns(of: pass.fusion.output, width: hF, at: hI + hT)
        layers[layerRange(of: .head).lowerBound].forward(pass.headInput, into: &pass.logits)
    }

    /// The backward pass: gradients of the parameters in `groups`, given ∂L/∂logits and optional
    /// extra gradients at h_I, h_T and h_F (losses placed on representations, as MultiDelete does).
    ///
    /// Work is skipped where it cannot reach a requested group: with `groups == [.fusion]` the
    /// encoders are not back-propagated through.
    public func backward(_ pass: FusionForward, logitGradient: Matrix?,
                         imageRepresentationGradient: Matrix? = nil,
                         textRepresentationGradient: Matrix? = nil,
                         fusionRepresentationGradient: Matrix? = nil,
                         groups: Set<ParameterGroup> = Set(ParameterGroup.allCases)) -> FusionGradients {
        var gradients = FusionGradients()
        var scratch = FusionBackwardScratch()
        backward(pass, logitGradient: logitGradient, imageRepresentationGradient: imageRepresentationGradient,
                 textRepresentationGradient: textRepresentationGradient,
                 fusionRepresentationGradient: fusionRepresentationGradient, groups: groups,
                 into: &gradients, scratch: &scratch)
        return gradients
    }

    /// The backward pass into `gradients`, whose storage (and `scratch`'s) is reused when shapes
    /// repeat: a layer's entry is set when a gradient reached a requested layer, nil otherwise.
    ///
    /// Representation gradients are per sample ([B, width]). When the forward pass shared images
    /// (`imageIndices`), the samples' ∂L/∂h_I are summed per distinct image, in sample order, before
    /// f_I is pulled back once over the distinct images — the chain rule for an input used several times.
    ///
    /// With `accumulate`, each layer's gradient is added to the storage it had (`AdamW.step(_:clearing:)`
    /// leaves it zero), which saves clearing the 3 MB weight gradient of f_I's first layer each step.
    public func backward(_ pass: FusionForward, logitGradient: Matrix?,
                         imageRepresentationGradient: Matrix? = nil,
                         textRepresentationGradient: Matrix? = nil,
                         fusionRepresentationGradient: Matrix? = nil,
                         groups: Set<ParameterGroup> = Set(ParameterGroup.allCases), accumulate: Bool = false,
                         into gradients: inout FusionGradients, scratch: inout FusionBackwardScratch) {
        // Park every layer's storage in the scratch; a layer reached below takes it back.
        if scratch.spareGradients.count != layers.count {
            scratch.spareGradients = Array(repeating: nil, count: layers.count)
            scratch.inputGradients = Array(repeating: .empty, count: layers.count)
        }
        if gradients.layers.count != layers.count { gradients.layers = Array(repeating: nil, count: layers.count) }
        for i in layers.indices where gradients.layers[i] != nil {
            scratch.spareGradients[i] = gradients.layers[i]
            gradients.layers[i] = nil
        }
        let batch = pass.logits.rows
        let hI = architecture.imageRepresentationSize
        let hT = architecture.textRepresentationSize
        let hF = architecture.fusionRepresentationSize
        // Whether ∂L/∂h_I, ∂L/∂h_T, ∂L/∂h_F hold a gradient yet (else they are stale scratch).
        var hasImage = false, hasText = false, hasFusion = false
        Self.accumulate(&scratch.image, &hasImage, imageRepresentationGradient, rows: batch, width: hI)
        Self.accumulate(&scratch.text, &hasText, textRepresentationGradient, rows: batch, width: hT)
        Self.accumulate(&scratch.fusion, &hasFusion, fusionRepresentationGradient, rows: batch, width: hF)
        let needImage = groups.contains(.imageEncoder)
        let needText = groups.contains(.textEncoder)
        let needFusion = groups.contains(.fusion) || needImage || needText

        if let dLogits = logitGradient {
            let headIndex = layerRange(of: .head).lowerBound
            if groups.contains(.head) {
                record(headIndex, into: &gradients, scratch: &scratch) {
                    layers[headIndex].parameterGradient(input: pass.headInput, outputGradient: dLogits, into: &$0,
                                                        accumulate: accumulate)
                }
            }
            if needFusion {
                layers[headIndex].inputGradient(outputGradient: dLogits, into: &scratch.inputGradients[headIndex])
                let dInput = scratch.inputGradients[headIndex]
                Self.accumulate(&scratch.image, &hasImage, columnsOf: dInput, from: 0, rows: batch, width: hI)
                Self.accumulate(&scratch.text, &hasText, columnsOf: dInput, from: hI, rows: batch, width: hT)
                Self.accumulate(&scratch.fusion, &hasFusion, columnsOf: dInput, from: hI + hT, rows: batch, width: hF)
            }
        }
        if needFusion, hasFusion {
            let range = layerRange(of: .fusion)
            var top = scratch.fusion
            scratch.fusion = .empty
            let wantInput = needImage || needText
            pullMLP(range, pass.fusion, &top, record: groups.contains(.fusion), needsInputGradient: wantInput,
                    accumulate: accumulate, into: &gradients, scratch: &scratch)
            scratch.fusion = top
            if wantInput {
                let dJoint = scratch.inputGradients[range.lowerBound]
                Self.accumulate(&scratch.image, &hasImage, columnsOf: dJoint, from: 0, rows: batch, width: hI)
                Self.accumulate(&scratch.text, &hasText, columnsOf: dJoint, from: hI, rows: batch, width: hT)
            }
        }
        if needImage, hasImage {
            var top: Matrix
            if let imageIndices = pass.imageIndices {
                top = scratch.distinctImage
                scratch.distinctImage = .empty
                top.ensureShape(rows: pass.image.output.rows, columns: hI)
                top.fill(with: 0)
                top.scatterAddRows(of: scratch.image, to: imageIndices)
            } else {
                top = scratch.image
                scratch.image = .empty
            }
            pullMLP(layerRange(of: .imageEncoder), pass.image, &top, record: true, needsInputGradient: false,
                    accumulate: accumulate, into: &gradients, scratch: &scratch)
            if pass.imageIndices != nil { scratch.distinctImage = top } else { scratch.image = top }
        }
        if needText, hasText {
            var top = scratch.text
            scratch.text = .empty
            pullMLP(layerRange(of: .textEncoder), pass.text, &top, record: true, needsInputGradient: false,
                    accumulate: accumulate, into: &gradients, scratch: &scratch)
            scratch.text = top
        }
    }

    /// Scaled image rows minus the stored mean, into `centred` (made the shape of `images`).
    func centre(_ images: Matrix, into centred: inout Matrix) {
        centred.ensureShape(rows: images.rows, columns: images.columns)
        let (width, rows) = (images.columns, images.rows)
        imageMean.withUnsafeBufferPointer { mean in
            images.storage.withUnsafeBufferPointer { source in
                centred.storage.withUnsafeMutableBufferPointer { x in
                    for r in 0..<rows {
                        let from = source.baseAddress! + r * width, row = x.baseAddress! + r * width
                        for c in 0..<width { row[c] = from[c] - mean[c] }
                    }
                }
            }
        }
    }

    /// Runs the layers `range` on `trace.activations[0]`, filling the trace.
    func runMLP(_ range: Range<Int>, _ trace: inout MLPTrace) {
        for (offset, index) in range.enumerated() {
            layers[index].forward(trace.activations[offset], into: &trace.preActivations[offset])
            architecture.activation.apply(trace.preActivations[offset], into: &trace.activations[offset + 1])
        }
    }

    /// Back-propagates ∂L/∂(MLP output), held in `outputGradient` (overwritten), through the MLP;
    /// records layer gradients when `record`. ∂L/∂(layer input) lands in `scratch.inputGradients`,
    /// by layer index (for the first layer only when `needsInputGradient`).
    func pullMLP(_ range: Range<Int>, _ trace: MLPTrace, _ outputGradient: inout Matrix, record: Bool,
                 needsInputGradient: Bool, accumulate: Bool = false, into gradients: inout FusionGradients,
                 scratch: inout FusionBackwardScratch) {
        for (offset, index) in range.enumerated().reversed() {
            // ∂L/∂(this layer's activated output): the MLP's output gradient, or what the layer above left.
            var dOutput: Matrix
            if offset == range.count - 1 {
                dOutput = outputGradient
                outputGradient = .empty
            } else {
                dOutput = scratch.inputGradients[index + 1]
                scratch.inputGradients[index + 1] = .empty
            }
            architecture.activation.pullback(preActivation: trace.preActivations[offset],
                                             output: trace.activations[offset + 1], gradient: &dOutput)
            if record {
                self.record(index, into: &gradients, scratch: &scratch) {
                    layers[index].parameterGradient(input: trace.activations[offset], outputGradient: dOutput, into: &$0,
                                                    accumulate: accumulate)
                }
            }
            if offset > 0 || needsInputGradient {
                layers[index].inputGradient(outputGradient: dOutput, into: &scratch.inputGradients[index])
            }
            if offset == range.count - 1 { outputGradient = dOutput } else { scratch.inputGradients[index + 1] = dOutput }
        }
    }

    /// Computes layer `index`'s gradient into its parked storage and records it in `gradients`.
    private func record(_ index: Int, into gradients: inout FusionGradients, scratch: inout FusionBackwardScratch,
                        _ compute: (inout LinearGradient) -> Void) {
        var gradient = scratch.spareGradients[index] ?? LinearGradient(weight: .empty, bias: [])
        scratch.spareGradients[index] = nil
        compute(&gradient)
        gradients.layers[index] = gradient
    }

    /// `target` (rows × width) ← `value`, or += `value` when it already holds a gradient.
    static func accumulate(_ target: inout Matrix, _ has: inout Bool, _ value: Matrix?, rows: Int, width: Int) {
        guard let value else { return }
        precondition(value.rows == rows && value.columns == width,
                     "a representation gradient is \(value.rows)x\(value.columns), expected \(rows)x\(width)")
        accumulate(&target, &has, columnsOf: value, from: 0, rows: rows, width: width)
    }

    /// `target` ← columns `from..<from+width` of `source`, or += them when it already holds a gradient.
    static func accumulate(_ target: inout Matrix, _ has: inout Bool, columnsOf source: Matrix, from: Int,
                           rows: Int, width: Int) {
        if !has { target.ensureShape(rows: rows, columns: width) }
        target.placeColumns(of: source, from: from, width: width, at: 0, accumulate: has)
        has = true
    }
}
