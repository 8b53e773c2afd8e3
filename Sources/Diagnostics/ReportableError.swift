/// Process exit statuses from BSD `sysexits.h`, used for errors a user can cause.
public enum SysExit: Int32, Sendable {
    /// EX_USAGE: the command was used incorrectly (bad flag, missing argument).
    case usage = 64
    /// EX_DATAERR: the input data was malformed (bad file contents, wrong dtype, NaN).
    case data = 65
    /// EX_NOINPUT: an input file did not exist or was not readable.
    case noInput = 66
    /// EX_SOFTWARE: an internal error.
    case software = 70
    /// EX_CANTCREAT: an output file could not be created.
    case cannotCreate = 73
    /// EX_IOERR: an error while reading or writing a file.
    case ioError = 74
}

/// An error a user can cause: a one-sentence message naming the file, field or value and the fix,
/// and the sysexits status the command line exits with.
public protocol ReportableError: Error, CustomStringConvertible {
    /// The status the command line exits with for this error.
    var exitStatus: SysExit { get }
}
