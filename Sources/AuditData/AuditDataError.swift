import Diagnostics
import NumericCore

/// What a user can get wrong in a data set, an `.npy` file or a data command.
///
/// Every message is one sentence of the form "<path>: <problem>; <how to fix>.", and every case
/// maps to a sysexits status: a missing file is `.noInput`, a file that cannot be written or an
/// output directory that is already in use is `.cannotCreate`, a failed read is `.ioError`, an unknown split name is `.usage`, and any
/// malformed content is `.data`.
public enum AuditDataError: ReportableError, Equatable, Sendable {
    /// A file the operation needs does not exist.
    case missingFile(path: String, role: String)
    /// A file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// An output file or directory could not be created or written.
    case cannotWrite(path: String, reason: String)
    /// An output directory that must be new (or empty) already holds something, or is a file.
    case outputExists(path: String)
    /// A file's content is malformed; `problem` and `fix` complete the sentence.
    case invalid(path: String, problem: String, fix: String)
    /// An `.npy` file holds fewer bytes than its header promises.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// An `.npy` file's dtype is not one of the six supported.
    case unsupportedDType(path: String, descr: String)
    /// A file's SHA-256 differs from the one recorded for it.
    case hashMismatch(path: String, actual: String, expected: String, recordedIn: String)
    /// A feature array holds NaN or an infinity.
    case nonFinite(path: String, row: Int, column: Int)
    /// Two splits that must be disjoint share a row.
    case splitsOverlap(manifest: String, first: String, second: String, index: Int, count: Int)
    /// A group has rows on both sides of two disjoint splits.
    case groupStraddles(manifest: String, group: Int, first: String, firstRow: Int, second: String, secondRow: Int)
    /// A split name that the data set does not define was asked for.
    case unknownSplit(manifest: String, name: String, available: [String])
    /// An array that was asked for a typed view has another dtype (a programmer-side check).
    case wrongDType(found: NPYDType, wanted: String)

    /// The status the command line exits with.
    public var exitStatus: SysExit {
        switch self {
        case .missingFile: .noInput
        case .unreadable: .ioError
        case .cannotWrite, .outputExists: .cannotCreate
        case .unknownSplit: .usage
        case .invalid, .truncated, .unsupportedDType, .hashMismatch, .nonFinite,
             .splitsOverlap, .groupStraddles, .wrongDType: .data
        }
    }

    /// The one-sentence message.
    public var description: String {
        switch self {
        case let .missingFile(path, role):
            return "\(path): no such file (\(role)); check the path, or rebuild the data set if the file was deleted."
        case let .unreadable(path, reason):
            return "\(path): cannot be read (\(reason)); check that it is a regular file you may read."
        case let .cannotWrite(path, reason):
            return "\(path): cannot be written (\(reason)); check that the directory exists and is writable."
        case let .outputExists(path):
            return "\(path): already exists and is not an empty directory; give a new directory to write to, "
                + "or remove this one first (it was left unchanged)."
        case let .invalid(path, problem, fix):
            return "\(path): \(problem); \(fix)."
        case let .truncated(path, expected, actual):
            return "\(path): truncated, the header promises \(expected) data bytes but the file holds \(actual); "
                + "copy or regenerate the file completely."
        case let .unsupportedDType(path, descr):
            return "\(path): dtype '\(descr)' is not supported; miaudit reads "
                + NPYDType.allCases.map(\.rawValue).joined(separator: ", ")
                + " (little-endian, C order), so convert the array with numpy's astype and save it again."
        case let .hashMismatch(path, actual, expected, recordedIn):
            return "\(path): SHA-256 is \(actual) but \(recordedIn) says \(expected); the file changed since "
                + "\(recordedIn) was written — rebuild the manifest or restore the file."
        case let .nonFinite(path, row, column):
            return "\(path): row \(row) (column \(column)) is NaN or infinite; every feature must be finite, "
                + "so fix or drop that row and rebuild the data set."
        case let .splitsOverlap(manifest, first, second, index, count):
            return "\(manifest): splits '\(first)' and '\(second)' share \(count) row(s), e.g. row \(index); "
                + "they must be disjoint, so remove the shared rows from one of them."
        case let .groupStraddles(manifest, group, first, firstRow, second, secondRow):
            return "\(manifest): group \(group) has rows in both '\(first)' (row \(firstRow)) and '\(second)' (row \(secondRow)); splits are made by "
                + "group, so move all of that group's rows to one side."
        case let .unknownSplit(manifest, name, available):
            return "\(manifest): there is no split named '\(name)'; available splits: "
                + (available.isEmpty ? "none" : available.joined(separator: ", ")) + "."
        case let .wrongDType(found, wanted):
            return "array: dtype is \(found.rawValue) but \(wanted) was asked for; convert the array first."
        }
    }
}
