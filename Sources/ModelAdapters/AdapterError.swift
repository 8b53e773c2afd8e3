import Diagnostics
import NumericCore

/// Why an adapter could not answer: names the adapter, the request and the fix; for a process,
/// the tail of its stderr.
public struct AdapterError: ReportableError, Equatable {
    /// "native", "outputs" or "process", with the model path or command.
    public let adapter: String
    /// The request that failed ("handshake", "predict request 3 (256 pairs)"), or nil.
    public let request: String?
    public let problem: String
    public let fix: String
    /// The last lines the child wrote to stderr, when there is a child.
    public let standardErrorTail: String?
    public let exitStatus: SysExit

    public init(adapter: String, request: String? = nil, problem: String, fix: String,
                standardErrorTail: String? = nil, exitStatus: SysExit = .data) {
        self.adapter = adapter
        self.request = request
        self.problem = problem
        self.fix = fix
        self.standardErrorTail = standardErrorTail
        self.exitStatus = exitStatus
    }

    public var description: String {
        var text = "\(adapter) adapter"
        if let request { text += ", \(request)" }
        text += ": \(problem); \(fix)."
        if let tail = standardErrorTail, !tail.isEmpty {
            // The child's words: control characters escaped (line feeds kept), at most 2,000 characters.
            let shown = tail.count > 2_000 ? "…" + String(tail.suffix(2_000)) : tail
            text += " The child's stderr ended with: \(UntrustedText.escaped(shown, limit: 2_001, keepNewlines: true))"
        }
        return text
    }
}
