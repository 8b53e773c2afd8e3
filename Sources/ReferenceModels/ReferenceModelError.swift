import Diagnostics

/// Why reference models could not be planned or obtained: one line naming the input and the fix.
public struct ReferenceModelError: ReportableError, Equatable {
    public let description: String
    public let exitStatus: SysExit

    public init(_ description: String, status: SysExit = .data) {
        self.description = description
        exitStatus = status
    }
}
