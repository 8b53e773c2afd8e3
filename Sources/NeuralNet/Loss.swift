import Foundation
import NumericCore

/// Loss functions, each returning the loss and its gradient with respect to the prediction.
public enum Loss {
    /// Mean softmax cross-entropy over the batch: L = −(1/B) Σ_b log softmax(z_b)[y_b]
    /// (PyTorch `F.cross_entropy`, reduction "mean"). ∂L/∂z_b = (softmax(z_b) − onehot(y_b)) / B.
    ///
    /// Shapes: logits [B, C], labels B values in 0..<C. The loss is accumulated in `Double`.
    public static func softmaxCrossEntropy(logits: Matrix, labels: [Int]) -> (loss: Double, gradient: Matrix) {
        var gradient = Matrix.empty
        let loss = softmaxCrossEntropy(logits: logits, labels: labels, gradient: &gradient)
        return (loss, gradient)
    }

    /// The same, writing ∂L/∂z into `gradient` (made [B, C]; storage reused when it matches) and
    /// returning the loss.
    public static func softmaxCrossEntropy(logits: Matrix, labels: [Int], gradient: inout Matrix) -> Double {
        precondition(labels.count == logits.rows, "\(labels.count) labels for \(logits.rows) rows")
        let classes = logits.columns
        gradient.ensureShape(rows: logits.rows, columns: classes)
        var total = 0.0
        let scale = 1 / Float(max(logits.rows, 1))
        logits.storage.withUnsafeBufferPointer { z in
            gradient.storage.withUnsafeMutableBufferPointer { g in
                for r in 0..<logits.rows {
                    let row = g.baseAddress! + r * classes
                    row.update(from: z.baseAddress! + r * classes, count: classes)
                    let label = labels[r]
                    precondition(label >= 0 && label < classes, "label \(label) out of range 0..<\(classes)")
                    var maximum = row[0]
                    for c in 1..<classes where row[c] > maximum { maximum = row[c] }
                    var sum: Float = 0
                    for c in 0..<classes {
                        let e = expf(row[c] - maximum)
                        row[c] = e
                        sum += e
                    }
                    total -= Double(logf(row[label] / sum))
                    let inverse = 1 / sum
                    for c in 0..<classes { row[c] = row[c] * inverse * scale }
                    row[label] -= scale
                }
            }
        }
        return total / Double(max(logits.rows, 1))
    }

    /// Mean squared error over all elements: L = (1/N) Σ (p − t)², ∂L/∂p = 2(p − t)/N
    /// (PyTorch `F.mse_loss`, reduction "mean"). Shapes of prediction and target must match.
    public static func meanSquaredError(prediction: Matrix, target: Matrix) -> (loss: Double, gradient: Matrix) {
        precondition(prediction.rows == target.rows && prediction.columns == target.columns,
                     "MSE shape mismatch \(prediction.rows)x\(prediction.columns) vs \(target.rows)x\(target.columns)")
        var gradient = prediction
        let n = prediction.count
        var total = 0.0
        let scale = 2 / Float(max(n, 1))
        gradient.storage.withUnsafeMutableBufferPointer { g in
            target.storage.withUnsafeBufferPointer { t in
                for i in 0..<n {
                    let d = g[i] - t[i]
                    total += Double(d) * Double(d)
                    g[i] = d * scale
                }
            }
        }
        return (total / Double(max(n, 1)), gradient)
    }

    /// Softmax probabilities of each row, computed in `Double` from the `Float` logits.
    public static func probabilities(logits: Matrix) -> [[Double]] {
        (0..<logits.rows).map { r in
            let row = (0..<logits.columns).map { Double(logits[r, $0]) }
            let maximum = row.max() ?? 0
            let exps = row.map { Foundation.exp($0 - maximum) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
    }
}
