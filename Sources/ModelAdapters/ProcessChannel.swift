import Diagnostics
import Foundation
import NumericCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a child could not be started: the problem, the fix and the exit status to report.
struct ProcessStartFailure: Error {
    let problem: String
    let fix: String
    let exitStatus: SysExit
}

/// A running child with its stdin, stdout and stderr connected (no shell in between).
///
/// stdin is one end of a Unix socket pair rather than a pipe: writes use `send` with
/// `MSG_NOSIGNAL` (`SO_NOSIGPIPE` on Darwin), so a child that died mid-request gives `EPIPE`
/// instead of a SIGPIPE that would kill miaudit, and `shutdown` signals end-of-input even when
/// another process inherited the descriptor. stdout and stderr are pipes read by one thread
/// (`ProcessOutputCollector`). Not thread-safe: the owner serialises calls.
final class ProcessChannel {
    /// What the child wrote and how it ended.
    let output = ProcessOutputCollector()
    /// The child's process id.
    let processIdentifier: Int32
    private let process: Process
    private var inputDescriptor: Int32
    private var reaped = false

    /// Starts `command` (program and arguments; the program found on PATH unless it has a '/'),
    /// in `workingDirectory` when given.
    init(command: [String], workingDirectory: String?) throws(ProcessStartFailure) {
        let executable = try Self.resolve(command, workingDirectory: workingDirectory)
        var pair: [Int32] = [-1, -1]
        #if canImport(Darwin)
        let made = socketpair(AF_UNIX, SOCK_STREAM, 0, &pair)
        #else
        let made = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair)
        #endif
        guard made == 0 else {
            throw ProcessStartFailure(problem: "could not create the child's stdin (\(String(cString: strerror(errno))))",
                                      fix: "check the system's limits on open files", exitStatus: .ioError)
        }
        for descriptor in pair { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(pair[0], SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        let childInput = FileHandle(fileDescriptor: pair[1], closeOnDealloc: true)
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        let process = Process()
        process.executableURL = executable
        process.arguments = Array(command.dropFirst())
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardInput = childInput
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let collector = output
        process.terminationHandler = { finished in
            collector.recordTermination(ProcessTermination(reason: finished.terminationReason, status: finished.terminationStatus))
        }
        do {
            try process.run()
        } catch {
            try? childInput.close()
            _ = close(pair[0])
            throw ProcessStartFailure(problem: "\(executable.path) could not be started (\(error.localizedDescription))",
                                      fix: "check that it is an executable program for this system", exitStatus: .noInput)
        }
        try? childInput.close()
        self.process = process
        self.inputDescriptor = pair[0]
        self.processIdentifier = process.processIdentifier
        let reading = outputPipe.fileHandleForReading
        let errors = errorPipe.fileHandleForReading
        let thread = Thread { ProcessChannel.read(output: reading, errors: errors, into: collector) }
        thread.name = "miaudit process adapter reader"
        thread.start()
    }

    /// The program to run: `command[0]` if it contains '/', relative to `workingDirectory` (or the
    /// current directory); otherwise the first executable of that name on PATH.
    static func resolve(_ command: [String], workingDirectory: String?) throws(ProcessStartFailure) -> URL {
        guard let program = command.first, !program.isEmpty else {
            throw ProcessStartFailure(problem: "the command is empty", fix: "give the program and its arguments, e.g. python3 adapter.py", exitStatus: .usage)
        }
        let files = FileManager.default
        let base = workingDirectory ?? files.currentDirectoryPath
        var candidates: [String]
        if program.contains("/") {
            candidates = [program.hasPrefix("/") ? program : URL(fileURLWithPath: base).appendingPathComponent(program).path]
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            candidates = path.split(separator: ":", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? base : String($0) }
                .map { URL(fileURLWithPath: $0).appendingPathComponent(program).path }
        }
        var isDirectory: ObjCBool = false
        if let found = candidates.first(where: { files.isExecutableFile(atPath: $0) && files.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue }) {
            return URL(fileURLWithPath: found)
        }
        if program.contains("/"), files.fileExists(atPath: candidates[0]) {
            throw ProcessStartFailure(problem: "\(candidates[0]) is not an executable file",
                                      fix: "make it executable (chmod +x) or run it through its interpreter, e.g. python3 \(program)", exitStatus: .noInput)
        }
        let place = program.contains("/") ? "at \(candidates[0])" : "on PATH"
        throw ProcessStartFailure(problem: "the program '\(program)' was not found \(place)",
                                  fix: "install it, or give its full path", exitStatus: .noInput)
    }

    /// How a `send` ended.
    enum SendResult: Equatable {
        case sent
        case timedOut
        /// The child no longer reads its stdin (errno, e.g. EPIPE).
        case failed(Int32)
    }

    /// Writes `bytes` to the child's stdin, waiting while the child does not read, until `deadline`.
    func send(_ bytes: Data, until deadline: ContinuousClock.Instant) -> SendResult {
        guard inputDescriptor >= 0 else { return .failed(EPIPE) }
        let descriptor = inputDescriptor
        #if canImport(Darwin)
        let flags: Int32 = 0
        #else
        let flags = Int32(MSG_NOSIGNAL)
        #endif
        return bytes.withUnsafeBytes { raw -> SendResult in
            guard let base = raw.baseAddress else { return .sent }
            var offset = 0
            while offset < raw.count {
                let written = socketSend(descriptor, base + offset, raw.count - offset, flags)
                if written > 0 { offset += written; continue }
                let code = errno
                if written < 0 && code == EINTR { continue }
                guard written < 0 && (code == EAGAIN || code == EWOULDBLOCK) else { return .failed(code) }
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { return .timedOut }
                var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                let milliseconds = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                _ = poll(&request, 1, Int32(max(1, min(milliseconds, 200))))
            }
            return .sent
        }
    }

    /// Signals end-of-input to the child and releases the parent's end. Idempotent.
    func closeInput() {
        guard inputDescriptor >= 0 else { return }
        _ = shutdown(inputDescriptor, Int32(SHUT_WR))
        _ = close(inputDescriptor)
        inputDescriptor = -1
    }

    /// Ends the child and reaps it: closes its stdin, gives it `grace` to exit on its own, then
    /// SIGTERM and up to 2 s, then SIGKILL; waits for the exit and (briefly) for its streams to
    /// drain, so that the stderr tail is complete. Idempotent. Returns how the child ended.
    @discardableResult
    func stop(grace: Duration) -> ProcessTermination? {
        closeInput()
        if !reaped {
            let clock = ContinuousClock()
            if output.termination(until: clock.now + grace) == nil, process.isRunning {
                _ = kill(processIdentifier, SIGTERM)
                if output.termination(until: clock.now + .seconds(2)) == nil, process.isRunning {
                    _ = kill(processIdentifier, SIGKILL)
                }
            }
            process.waitUntilExit()
            _ = output.termination(until: clock.now + .seconds(2))
            reaped = true
            // A grandchild may hold the streams open; do not wait for it beyond a moment.
            output.waitForStreamsClosed(until: clock.now + .milliseconds(500))
            output.requestStop()
        }
        return output.termination(until: .now)
    }

    deinit {
        stop(grace: .zero)
    }

    /// The reader thread: polls stdout and stderr, hands bytes to `collector`, and closes both
    /// streams at their end or when the collector asks it to stop.
    private static func read(output: FileHandle, errors: FileHandle, into collector: ProcessOutputCollector) {
        var open = [true, true]
        var descriptors = [pollfd(fd: output.fileDescriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: errors.fileDescriptor, events: Int16(POLLIN), revents: 0)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while (open[0] || open[1]) && !collector.isStopRequested {
            for k in 0..<2 { descriptors[k].fd = open[k] ? (k == 0 ? output : errors).fileDescriptor : -1 }
            let ready = poll(&descriptors, 2, 200)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            for k in 0..<2 where open[k] && descriptors[k].revents != 0 {
                let count = readBytes(descriptors[k].fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                    if k == 0 { collector.appendOutput(bytes) } else { collector.appendError(bytes) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[k] = false
                    collector.markClosed(output: k == 0)
                }
            }
        }
        collector.markClosed(output: true)
        collector.markClosed(output: false)
        try? output.close()
        try? errors.close()
    }
}

/// `send(2)`, named apart from `ProcessChannel.send`.
private func socketSend(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(descriptor, bytes, count, flags)
}

/// `read(2)`, named apart from `ProcessChannel.read`.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
