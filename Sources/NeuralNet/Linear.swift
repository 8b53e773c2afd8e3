import NumericCore

/// A fully connected layer `y = x·Wᵀ + b` (PyTorch `nn.Linear`).
///
/// Shapes: x is [batch, inputSize], W is [outputSize, inputSize] (PyTorch's `[out, in]` layout),
/// b is [outputSize], y is [batch, outputSize]. Forward and pullback each cost O(batch·in·out).
public struct Linear: Sendable, Equatable {
    /// The weight, [outputSize, inputSize] row-major.
    public var weight: Matrix
    /// The bias, [outputSize].
    public var bias: [Float]

    /// Width of the input rows.
    public var inputSize: Int { weight.columns }
    /// Width of the output rows.
    public var outputSize: Int { weight.rows }

    /// A layer over given parameters.
    public init(weight: Matrix, bias: [Float]) {
        precondition(bias.count == weight.rows, "bias has \(bias.count) entries, weight has \(weight.rows) rows")
        self.weight = weight
        self.bias = bias
    }

    /// PyTorch's default initialisation: weight and bias uniform in ±1/√inputSize
    /// (`kaiming_uniform_(a=√5)` reduces to that bound), drawn weight first in row-major order, then bias.
    public init(inputSize: Int, outputSize: Int, generator: inout RandomSource) {
        let bound = 1 / Float(inputSize).squareRoot()
        var weight = Matrix(rows: outputSize, columns: inputSize)
        for i in 0..<weight.count { weight.storage[i] = generator.nextFloat(in: -bound, bound) }
        let bias = (0..<outputSize).map { _ in generator.nextFloat(in: -bound, bound) }
        self.init(weight: weight, bias: bias)
    }

    /// The forward rule `y = x·Wᵀ + b`.
    public func callAsFunction(_ input: Matrix) -> Matrix {
        var output = Matrix.empty
        forward(input, into: &output)
        return output
    }

    /// The forward rule into `output`, made [batch, outputSize] (its storage is reused when it already
    /// has that shape): each row is set to b, then sgemm adds x·Wᵀ.
    public func forward(_ input: Matrix, into output: inout Matrix) {
        precondition(input.columns == inputSize, "Linear expects \(inputSize) input columns, got \(input.columns)")
        output.ensureShape(rows: input.rows, columns: outputSize)
        let (width, rows) = (outputSize, input.rows)
        bias.withUnsafeBufferPointer { b in
            output.storage.withUnsafeMutableBufferPointer { y in
                for r in 0..<rows {
                    (y.baseAddress! + r * width).update(from: b.baseAddress!, count: width)
                }
            }
        }
        BLAS.gemm(input, weight, transposeB: true, beta: 1, into: &output)
    }

    /// The pullback: given the input x and ∂L/∂y, returns ∂L/∂W = (∂L/∂y)ᵀ·x, ∂L/∂b = Σ_rows ∂L/∂y,
    /// and, when `needsInputGradient`, ∂L/∂x = (∂L/∂y)·W.
    public func pullback(input: Matrix, outputGradient: Matrix,
                         needsInputGradient: Bool = true) -> (gradient: LinearGradient, inputGradient: Matrix?) {
        var gradient = LinearGradient(weight: .empty, bias: [])
        parameterGradient(input: input, outputGradient: outputGradient, into: &gradient)
        var inputGradient: Matrix? = nil
        if needsInputGradient {
            var dx = Matrix.empty
            self.inputGradient(outputGradient: outputGradient, into: &dx)
            inputGradient = dx
        }
        return (gradient, inputGradient)
    }

    /// ∂L/∂W = (∂L/∂y)ᵀ·x (one sgemm) and ∂L/∂b = Σ_rows ∂L/∂y, into `gradient`, whose storage is
    /// reused when its shapes match. With `accumulate` they are added to what `gradient` holds (zero
    /// when it is newly made): sgemm with β = 1 skips OpenBLAS's pass that clears its output, and
    /// adding to a zeroed gradient gives the bits of overwriting. O(batch·in·out).
    public func parameterGradient(input: Matrix, outputGradient: Matrix, into gradient: inout LinearGradient,
                                  accumulate: Bool = false) {
        precondition(outputGradient.rows == input.rows && outputGradient.columns == outputSize && input.columns == inputSize,
                     "Linear pullback: gradient is \(outputGradient.rows)x\(outputGradient.columns) and input \(input.rows)x\(input.columns), expected \(input.rows)x\(outputSize) and \(input.rows)x\(inputSize)")
        let fresh = gradient.weight.ensureShape(rows: outputSize, columns: inputSize)
        if fresh && accumulate { gradient.weight.fill(with: 0) }
        if input.rows == 0 {
            if !accumulate { gradient.weight.fill(with: 0) }
        } else {
            BLAS.gemm(outputGradient, transposeA: true, input, beta: accumulate ? 1 : 0, into: &gradient.weight)
        }
        outputGradient.columnSums(into: &gradient.bias, accumulate: accumulate && gradient.bias.count == outputSize)
    }

    /// ∂L/∂x = (∂L/∂y)·W into `inputGradient`, made [batch, inputSize]. O(batch·in·out).
    public func inputGradient(outputGradient: Matrix, into inputGradient: inout Matrix) {
        precondition(outputGradient.columns == outputSize,
                     "Linear pullback: gradient has \(outputGradient.columns) columns, expected \(outputSize)")
        inputGradient.ensureShape(rows: outputGradient.rows, columns: inputSize)
        BLAS.gemm(outputGradient, weight, into: &inputGradient)
    }
}

/// The gradient of a loss with respect to one `Linear` layer's parameters.
public struct LinearGradient: Sendable, Equatable {
    /// ∂L/∂W, [outputSize, inputSize].
    public var weight: Matrix
    /// ∂L/∂b, [outputSize].
    public var bias: [Float]

    public init(weight: Matrix, bias: [Float]) {
        self.weight = weight
        self.bias = bias
    }

    /// Adds another gradient of the same shape.
    public mutating func add(_ other: LinearGradient) {
        weight.add(other.weight)
        for i in bias.indices { bias[i] += other.bias[i] }
    }
}
