/// Finite-difference gradient checks shared by the test targets of the numeric modules.
import NumericCore

/// Central finite differences of a scalar function of a parameter vector, compared with an analytic
/// gradient: |numeric − analytic| ≤ absolute + relative·max(|numeric|, |analytic|) at every checked index.
public struct GradientCheck: Sendable {
    public var step: Float = 5e-3
    public var absolute: Double = 2e-3
    public var relative: Double = 1e-2

    public init(step: Float = 5e-3, absolute: Double = 2e-3, relative: Double = 1e-2) {
        self.step = step
        self.absolute = absolute
        self.relative = relative
    }

    /// Indices where the check fails, with both values.
    public func failures(parameters: [Float], analytic: [Float], indices: [Int]? = nil,
                  loss: ([Float]) -> Double) -> [(index: Int, numeric: Double, analytic: Double)] {
        var bad: [(Int, Double, Double)] = []
        for i in indices ?? Array(parameters.indices) {
            var plus = parameters, minus = parameters
            plus[i] += step
            minus[i] -= step
            let numeric = (loss(plus) - loss(minus)) / Double(plus[i] - minus[i])
            let exact = Double(analytic[i])
            if abs(numeric - exact) > absolute + relative * max(abs(numeric), abs(exact)) {
                bad.append((i, numeric, exact))
            }
        }
        return bad
    }
}

/// A fixed random linear functional Σ r·y, the scalar used to check pullbacks of vector outputs.
public struct Probe: Sendable {
    public let weights: [Float]
    public init(count: Int, seed: UInt64) {
        var generator = RandomSource(seed: seed)
        weights = (0..<count).map { _ in generator.nextFloat(in: -1, 1) }
    }
    public func value(_ y: Matrix) -> Double {
        zip(y.storage, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    public func gradient(rows: Int, columns: Int) -> Matrix { Matrix(rows: rows, columns: columns, storage: weights) }
}

public func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Float = 1) -> Matrix {
    var generator = RandomSource(seed: seed)
    return Matrix(rows: rows, columns: columns,
                  storage: (0..<(rows * columns)).map { _ in generator.nextFloat(in: -scale, scale) })
}
