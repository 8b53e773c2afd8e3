import Foundation

/// One event on a child's stdout, in the order the child wrote it.
enum ProcessOutputEvent: Sendable {
    /// A complete line, without its "\n" (and without a trailing "\r").
    case line(Data)
    /// A line longer than `ProcessOutputCollector.maximumLineBytes`; its first bytes.
    case overlong(prefix: Data)
    /// The child wrote more than `ProcessOutputCollector.maximumQueuedBytes` that nobody asked for;
    /// everything after is dropped.
    case flooded
    /// The child closed its stdout (it exited, or closed the stream).
    case closed
}

/// How a child ended, as `waitpid` reports it.
struct ProcessTermination: Sendable, Equatable {
    /// Whether a signal ended it (then `status` is the signal's number).
    let signalled: Bool
    /// Its exit status, or the number of the signal that ended it.
    let status: Int32

    /// "exited with status 3", "was killed by signal 11 (SIGSEGV)".
    var summary: String {
        if !signalled { return "exited with status \(status)" }
        let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
                                      SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL",
                                      SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGTERM: "SIGTERM"]
        return "was killed by signal \(status)" + (names[status].map { " (\($0))" } ?? "")
    }
}

/// Gathers what a child writes: its stdout as lines (queued until taken), the last lines of its
/// stderr (bounded memory), and how it ended. A reader thread feeds it; the adapter waits on it.
///
/// Memory: the queue holds what the child wrote and the adapter has not yet taken (one reply in a
/// well-behaved exchange), each line counted with `eventOverheadBytes` for its bookkeeping, at most
/// `maximumQueuedBytes`; blank lines (spaces and tabs only) are counted and dropped, never queued;
/// a single line is cut at `maximumLineBytes`; the stderr tail keeps at most `tailLines` lines of
/// at most `tailLineCharacters` characters.
final class ProcessOutputCollector: @unchecked Sendable {
    // @unchecked Sendable: every stored var below is read and written only with `condition` locked.

    /// The longest stdout line accepted (64 MiB); a longer one becomes `.overlong`.
    static let maximumLineBytes = 64 << 20
    /// The most stdout bytes queued unread (128 MiB) before the rest is dropped as a flood.
    static let maximumQueuedBytes = 128 << 20
    /// What one queued line costs beyond its bytes (the event and its buffer), for the flood bound.
    static let eventOverheadBytes = 64
    /// Lines of stderr kept.
    static let tailLines = 20
    /// Characters kept of each stderr line.
    static let tailLineCharacters = 400

    private let condition = NSCondition()
    private var events: [ProcessOutputEvent] = []
    private var nextEvent = 0
    private var pendingLine = Data()
    private var discardingOverlongLine = false
    private var queuedBytes = 0
    private var blankLines = 0
    private var flooded = false
    private var outputClosed = false
    private var tail: [String] = []
    private var pendingError = Data()
    private var errorClosed = false
    private var termination: ProcessTermination?
    private var stopRequested = false

    // MARK: - fed by the reader thread and the termination handler

