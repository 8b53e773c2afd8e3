import GradientChecking
import Foundation
import Testing
import NumericCore
@testable import NeuralNet

@Suite struct LinearTests {
    let check = GradientCheck()

    @Test func forwardIsXWTransposePlusBias() {
        let layer = Linear(weight: Matrix(rows: 2, columns: 3, storage: [1, 2, 3, 4, 5, 6]), bias: [0.5, -1])
        let y = layer(Matrix(rows: 1, columns: 3, storage: [1, 0, -1]))
        let expected: [Float] = [-1.5, -3]  // (1 − 3 + 0.5, 4 − 6 − 1)
        #expect(y.storage == expected)
    }

    @Test func pullbackMatchesFiniteDifferences() {
        var generator = RandomSource(seed: 11)
        let layer = Linear(inputSize: 5, outputSize: 4, generator: &generator)
        let x = randomMatrix(3, 5, seed: 12)
        let probe = Probe(count: 12, seed: 13)
        let (gradient, dx) = layer.pullback(input: x, outputGradient: probe.gradient(rows: 3, columns: 4))
        let weightFailures = check.failures(parameters: layer.weight.storage, analytic: gradient.weight.storage) { w in
            probe.value(Linear(weight: Matrix(rows: 4, columns: 5, storage: w), bias: layer.bias)(x))
        }
        let biasFailures = check.failures(parameters: layer.bias, analytic: gradient.bias) { b in
            probe.value(Linear(weight: layer.weight, bias: b)(x))
        }
        let inputFailures = check.failures(parameters: x.storage, analytic: dx!.storage) { xs in
            probe.value(layer(Matrix(rows: 3, columns: 5, storage: xs)))
        }
        #expect(weightFailures.isEmpty, "\(weightFailures)")
        #expect(biasFailures.isEmpty, "\(biasFailures)")
        #expect(inputFailures.isEmpty, "\(inputFailures)")
    }

    @Test func defaultInitialisationIsBoundedByInverseRootFanIn() {
        var generator = RandomSource(seed: 1)
        let layer = Linear(inputSize: 100, outputSize: 50, generator: &generator)
        let values = layer.weight.storage + layer.bias
        #expect(values.allSatisfy { abs($0) <= 0.1 })
        #expect(values.contains { abs($0) > 0.09 })  // uses the whole range
    }
}

@Suite struct ActivationTests {
    let check = GradientCheck()

