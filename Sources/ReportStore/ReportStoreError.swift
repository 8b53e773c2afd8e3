import Diagnostics
import NumericCore

/// What a user can get wrong with keys, report payloads or the report store.
///
/// Every message is one sentence naming the file, row or field and the fix. Statuses follow
/// sysexits: a missing key or report is `.noInput`, a key or store that cannot be created is
/// `.cannotCreate`, a failed read or write is `.ioError`, and malformed content (a bad key file,
/// an over-permissive key file, a non-finite number, a payload field of the wrong type) is `.data`.
public enum ReportStoreError: ReportableError, Equatable, Sendable {
    /// A key file to be generated already exists; keys are never overwritten.
    case keyFileExists(path: String)
    /// A key file could not be created or written.
    case cannotWriteKey(path: String, reason: String)
    /// A key file to be loaded does not exist.
    case missingKey(path: String)
    /// A key file exists but could not be read.
    case unreadableKey(path: String, reason: String)
    /// A private key file grants group or other users access (`mode` is its permission bits).
    case keyFileTooOpen(path: String, mode: UInt16)
    /// A key file's content is not in the documented format.
    case malformedKey(path: String, problem: String)
    /// A report holds NaN or an infinity at `field`, which canonical JSON cannot represent.
    case nonFiniteNumber(field: String)
    /// A report could not be encoded as JSON for another reason.
    case encodingFailed(reason: String)
    /// A payload field that feeds a query column is missing or has the wrong type.
    case invalidPayloadField(field: String, problem: String)
    /// A payload records a predecessor digest or key id that differs from the one it is stored with.
    case payloadLinkMismatch(field: String, recorded: String, actual: String)
    /// The store file could not be opened or created.
    case cannotOpenStore(path: String, reason: String)
    /// The file exists but is not a usable report store.
    case notAStore(path: String, reason: String)
    /// A read or write of the store failed.
    case storeFailure(path: String, reason: String)
    /// No report has the requested id.
    case noSuchReport(path: String, id: Int64)
    /// A report with the same payload (same digest) is already stored.
    case duplicateReport(path: String, digest: String, existingID: Int64)
    /// A checkpoint file that is not one, or not signed by a trusted key.
    case malformedCheckpoint(path: String, problem: String)

    /// The status the command line exits with.
    public var exitStatus: SysExit {
        switch self {
        case .missingKey, .noSuchReport: .noInput
        case .keyFileExists, .cannotWriteKey, .cannotOpenStore: .cannotCreate
        case .unreadableKey, .storeFailure: .ioError
        case .keyFileTooOpen, .malformedKey, .nonFiniteNumber, .encodingFailed, .invalidPayloadField,
             .payloadLinkMismatch, .notAStore, .duplicateReport, .malformedCheckpoint: .data
        }
    }

    /// The one-sentence message.
    public var description: String {
        switch self {
        case let .keyFileExists(path):
            return "\(path): a key file already exists; keys are never overwritten, so choose another path "
                + "or move the old key (and its .pub) away first."
        case let .cannotWriteKey(path, reason):
            return "\(path): the key file cannot be created (\(reason)); check that the directory exists and is writable."
        case let .missingKey(path):
            return "\(path): no such key file; check the path, or create a key with `miaudit keys generate --out PATH`."
        case let .unreadableKey(path, reason):
            return "\(path): the key file cannot be read (\(reason)); check that it is a regular file you may read."
        case let .keyFileTooOpen(path, mode):
            return "\(path): the private key is accessible to other users (mode 0\(String(mode, radix: 8))); "
                + "run `chmod 600 \(path)` and consider the key exposed if others could read it."
        case let .malformedKey(path, problem):
            return "\(path): \(problem); restore the key file or generate a new key."
        case let .nonFiniteNumber(field):
            return "report field '\(field)' is NaN or infinite, which JSON cannot hold; "
                + "record it as null (an optional) or fix the computation that produced it."
        case let .encodingFailed(reason):
            return "the report cannot be encoded as JSON (\(reason)); fix the value named there."
        case let .invalidPayloadField(field, problem):
            return "payload field '\(field)' \(problem); fix the report type or the column mapping."
        case let .payloadLinkMismatch(field, recorded, actual):
            return "the payload records \(field) \(recorded) but the store would link it to \(actual); "
                + "build the payload inside append(signingKey:building:) so it sees the current chain head."
        case let .cannotOpenStore(path, reason):
            return "\(path): the report store cannot be opened (\(reason)); check that the directory exists and is writable."
        case let .notAStore(path, reason):
            return "\(path): not a usable report store (\(reason)); point to the right file or restore it from a backup."
        case let .storeFailure(path, reason):
            return "\(path): the report store failed (\(reason)); check the disk and retry."
        case let .noSuchReport(path, id):
            return "\(path): there is no report with id \(id); list the reports to see the ids that exist."
        case let .duplicateReport(path, digest, existingID):
            return "\(path): report \(existingID) already has digest \(digest); a report is stored once, "
                + "so record what differs (e.g. the previous digest) in the new report."
        case let .malformedCheckpoint(path, problem):
            return "\(path): \(problem); use a checkpoint written by miaudit report checkpoint, signed by a key you trust."
        }
    }
}
