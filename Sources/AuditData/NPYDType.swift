/// The element types miaudit reads and writes in `.npy` files, named by NumPy's `descr` string.
///
/// All are little-endian (`<`), or byte-order free (`|`) for single bytes; the raw value is the
/// exact `descr` NumPy writes, so it is also the spelling used in data-set manifests.
/// NumPy bool arrays (`'|b1'`, one byte 0 or 1 each) are read too, as `uint8` (see `NPY.decode`).
public enum NPYDType: String, CaseIterable, Codable, Sendable {
    /// Unsigned 8-bit integer, `'|u1'`.
    case uint8 = "|u1"
    /// IEEE 754 binary16, `'<f2'`.
    case float16 = "<f2"
    /// IEEE 754 binary32, `'<f4'`.
    case float32 = "<f4"
    /// IEEE 754 binary64, `'<f8'`.
    case float64 = "<f8"
    /// Signed 32-bit integer, `'<i4'`.
    case int32 = "<i4"
    /// Signed 64-bit integer, `'<i8'`.
    case int64 = "<i8"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .uint8: 1
        case .float16: 2
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    /// True for the integer dtypes (`uint8`, `int32`, `int64`).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int32, .int64: true
        case .float16, .float32, .float64: false
        }
    }

    /// True for the floating-point dtypes (`float16`, `float32`, `float64`).
    public var isFloatingPoint: Bool { !isInteger }

    /// The dtype for a NumPy `descr` string, or nil when it is not one of the six.
    ///
    /// Accepts the exact raw values, plus `'<u1'`, `'>u1'` and `'=u1'` for bytes and `'='`
    /// (native order) on little-endian hosts for the wider types.
    public init?(descr: String) {
        if let exact = NPYDType(rawValue: descr) {
            self = exact
            return
        }
        guard descr.count == 3, let order = descr.first else { return nil }
        let kind = String(descr.dropFirst())
        if kind == "u1", "<>=".contains(order) {
            self = .uint8
            return
        }
        #if _endian(little)
        if order == "=", let native = NPYDType(rawValue: "<" + kind) {
            self = native
            return
        }
        #endif
        return nil
    }

    /// True when `descr` is NumPy's bool dtype, `'|b1'` (or `'<b1'`, `'>b1'`, `'=b1'`), which
    /// `NPY.decode` reads as `uint8` after checking that every byte is 0 or 1.
    static func isBool(_ descr: String) -> Bool {
        descr.count == 3 && descr.hasSuffix("b1") && descr.first.map { "|<>=".contains($0) } == true
    }

    /// True when `descr` names a big-endian multi-byte type (`'>'` prefix), which miaudit refuses.
    static func isBigEndian(_ descr: String) -> Bool {
        descr.hasPrefix(">") && !descr.hasSuffix("1")
    }
}
