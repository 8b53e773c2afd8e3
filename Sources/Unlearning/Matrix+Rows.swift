import NumericCore

extension Matrix {
    /// Rows `range` as a new matrix. O(range.count × columns).
    func rowSlice(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row slice \(range) out of range 0..<\(rows)")
        return Matrix(rows: range.count, columns: columns,
                      storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The row-wise concatenation `[a; b; …]` of matrices with equal column counts.
    static func concatenateRows(_ parts: [Matrix]) -> Matrix {
        precondition(!parts.isEmpty, "concatenateRows needs at least one matrix")
        let columns = parts[0].columns
        precondition(parts.allSatisfy { $0.columns == columns }, "concatenateRows needs equal column counts")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, columns: columns, storage: parts.flatMap(\.storage))
    }

    /// This matrix times `factor`.
    func scaled(by factor: Float) -> Matrix {
        var copy = self
        copy.scale(by: factor)
        return copy
    }
}
