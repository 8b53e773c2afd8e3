import Foundation
import GradientChecking
import Testing
import NumericCore
@testable import NeuralNet

/// The C update kernel against AdamW's formula written out in Swift, element by element, in
/// PyTorch's operation order: every instruction path must give exactly these bits.
@Suite struct AdamWKernelTests {
    /// One layer's parameters, moments and the reference update, all in `Float`.
    struct Reference {
        var parameters: [Float]
        var first: [Float]
        var second: [Float]

        mutating func step(_ gradient: [Float], t: Int, learningRate: Float, beta1: Float, beta2: Float,
                           epsilon: Float, weightDecay: Float) {
            let decay = 1 - learningRate * weightDecay
            let stepSize = learningRate / (1 - Float(pow(Double(beta1), Double(t))))
            let root2 = (1 - Float(pow(Double(beta2), Double(t)))).squareRoot()
            for i in parameters.indices {
                let g = gradient[i]
                let m = beta1 * first[i] + (1 - beta1) * g
                let v = beta2 * second[i] + (1 - beta2) * g * g
                first[i] = m
                second[i] = v
                parameters[i] = parameters[i] * decay - stepSize * m / (v.squareRoot() / root2 + epsilon)
            }
        }
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    /// Sizes around the 4- and 8-lane blocks (tails of every length), and one above the
    /// 65,536-element threshold where the update is split across threads.
    @Test(arguments: [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 250, 70_001])
    func everyPathAndSplitGivesTheReferenceBits(width: Int) {
        let paths = AdamW.KernelPath.allCases.filter { $0 != .avx || AdamW.KernelPath.processorBest == .avx }
        let weight = randomMatrix(1, width, seed: UInt64(width))
        let bias = randomMatrix(1, 1, seed: 1).storage
        let gradients = (0..<4).map { randomMatrix(1, width, seed: UInt64(100 + $0), scale: $0 == 2 ? 1e-4 : 3) }
        var reference = Reference(parameters: weight.storage, first: Array(repeating: 0, count: width),
                                  second: Array(repeating: 0, count: width))
        for (t, gradient) in gradients.enumerated() {
            reference.step(gradient.storage, t: t + 1, learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                           weightDecay: 0.1)
        }
        for path in paths {
            for parallelism in [1, 3] {
                for clearing in [false, true] {
                    var layers = [Linear(weight: weight, bias: bias)]
                    var optimizer = AdamW(for: layers, learningRate: 3e-3, weightDecay: 0.1)
                    optimizer.kernelPath = path
                    optimizer.parallelism = parallelism
                    for gradient in gradients {
                        var given: [LinearGradient?] = [LinearGradient(weight: gradient, bias: [0.5])]
                        if clearing {
                            optimizer.step(&layers, clearing: &given)
                            #expect(given[0]!.weight.storage.allSatisfy { $0 == 0 } && given[0]!.bias == [0])
                        } else {
                            optimizer.step(&layers, gradients: given)
                        }
                    }
                    let differing = zip(Self.bits(layers[0].weight.storage), Self.bits(reference.parameters)).filter { $0 != $1 }
                    #expect(differing.isEmpty,
                            "path \(path), \(parallelism) thread(s), clearing \(clearing), width \(width): \(differing.count) elements differ")
                }
            }
        }
    }

    @Test func theBestPathIsTheWidestTheProcessorHas() {
        #if arch(x86_64)
        let avx = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("avx")
        if let avx { #expect(AdamW.KernelPath.processorBest == (avx ? .avx : .sse)) }
        #else
        #expect(AdamW.KernelPath.processorBest == .scalar)
        #endif
    }
}
