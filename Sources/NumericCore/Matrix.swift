/// A dense row-major matrix of `Float` with value semantics (copy-on-write through `Array`).
///
/// Element (r, c) is stored at `storage[r * columns + c]`. A vector is a matrix with one row.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns (the leading dimension of the row-major storage).
    public let columns: Int
    /// The elements in row-major order; `storage.count == rows * columns`.
    public var storage: [Float]

    /// A matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape must be non-negative, got \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix whose elements are left for the caller to overwrite (e.g. by a gemm with β = 0):
    /// they are set to zero only in debug builds, so a release build skips the fill.
    public init(rows: Int, columns: Int, uninitialized: Void) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape must be non-negative, got \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            #if DEBUG
            buffer.initialize(repeating: 0)
            #endif
            count = rows * columns
        }
    }

    /// A matrix over existing row-major storage.
    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns,
                     "Matrix storage has \(storage.count) elements, shape \(rows)x\(columns) needs \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// The number of elements, `rows * columns`.
    @inlinable public var count: Int { rows * columns }

    /// Element access by (row, column); bounds are checked by the underlying array.
    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(storage[(index * columns)..<((index + 1) * columns)])
    }

    /// The transpose, as a new matrix. O(rows × columns).
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for c in 0..<columns { target[c * rows + r] = source[r * columns + c] }
                }
            }
        }
        return result
    }

    /// Rows `indices` of this matrix, in that order. O(indices.count × columns).
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var result = Matrix(rows: indices.count, columns: columns, uninitialized: ())
        let width = columns
        guard result.count > 0 else {
            precondition(indices.allSatisfy { $0 >= 0 && $0 < rows }, "a row index is out of range 0..<\(rows)")
            return result
        }
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                for (k, index) in indices.enumerated() {
                    precondition(index >= 0 && index < rows, "row \(index) out of range 0..<\(rows)")
                    let from = source.baseAddress! + index * width
                    (target.baseAddress! + k * width).update(from: from, count: width)
                }
            }
        }
        return result
    }

    /// The column-wise concatenation `[a | b | ...]` of matrices with equal row counts.
    public static func concatenateColumns(_ parts: [Matrix]) -> Matrix {
        precondition(!parts.isEmpty, "concatenateColumns needs at least one matrix")
        let rows = parts[0].rows
        precondition(parts.allSatisfy { $0.rows == rows }, "concatenateColumns needs equal row counts")
        let width = parts.reduce(0) { $0 + $1.columns }
        var result = Matrix(rows: rows, columns: width, uninitialized: ())
        guard result.count > 0 else { return result }
        result.storage.withUnsafeMutableBufferPointer { target in
            var offset = 0
            for part in parts where part.columns > 0 {
                part.storage.withUnsafeBufferPointer { source in
                    for r in 0..<rows {
                        (target.baseAddress! + r * width + offset)
                            .update(from: source.baseAddress! + r * part.columns, count: part.columns)
                    }
                }
                offset += part.columns
            }
        }
        return result
    }

    /// Columns `start..<start+width` as a new matrix.
    public func columnSlice(_ start: Int, width: Int) -> Matrix {
        precondition(start >= 0 && width >= 0 && start + width <= columns,
                     "column slice \(start)..<\(start + width) out of range 0..<\(columns)")
        var result = Matrix(rows: rows, columns: width, uninitialized: ())
        guard result.count > 0 else { return result }
        let stride = columns
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    (target.baseAddress! + r * width).update(from: source.baseAddress! + r * stride + start, count: width)
                }
            }
        }
        return result
    }

    /// Adds `other` element-wise. Shapes must match.
    public mutating func add(_ other: Matrix) {
        precondition(rows == other.rows && columns == other.columns,
                     "shape mismatch \(rows)x\(columns) vs \(other.rows)x\(other.columns)")
        let n = count
        storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<n { a[i] += b[i] }
            }
        }
    }

    /// Multiplies every element by `factor`.
    public mutating func scale(by factor: Float) {
        let n = count
        storage.withUnsafeMutableBufferPointer { a in
            for i in 0..<n { a[i] *= factor }
        }
    }

    /// True when every element is finite.
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }
}
