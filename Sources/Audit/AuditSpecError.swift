import Diagnostics
import Foundation
import NumericCore

/// Why an audit spec could not be loaded, as one line:
/// `audits/x.yaml:12: gate.rules[1].at_most: expected a number or null, got "abc"`.
///
/// Content problems exit with `.data`; a missing spec file with `.noInput`; a read failure with `.ioError`.
public struct AuditSpecError: ReportableError, Equatable, Sendable {
    /// The spec file as the user named it.
    public let file: String
    /// The 1-based line the problem is on, or nil when it concerns the file as a whole.
    public let line: Int?
    /// The key path, e.g. `gate.rules[1].at_most`, or nil when the problem has none.
    public let keyPath: String?
    /// What was found and what would fix it.
    public let message: String
    /// The status the command line exits with.
    public let exitStatus: SysExit

    /// An error at `file:line`, on `keyPath`; newlines in `message` become spaces so the error stays one line.
    public init(file: String, line: Int?, keyPath: String?, message: String, exitStatus: SysExit = .data) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        self.exitStatus = exitStatus
    }

    /// `file:line: key.path: message`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let keyPath { text += keyPath + ": " }
        return text + message
    }
}