    @Test(arguments: Activation.allCases)
    func pullbackMatchesFiniteDifferences(activation: Activation) {
        // Inputs kept at least 0.05 from ReLU's kink so finite differences are valid there.
        var z = randomMatrix(4, 6, seed: 21, scale: 3)
        for i in 0..<z.count where abs(z.storage[i]) < 0.05 { z.storage[i] = 0.5 }
        let probe = Probe(count: 24, seed: 22)
        let y = activation(z)
        let dz = activation.pullback(preActivation: z, output: y, outputGradient: probe.gradient(rows: 4, columns: 6))
        let failures = check.failures(parameters: z.storage, analytic: dz.storage) { zs in
            probe.value(activation(Matrix(rows: 4, columns: 6, storage: zs)))
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func knownValues() {
        let z = Matrix(rows: 1, columns: 3, storage: [-1, 0, 2])
        #expect(Activation.relu(z).storage == [0, 0, 2])
        // GELU(x) = x·Φ(x): Φ(2) = 0.9772498680518208, Φ(−1) = 0.15865525393145707 (scipy.stats.norm.cdf).
        let g = Activation.gelu(z).storage
        #expect(abs(Double(g[0]) + 0.15865525393145707) < 1e-6)
        #expect(g[1] == 0)
        #expect(abs(Double(g[2]) - 2 * 0.9772498680518208) < 1e-6)
    }
}

@Suite struct LossTests {
    let check = GradientCheck()

    @Test func crossEntropyKnownValue() {
        // logits (0, ln 3): softmax = (1/4, 3/4); label 1 → −ln(3/4), label 0 → −ln(1/4); mean of both.
        let logits = Matrix(rows: 2, columns: 2, storage: [0, Float(log(3.0)), 0, Float(log(3.0))])
        let (loss, gradient) = Loss.softmaxCrossEntropy(logits: logits, labels: [1, 0])
        #expect(abs(loss - (-log(0.75) - log(0.25)) / 2) < 1e-6)
        let expected: [Float] = [0.25 / 2, (0.75 - 1) / 2, (0.25 - 1) / 2, 0.75 / 2]
        for (a, b) in zip(gradient.storage, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func crossEntropyGradientMatchesFiniteDifferences() {
        let logits = randomMatrix(5, 3, seed: 31, scale: 4)
        let labels = [0, 2, 1, 1, 0]
        let (_, gradient) = Loss.softmaxCrossEntropy(logits: logits, labels: labels)
        let failures = check.failures(parameters: logits.storage, analytic: gradient.storage) { z in
            Loss.softmaxCrossEntropy(logits: Matrix(rows: 5, columns: 3, storage: z), labels: labels).loss
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func crossEntropyIsStableForHugeLogits() {
        let (loss, gradient) = Loss.softmaxCrossEntropy(logits: Matrix(rows: 1, columns: 2, storage: [1000, -1000]),
                                                        labels: [0])
        #expect(loss == 0)
        #expect(gradient.isFinite)
    }

    @Test func meanSquaredErrorValueAndGradient() {
        let p = Matrix(rows: 1, columns: 2, storage: [1, 3]), t = Matrix(rows: 1, columns: 2, storage: [0, 1])
        let (loss, gradient) = Loss.meanSquaredError(prediction: p, target: t)
        #expect(loss == 2.5)
        #expect(gradient.storage == [1, 2])
        let prediction = randomMatrix(3, 4, seed: 41), target = randomMatrix(3, 4, seed: 42)
        let analytic = Loss.meanSquaredError(prediction: prediction, target: target).gradient
        let failures = check.failures(parameters: prediction.storage, analytic: analytic.storage) { x in
            Loss.meanSquaredError(prediction: Matrix(rows: 3, columns: 4, storage: x), target: target).loss
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func probabilitiesSumToOneInDouble() {
        let p = Loss.probabilities(logits: Matrix(rows: 2, columns: 2, storage: [0, Float(log(3.0)), 50, -50]))
        #expect(abs(p[0][1] - 0.75) < 1e-7)
        #expect(abs(p[1][0] + p[1][1] - 1) < 1e-15)
    }
}

@Suite struct AdamWTests {
    /// With a constant gradient g, Adam's bias-corrected moments are exactly m̂ = g and v̂ = g², so each
    /// step moves θ by −η·g/(|g| + ε) after the decoupled decay θ ← θ(1 − ηλ).
    @Test func constantGradientStepsAreKnown() {
        var layers = [Linear(weight: Matrix(rows: 1, columns: 2, storage: [1, -2]), bias: [0.5])]
        let gradient = LinearGradient(weight: Matrix(rows: 1, columns: 2, storage: [0.5, -4]), bias: [1e-3])
        var optimizer = AdamW(for: layers, learningRate: 0.1, epsilon: 1e-8, weightDecay: 0.01)
        var expected: [Double] = [1, -2, 0.5]
        let g: [Double] = [0.5, -4, 1e-3]
        for _ in 0..<5 {
            optimizer.step(&layers, gradients: [gradient])
            for i in 0..<3 { expected[i] = expected[i] * (1 - 0.1 * 0.01) - 0.1 * g[i] / (abs(g[i]) + 1e-8) }
        }
        let actual = layers[0].weight.storage + layers[0].bias
        for (a, e) in zip(actual, expected) { #expect(abs(Double(a) - e) < 1e-5, "\(a) vs \(e)") }
        #expect(optimizer.stepCount(ofLayer: 0) == 5)
    }

    @Test func layersWithoutGradientAreUntouched() {
        var layers = [Linear(weight: Matrix(rows: 1, columns: 1, storage: [1]), bias: [1]),
                      Linear(weight: Matrix(rows: 1, columns: 1, storage: [2]), bias: [2])]
        var optimizer = AdamW(for: layers, learningRate: 0.1)
        optimizer.step(&layers, gradients: [nil, LinearGradient(weight: Matrix(rows: 1, columns: 1, storage: [1]), bias: [1])])
        #expect(layers[0].weight.storage == [1] && layers[0].bias == [1])
        #expect(layers[1].weight.storage != [2])
        #expect(optimizer.stepCount(ofLayer: 0) == 0)
    }
}
