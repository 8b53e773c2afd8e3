import NumericCore

/// Central finite differences of a scalar function of a parameter vector, compared with an analytic
/// gradient: |numeric − analytic| ≤ absolute + relative·max(|numeric|, |analytic|) at every checked index.
struct GradientCheck {
    var step: Float = 5e-3
    var absolute: Double = 2e-3
    var relative: Double = 1e-2

    /// Indices where the check fails, with both values.
    func failures(parameters: [Float], analytic: [Float], indices: [Int]? = nil,
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
struct Probe {
    let weights: [Float]
    init(count: Int, seed: UInt64) {
        var generator = RandomSource(seed: seed)
        weights = (0..<count).map { _ in generator.nextFloat(in: -1, 1) }
    }
    func value(_ y: Matrix) -> Double {
        zip(y.storage, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    func gradient(rows: Int, columns: Int) -> Matrix { Matrix(rows: rows, columns: columns, storage: weights) }
}

func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Float = 1) -> Matrix {
    var generator = RandomSource(seed: seed)
    return Matrix(rows: rows, columns: columns,
                  storage: (0..<(rows * columns)).map { _ in generator.nextFloat(in: -scale, scale) })
}
