import Foundation
import NumericCore

/// An element-wise activation function with its derivative.
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// `max(0, z)`; its derivative is taken as 0 at 0 (as PyTorch does).
    case relu
    /// The exact GELU `z·Φ(z)`, Φ the standard normal CDF (PyTorch `nn.GELU()` default).
    case gelu

    /// The forward rule, element-wise.
    public func callAsFunction(_ preActivation: Matrix) -> Matrix {
        var output = Matrix.empty
        apply(preActivation, into: &output)
        return output
    }

    /// The forward rule into `output`, made the shape of `preActivation` (storage reused when it matches).
    public func apply(_ preActivation: Matrix, into output: inout Matrix) {
        output.ensureShape(rows: preActivation.rows, columns: preActivation.columns)
        let n = output.count
        preActivation.storage.withUnsafeBufferPointer { z in
            output.storage.withUnsafeMutableBufferPointer { y in
                switch self {
                case .relu:
                    for i in 0..<n { y[i] = z[i] > 0 ? z[i] : 0 }
                case .gelu:
                    for i in 0..<n {
                        let v = z[i]
                        y[i] = 0.5 * v * (1 + erff(v * Float(0.5.squareRoot())))
                    }
                }
            }
        }
    }

    /// The pullback: ∂L/∂z = ∂L/∂y ⊙ σ′(z). ReLU reads the mask from the output; GELU uses
    /// σ′(z) = Φ(z) + z·φ(z).
    public func pullback(preActivation: Matrix, output: Matrix, outputGradient: Matrix) -> Matrix {
        var gradient = outputGradient
        pullback(preActivation: preActivation, output: output, gradient: &gradient)
        return gradient
    }

    /// The pullback in place: `gradient` holds ∂L/∂y on entry and ∂L/∂z on return.
    public func pullback(preActivation: Matrix, output: Matrix, gradient: inout Matrix) {
        precondition(gradient.count == output.count, "activation pullback shape mismatch")
        let n = gradient.count
        gradient.storage.withUnsafeMutableBufferPointer { g in
            switch self {
            case .relu:
                output.storage.withUnsafeBufferPointer { y in
                    for i in 0..<n where !(y[i] > 0) { g[i] = 0 }
                }
            case .gelu:
                preActivation.storage.withUnsafeBufferPointer { zs in
                    let inverseRootTwoPi = Float(1 / (2 * Double.pi).squareRoot())
                    for i in 0..<n {
                        let z = zs[i]
                        let cdf = 0.5 * (1 + erff(z * Float(0.5.squareRoot())))
                        let pdf = inverseRootTwoPi * expf(-0.5 * z * z)
                        g[i] *= cdf + z * pdf
                    }
                }
            }
        }
    }
}