    /// Appends bytes read from stdout, splitting them into lines.
    func appendOutput(_ bytes: UnsafeRawBufferPointer) {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        var start = 0
        while start < bytes.count && !flooded {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                takeLinePart(bytes[start...])
                return
            }
            let line = bytes[start..<newline]
            let body = line.last == 0x0D ? line.dropLast() : line
            if pendingLine.isEmpty && !discardingOverlongLine && body.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                // A blank line (the common case of a flood): counted without building a line.
                blankLines += 1
                start = newline + 1
                continue
            }
            takeLinePart(bytes[start..<newline])
            if discardingOverlongLine {
                discardingOverlongLine = false
            } else {
                if pendingLine.last == 0x0D { pendingLine.removeLast() }
                queue(pendingLine)
            }
            pendingLine.removeAll(keepingCapacity: true)
            start = newline + 1
        }
    }

    /// Queues a complete line, or counts it when blank; past `maximumQueuedBytes` the flood event
    /// ends the queue.
    private func queue(_ line: Data) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            blankLines += 1
            return
        }
        queuedBytes += line.count + Self.eventOverheadBytes
        if queuedBytes > Self.maximumQueuedBytes {
            flooded = true
            events.append(.flooded)
        } else {
            events.append(.line(line))
        }
    }

    private func takeLinePart(_ part: Slice<UnsafeRawBufferPointer>) {
        guard !discardingOverlongLine, !flooded else { return }
        pendingLine.append(contentsOf: part)
        if pendingLine.count > Self.maximumLineBytes {
            events.append(.overlong(prefix: pendingLine.prefix(200)))
            pendingLine = Data()
            discardingOverlongLine = true
        }
    }

    /// Appends bytes read from stderr, keeping the last lines.
    func appendError(_ bytes: UnsafeRawBufferPointer) {
        condition.lock()
        defer { condition.unlock() }
        for byte in bytes {
            if byte == 0x0A {
                keepErrorLine()
            } else if pendingError.count < 4 * Self.tailLineCharacters {
                pendingError.append(byte)
            }
        }
    }

    private func keepErrorLine() {
        var line = String(decoding: pendingError, as: UTF8.self)
        pendingError = Data()
        if line.hasSuffix("\r") { line.removeLast() }
        if line.count > Self.tailLineCharacters { line = String(line.prefix(Self.tailLineCharacters)) + "…" }
        tail.append(line)
        if tail.count > Self.tailLines { tail.removeFirst(tail.count - Self.tailLines) }
    }

    /// Records that stdout (`isOutput`) or stderr reached its end.
    func markClosed(output isOutput: Bool) {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        if isOutput {
            if !outputClosed && !flooded && !pendingLine.isEmpty && !discardingOverlongLine { queue(pendingLine) }
            pendingLine = Data()
            outputClosed = true
        } else {
            if !errorClosed && !pendingError.isEmpty { keepErrorLine() }
            errorClosed = true
        }
    }

    /// Records how the child ended (called by the reaper thread).
    func recordTermination(_ value: ProcessTermination) {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        termination = value
    }

    /// Whether the reader thread should stop reading (the child is gone and its streams drained or abandoned).
    var isStopRequested: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopRequested
    }

    /// Tells the reader thread to stop at its next wake-up and close the streams.
    func requestStop() {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        stopRequested = true
    }

    // MARK: - read by the adapter

    /// The next stdout event, waiting until `deadline`; nil when the deadline passed first.
    /// After `.closed`, every further call returns `.closed`.
    func nextEvent(until deadline: ContinuousClock.Instant) -> ProcessOutputEvent? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if nextEvent < events.count {
                let event = events[nextEvent]
                nextEvent += 1
                if case .line(let line) = event { queuedBytes -= line.count + Self.eventOverheadBytes }
                if nextEvent == events.count { events.removeAll(keepingCapacity: true); nextEvent = 0 }
                return event
            }
            if outputClosed { return .closed }
            guard wait(until: deadline) else { return nil }
        }
    }

    /// How the child ended, waiting until `deadline`; nil while it still runs at the deadline.
    func termination(until deadline: ContinuousClock.Instant) -> ProcessTermination? {
        condition.lock()
        defer { condition.unlock() }
        while termination == nil {
            guard wait(until: deadline) else { return nil }
        }
        return termination
    }

    /// Waits until both streams reached their end or `deadline` passed; true when they did.
    @discardableResult
    func waitForStreamsClosed(until deadline: ContinuousClock.Instant) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !(outputClosed && errorClosed) {
            guard wait(until: deadline) else { return false }
        }
        return true
    }

    /// How many blank lines the child has written (dropped, not queued).
    var blankLineCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return blankLines
    }

    /// The last lines of stderr, joined by newlines (a partial last line included); nil when empty.
    var standardErrorTail: String? {
        condition.lock()
        defer { condition.unlock() }
        var lines = tail
        if !pendingError.isEmpty { lines.append(String(decoding: pendingError, as: UTF8.self)) }
        if lines.count > Self.tailLines { lines.removeFirst(lines.count - Self.tailLines) }
        let text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// One wait on the condition (lock held); false once `deadline` has passed.
    private func wait(until deadline: ContinuousClock.Instant) -> Bool {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return false }
        let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
        _ = condition.wait(until: Date(timeIntervalSinceNow: min(seconds, 3600)))
        return true
    }
}
