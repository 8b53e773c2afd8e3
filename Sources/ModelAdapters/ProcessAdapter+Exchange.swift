import Diagnostics
import Foundation
import NumericCore

/// Why one exchange with the child (a request and its reply) failed.
enum ExchangeFailure: Error {
    /// The reply broke the protocol, or was an error reply.
    case violation(ProtocolViolation)
    /// The child did not read the request before the deadline.
    case requestNotRead
    /// No reply before the deadline.
    case noReply
    /// The child closed its stdout or stopped reading its stdin (it exited, most likely).
    case gone
}

extension ProcessAdapter {
    /// Sends `request`, runs `meanwhile` (miaudit's own work, such as encoding the next request,
    /// overlapping the child's; its duration extends the deadline), then reads lines until one is a
    /// reply `parse` accepts (the collector drops blank lines), all within `timeout`.
    static func exchange<T>(on channel: ProcessChannel, send request: Data, timeout: Duration,
                            meanwhile: () -> Void = {},
                            parse: (Data) throws(ProtocolViolation) -> T) throws(ExchangeFailure) -> T {
        var deadline = ContinuousClock.now + timeout
        switch channel.send(request, until: deadline) {
        case .sent: break
        case .timedOut: throw .requestNotRead
        case .failed: throw .gone
        }
        let ownWork = ContinuousClock.now
        meanwhile()
        deadline += ownWork.duration(to: .now)
        while true {
            guard let event = channel.output.nextEvent(until: deadline) else { throw .noReply }
            switch event {
            case .line(let line):
                do { return try parse(line) } catch { throw .violation(error) }
            case .overlong(let prefix):
                throw .violation(ProtocolViolation(problem: "the child sent a garbage line longer than \(ProcessOutputCollector.maximumLineBytes >> 20) MiB: \(ProcessReplies.quote(prefix))",
                                                   fix: "end every message with a newline and keep replies below that size (use base64 arrays)"))
            case .flooded:
                throw .violation(ProtocolViolation(problem: "the child wrote more than \(ProcessOutputCollector.maximumQueuedBytes >> 20) MiB to stdout that no request asked for",
                                                   fix: "write only replies to stdout, and log to stderr"))
            case .closed:
                throw .gone
            }
        }
    }

    /// Stops and reaps the child after `failure` and describes it: the adapter, the request, what
    /// happened (with the child's exit status or signal when it ended on its own) and its stderr tail.
    static func stop(_ channel: ProcessChannel, after failure: ExchangeFailure, adapter: String, request: String,
                     timeoutSeconds: Double) -> AdapterError {
        let problem: String
        let fix: String
        var status = SysExit.data
        let seconds = String(format: "%g", timeoutSeconds)
        switch failure {
        case .violation(let violation):
            channel.stop(grace: .zero)
            (problem, fix) = (violation.problem, violation.fix)
        case .requestNotRead:
            channel.stop(grace: .zero)
            problem = "the child did not read the request within \(seconds) s and was stopped"
            fix = "make the adapter read stdin one line at a time, or raise the timeout"
            status = .ioError
        case .noReply:
            channel.stop(grace: .zero)
            let blank = channel.output.blankLineCount
            problem = "no reply within \(seconds) s (timeout); the child was stopped"
                + (blank > 0 ? " (it wrote \(blank) blank line\(blank == 1 ? "" : "s") instead)" : "")
            fix = "raise the timeout if the model is slow, and flush stdout after every reply"
            status = .ioError
        case .gone:
            // Give an exiting child a moment, so the message can say how it ended.
            let ended = channel.output.termination(until: .now + .seconds(2))
            channel.stop(grace: .zero)
            problem = ended.map { "the child \($0.summary) before replying" } ?? "the child closed its stdout without replying and was stopped"
            fix = "run the command by hand to see why; the protocol is in docs/adapter-protocol.md"
            status = .ioError
        }
        return AdapterError(adapter: adapter, request: request, problem: problem, fix: fix,
                            standardErrorTail: channel.output.standardErrorTail, exitStatus: status)
    }
}
