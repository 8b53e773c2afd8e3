import CBLAS
import Foundation

/// Thin wrappers over OpenBLAS (CBLAS, row-major). This file is the only place that touches CBLAS.
public enum BLAS {
    /// OpenBLAS's name for the kernel it selected (e.g. "Haswell", "SkylakeX").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses for one call (process-wide).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1, got \(count)")
        openblas_set_num_threads(Int32(count))
    }

    /// Serialises the work whose bytes depend on the thread count (training that must be
    /// reproducible, a model bank's workers): while one caller holds it, no other can change the
    /// count under it. Recursive, so a bank inside a pipeline inside a test can take it again.
    private static let configurationLock = NSRecursiveLock()

    /// Runs `body` with `count` BLAS threads, holding the process-wide configuration lock, and
    /// restores the previous count afterwards.
    public static func withThreadCount<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        configurationLock.lock()
        defer { configurationLock.unlock() }
        let saved = threadCount
        setThreadCount(count)
        defer { setThreadCount(saved) }
        return try body()
    }

    /// `C ← α·op(A)·op(B) + β·C` (sgemm), where op is identity or transpose.
    ///
    /// Shapes: op(A) is m×k, op(B) is k×n, C is m×n, all row-major. O(m·n·k).
    public static func gemm(_ a: Matrix, transposeA: Bool = false,
                            _ b: Matrix, transposeB: Bool = false,
                            alpha: Float = 1, beta: Float = 0, into c: inout Matrix) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "gemm inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.columns == n, "gemm output is \(c.rows)x\(c.columns), expected \(m)x\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            c.scale(by: beta)
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor,
                                transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), alpha,
                                pa.baseAddress, Int32(a.columns),
                                pb.baseAddress, Int32(b.columns),
                                beta, pc.baseAddress, Int32(c.columns))
                }
            }
        }
    }

    /// `op(A)·op(B)` as a new matrix.
    public static func product(_ a: Matrix, transposeA: Bool = false,
                               _ b: Matrix, transposeB: Bool = false) -> Matrix {
        let k = transposeA ? a.rows : a.columns
        var c = k == 0
            ? Matrix(rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns)
            : Matrix(rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns, uninitialized: ())
        gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: &c)
        return c
    }
}
