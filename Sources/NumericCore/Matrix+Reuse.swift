/// In-place forms of the matrix operations, for loops that keep their buffers across steps: each
/// writes into an existing matrix, allocating only when the shape changes.
extension Matrix {
    /// The 0×0 matrix, a placeholder for buffers sized on first use (allocates nothing).
    public static var empty: Matrix { Matrix(rows: 0, columns: 0) }

    /// Makes this matrix `rows`×`columns`. When it already has that shape its storage is kept (and,
    /// if uniquely referenced, written in place afterwards); otherwise new storage is allocated and
    /// the elements are unspecified, as with `init(rows:columns:uninitialized:)`. Returns whether
    /// new storage was allocated.
    @discardableResult
    public mutating func ensureShape(rows: Int, columns: Int) -> Bool {
        guard self.rows != rows || self.columns != columns else { return false }
        self = Matrix(rows: rows, columns: columns, uninitialized: ())
        return true
    }

    /// Sets every element to `value`.
    public mutating func fill(with value: Float) {
        let n = count
        storage.withUnsafeMutableBufferPointer { a in
            guard n > 0 else { return }
            a.baseAddress!.update(repeating: value, count: n)
        }
    }

    /// Rows `indices` of `source`, in that order, into `self` ([indices.count, source.columns]).
    /// O(indices.count × columns).
    public mutating func gatherRows(of source: Matrix, _ indices: [Int]) {
        ensureShape(rows: indices.count, columns: source.columns)
        let width = source.columns, sourceRows = source.rows
        guard count > 0 else {
            precondition(indices.allSatisfy { $0 >= 0 && $0 < sourceRows }, "a row index is out of range 0..<\(sourceRows)")
            return
        }
        source.storage.withUnsafeBufferPointer { from in
            storage.withUnsafeMutableBufferPointer { to in
                for (k, index) in indices.enumerated() {
                    precondition(index >= 0 && index < sourceRows, "row \(index) out of range 0..<\(sourceRows)")
                    (to.baseAddress! + k * width).update(from: from.baseAddress! + index * width, count: width)
                }
            }
        }
    }

    /// Copies `width` columns of `source` starting at `sourceColumn` into this matrix's columns
    /// starting at `column`; with `sourceRows`, target row r takes source row `sourceRows[r]`,
    /// otherwise row r. With `accumulate` the values are added instead of copied.
    /// O(rows × width).
    public mutating func placeColumns(of source: Matrix, from sourceColumn: Int = 0, width: Int, at column: Int,
                                      sourceRows: [Int]? = nil, accumulate: Bool = false) {
        precondition(sourceColumn >= 0 && sourceColumn + width <= source.columns && column >= 0 && column + width <= columns,
                     "columns \(sourceColumn)..<\(sourceColumn + width) of a \(source.columns)-column matrix do not fit at \(column) in \(columns) columns")
        precondition(sourceRows.map { $0.count == rows } ?? (source.rows == rows),
                     "placing \(sourceRows?.count ?? source.rows) rows into a \(rows)-row matrix")
        guard rows > 0, width > 0 else { return }
        let (targetStride, sourceStride, rowCount, available) = (columns, source.columns, rows, source.rows)
        source.storage.withUnsafeBufferPointer { from in
            storage.withUnsafeMutableBufferPointer { to in
                for r in 0..<rowCount {
                    let s = sourceRows?[r] ?? r
                    precondition(s >= 0 && s < available, "row \(s) out of range 0..<\(available)")
                    let target = to.baseAddress! + r * targetStride + column
                    let origin = from.baseAddress! + s * sourceStride + sourceColumn
                    if accumulate {
                        for c in 0..<width { target[c] += origin[c] }
                    } else {
                        target.update(from: origin, count: width)
                    }
                }
            }
        }
    }

    /// Adds row r of `source` to row `targetRows[r]` of this matrix, for r in order (rows named
    /// more than once receive every addition, in that order). O(source.rows × columns).
    public mutating func scatterAddRows(of source: Matrix, to targetRows: [Int]) {
        precondition(source.columns == columns && targetRows.count == source.rows,
                     "scatter of \(source.rows)x\(source.columns) by \(targetRows.count) indices into \(rows)x\(columns)")
        let (width, available) = (columns, rows)
        guard width > 0 else { return }
        source.storage.withUnsafeBufferPointer { from in
            storage.withUnsafeMutableBufferPointer { to in
                for (r, t) in targetRows.enumerated() {
                    precondition(t >= 0 && t < available, "row \(t) out of range 0..<\(available)")
                    let target = to.baseAddress! + t * width, origin = from.baseAddress! + r * width
                    for c in 0..<width { target[c] += origin[c] }
                }
            }
        }
    }

    /// The sum of each column, [columns]. O(rows × columns).
    public func columnSums() -> [Float] {
        var sums: [Float] = []
        columnSums(into: &sums)
        return sums
    }

    /// The sum of each column of this matrix, into `sums` (resized to `columns`, and then zeroed);
    /// with `accumulate`, added to what `sums` holds, row by row. O(rows × columns).
    public func columnSums(into sums: inout [Float], accumulate: Bool = false) {
        if sums.count != columns { sums = [Float](repeating: 0, count: columns) }
        let (width, rowCount) = (columns, rows)
        storage.withUnsafeBufferPointer { a in
            sums.withUnsafeMutableBufferPointer { s in
                guard width > 0 else { return }
                if !accumulate { s.baseAddress!.update(repeating: 0, count: width) }
                for r in 0..<rowCount {
                    let row = a.baseAddress! + r * width
                    for c in 0..<width { s[c] += row[c] }
                }
            }
        }
    }
}
