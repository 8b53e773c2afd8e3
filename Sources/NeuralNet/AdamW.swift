import CKernels
import Foundation
import NumericCore

/// AdamW (Loshchilov & Hutter 2019) with bias correction and decoupled weight decay, matching
/// PyTorch's `torch.optim.AdamW` update:
///
///     θ ← θ·(1 − η·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
///     θ ← θ − (η / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
///
/// It holds per-parameter state for a list of `Linear` layers; layers whose gradient is `nil`
/// in a step are left untouched (their moments and step count do not advance).
public struct AdamW: Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Threads the element-wise update is split across (the result does not depend on it).
    public var parallelism: Int = 1
    /// The update kernel's instruction path (the result does not depend on it; tests compare them).
    var kernelPath: KernelPath = .best

    private var steps: [Int]
    private var weightFirst: [[Float]]
    private var weightSecond: [[Float]]
    private var biasFirst: [[Float]]
    private var biasSecond: [[Float]]

    /// An optimizer for layers shaped like `layers`.
    public init(for layers: [Linear], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        steps = Array(repeating: 0, count: layers.count)
        weightFirst = layers.map { [Float](repeating: 0, count: $0.weight.count) }
        weightSecond = weightFirst
        biasFirst = layers.map { [Float](repeating: 0, count: $0.bias.count) }
        biasSecond = biasFirst
    }

    /// The number of updates applied to layer `index`.
    public func stepCount(ofLayer index: Int) -> Int { steps[index] }

    /// Applies one update to every layer whose gradient is non-nil.
    public mutating func step(_ layers: inout [Linear], gradients: [LinearGradient?]) {
        precondition(layers.count == gradients.count && layers.count == steps.count,
                     "AdamW was made for \(steps.count) layers, got \(layers.count) layers and \(gradients.count) gradients")
        for index in layers.indices {
            guard let gradient = gradients[index] else { continue }
            steps[index] += 1
            let t = steps[index]
            var rule = UpdateRule(optimizer: self, step: t)
            rule.path = kernelPath.c
            rule.apply(&layers[index].weight.storage, gradient.weight.storage, &weightFirst[index], &weightSecond[index])
            rule.apply(&layers[index].bias, gradient.bias, &biasFirst[index], &biasSecond[index])
        }
    }

}

extension AdamW {
    /// The instruction paths of the C update kernel; every path gives the same bits.
    enum KernelPath: CaseIterable, Sendable {
        case best, scalar, sse, avx

        var c: miaudit_adamw_path {
            switch self {
            case .best: return MIAUDIT_ADAMW_BEST
            case .scalar: return MIAUDIT_ADAMW_SCALAR
            case .sse: return MIAUDIT_ADAMW_SSE
            case .avx: return MIAUDIT_ADAMW_AVX
            }
        }

        /// The path `.best` takes on this processor.
        static var processorBest: KernelPath {
            switch miaudit_adamw_best_path() {
            case MIAUDIT_ADAMW_AVX: return .avx
            case MIAUDIT_ADAMW_SSE: return .sse
            default: return .scalar
            }
        }
    }
}

/// The scalars of one AdamW update at step t, applied element-wise by the C kernel
/// (Sources/CKernels/adamw_kernel.c: one pass that reads each gradient, moment and parameter once).
struct UpdateRule {
    let scalars: miaudit_adamw_scalars
    let parallelism: Int
    /// The kernel's instruction path; the bits do not depend on it (tests compare every path).
    var path: miaudit_adamw_path = MIAUDIT_ADAMW_BEST

    init(optimizer: AdamW, step: Int) {
        let (beta1, beta2) = (optimizer.beta1, optimizer.beta2)
        scalars = miaudit_adamw_scalars(
            beta1: beta1, one_minus_beta1: 1 - beta1, beta2: beta2, one_minus_beta2: 1 - beta2,
            epsilon: optimizer.epsilon, decay: 1 - optimizer.learningRate * optimizer.weightDecay,
            step_size: optimizer.learningRate / (1 - Float(pow(Double(beta1), Double(step)))),
            root_correction2: (1 - Float(pow(Double(beta2), Double(step)))).squareRoot())
        parallelism = max(1, optimizer.parallelism)
    }

    /// Updates `parameters`, `first` and `second` in place from `gradient`; with `parallelism` > 1 and
    /// at least 65,536 elements, disjoint chunks of whole 8-element blocks run on separate threads.
    func apply(_ parameters: inout [Float], _ gradient: [Float], _ first: inout [Float], _ second: inout [Float]) {
        precondition(parameters.count == gradient.count && first.count == gradient.count && second.count == gradient.count,
                     "AdamW: gradient size \(gradient.count) ≠ parameter size \(parameters.count)")
        let n = parameters.count
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        guard n > 0 else { return }
                        let base = Buffers(p: p.baseAddress!, g: g.baseAddress!, m: m.baseAddress!, v: v.baseAddress!)
                        let chunks = n >= 65_536 ? parallelism : 1
                        if chunks == 1 {
                            withUnsafePointer(to: scalars) { miaudit_adamw_update(base.p, base.g, base.m, base.v, n, $0, path) }
                            return
                        }
                        let chunk = ((n + chunks - 1) / chunks + 7) / 8 * 8
                        let rule = self
                        DispatchQueue.concurrentPerform(iterations: chunks) { c in
                            let start = min(c * chunk, n), end = min(start + chunk, n)
                            withUnsafePointer(to: rule.scalars) {
                                miaudit_adamw_update(base.p + start, base.g + start, base.m + start, base.v + start,
                                                     end - start, $0, rule.path)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The four arrays' base addresses, shared with the worker threads, each of which touches a
    /// disjoint range.
    private struct Buffers: @unchecked Sendable {
        let p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>
        let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    }
}
