import Diagnostics
import NumericCore

/// Why a safetensors file could not be read or written, or a tensor could not be converted.
///
/// The message is one sentence, `"<subject>: <problem>; <fix>."`, where the subject is the file's
/// path (or, for conversions, `tensor "<name>"`).
public struct SafetensorsError: ReportableError, Equatable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: String, Sendable {
        case fileNotFound, unreadable, truncated, headerTooLarge, headerPastEnd, invalidHeader
        case invalidEntry, unsupportedDType, invalidOffsets, sizeMismatch, overlap, gap, trailingBytes
        case invalidMetadata, notFloatingPoint, notInteger, notAMatrix, cannotCreate, writeFailed
    }

    /// What went wrong.
    public let kind: Kind
    /// The file path, or `tensor "<name>"` for conversion errors.
    public let subject: String
    /// What is wrong, naming the field or value.
    public let problem: String
    /// How to fix it.
    public let fix: String
    /// The sysexits status the command line exits with.
    public let exitStatus: SysExit

    public var description: String { "\(subject): \(problem); \(fix)." }

    init(_ kind: Kind, _ subject: String, _ problem: String, _ fix: String, _ exitStatus: SysExit = .data) {
        self.kind = kind
        self.subject = subject
        self.problem = problem
        self.fix = fix
        self.exitStatus = exitStatus
    }

    static let corruptFix = "the file is corrupt or not a safetensors file"

    static func notFloatingPoint(tensor: String, dtype: SafetensorsDType) -> SafetensorsError {
        SafetensorsError(.notFloatingPoint, "tensor \(SafetensorsJSON.quoted(tensor))", "dtype \(dtype.rawValue) is not a floating-point type",
                         "store it as F32, F64, F16 or BF16, or read it with integers()")
    }

    static func notInteger(tensor: String, dtype: SafetensorsDType) -> SafetensorsError {
        SafetensorsError(.notInteger, "tensor \(SafetensorsJSON.quoted(tensor))", "dtype \(dtype.rawValue) is not an integer type",
                         "store it as I64, I32 or U8, or read it with floats()")
    }

    static func notAMatrix(tensor: String, shape: [Int]) -> SafetensorsError {
        SafetensorsError(.notAMatrix, "tensor \(SafetensorsJSON.quoted(tensor))", "shape \(shape) has rank \(shape.count), not 1 or 2",
                         "store a weight as [out, in] and a bias as [out]")
    }
}
