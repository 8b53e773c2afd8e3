import Diagnostics
import NumericCore

/// Why an attack could not run: one line naming the input and what would fix it.
public struct AttackError: ReportableError, Equatable {
    public let description: String
    public let status: SysExit
    public var exitStatus: SysExit { status }

    public init(description: String, status: SysExit = .data) {
        self.description = description
        self.status = status
    }
}
