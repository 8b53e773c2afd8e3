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
            let rule = advance(index)
            gradient.weight.storage.withUnsafeBufferPointer { g in
                rule.apply(&layers[index].weight.storage, UnsafeMutablePointer(mutating: g.baseAddress), count: g.count,
                           &weightFirst[index], &weightSecond[index], clearing: false)
            }
            gradient.bias.withUnsafeBufferPointer { g in
                rule.apply(&layers[index].bias, UnsafeMutablePointer(mutating: g.baseAddress), count: g.count,
                           &biasFirst[index], &biasSecond[index], clearing: false)
            }
        }
    }

    /// The same update, and every gradient used is left zero: a training loop that accumulates each
    /// step's gradient into the same storage (`FusionModel.backward(…, accumulate: true, …)`) then
    /// needs no separate pass to clear it. The parameters get the bits `step(_:gradients:)` gives.
    public mutating func step(_ layers: inout [Linear], clearing gradients: inout [LinearGradient?]) {
        precondition(layers.count == gradients.count && layers.count == steps.count,
                     "AdamW was made for \(steps.count) layers, got \(layers.count) layers and \(gradients.count) gradients")
        for index in layers.indices where gradients[index] != nil {
            let rule = advance(index)
            gradients[index]!.weight.storage.withUnsafeMutableBufferPointer { g in
                rule.apply(&layers[index].weight.storage, g.baseAddress, count: g.count,
                           &weightFirst[index], &weightSecond[index], clearing: true)
            }
            gradients[index]!.bias.withUnsafeMutableBufferPointer { g in
                rule.apply(&layers[index].bias, g.baseAddress, count: g.count,
                           &biasFirst[index], &biasSecond[index], clearing: true)
            }
        }
    }

    /// Counts one more update of layer `index` and returns that step's rule.
    private mutating func advance(_ index: Int) -> UpdateRule {
        steps[index] += 1
        var rule = UpdateRule(optimizer: self, step: steps[index])
        rule.path = kernelPath.c
        return rule
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

    /// Updates `parameters`, `first` and `second` in place from the `count` gradient elements at
    /// `gradient` (set to 0 as they are read when `clearing`); with `parallelism` > 1 and at least
    /// 65,536 elements, disjoint chunks of whole 8-element blocks run on separate threads.
    func apply(_ parameters: inout [Float], _ gradient: UnsafeMutablePointer<Float>?, count: Int,
               _ first: inout [Float], _ second: inout [Float], clearing: Bool) {
        precondition(parameters.count == count && first.count == count && second.count == count,
                     "AdamW: gradient size \(count) ≠ parameter size \(parameters.count)")
        let n = count
        guard n > 0, let gradient else { return }
        let clear: Int32 = clearing ? 1 : 0
        parameters.withUnsafeMutableBufferPointer { p in
            first.withUnsafeMutableBufferPointer { m in
                second.withUnsafeMutableBufferPointer { v in
                    let base = Buffers(p: p.baseAddress!, g: gradient, m: m.baseAddress!, v: v.baseAddress!)
                    let chunks = n >= 65_536 ? parallelism : 1
                    if chunks == 1 {
                        withUnsafePointer(to: scalars) { miaudit_adamw_update(base.p, base.g, base.m, base.v, n, $0, clear, path) }
                        return
                    }
                    let chunk = ((n + chunks - 1) / chunks + 7) / 8 * 8
                    let rule = self
                    DispatchQueue.concurrentPerform(iterations: chunks) { c in
                        let start = min(c * chunk, n), end = min(start + chunk, n)
                        withUnsafePointer(to: rule.scalars) {
                            miaudit_adamw_update(base.p + start, base.g + start, base.m + start, base.v + start,
                                                 end - start, $0, clear, rule.path)
                        }
                    }
                }
            }
        }
    }

    /// The four arrays' base addresses, shared with the worker threads, each of which touches a
    /// disjoint range.
    private struct Buffers: @unchecked Sendable {
        let p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
        let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    }
}
