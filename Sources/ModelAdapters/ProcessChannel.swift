import CProcessSpawn
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

/// A running child with its stdin, stdout and stderr connected (no shell in between), in a process
/// group of its own.
///
/// The child is started with `posix_spawn` as the leader of a new process group, so that everything
/// it starts (a wrapper script's children, data-loader workers) can be signalled together, and it
/// is reaped by `waitpid` on a thread of its own: neither waits on a descriptor that a grandchild
/// may have inherited. stdin is one end of a Unix socket pair rather than a pipe: writes use `send`
/// with `MSG_NOSIGNAL` (`SO_NOSIGPIPE` on Darwin), so a child that died mid-request gives `EPIPE`
/// instead of a SIGPIPE that would kill miaudit, and `shutdown` signals end-of-input even when
/// another process inherited the descriptor. stdout and stderr are pipes read by one thread
/// (`ProcessOutputCollector`); once the child has exited, they count as closed within half a second
/// even if a grandchild still holds them. Not thread-safe: the owner serialises calls.
final class ProcessChannel {
    /// What the child wrote and how it ended.
    let output = ProcessOutputCollector()
    /// The child's process id, which is also its process group's id.
    let processIdentifier: Int32
    private var inputDescriptor: Int32
    private var stopped = false

    /// Starts `command` (program and arguments; the program found on PATH unless it has a '/'),
    /// in `workingDirectory` when given.
    init(command: [String], workingDirectory: String?) throws(ProcessStartFailure) {
        let executable = try Self.resolve(command, workingDirectory: workingDirectory)
        if let workingDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workingDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ProcessStartFailure(problem: "the working directory \(workingDirectory) does not exist",
                                          fix: "create it, or give an existing directory", exitStatus: .noInput)
            }
        }
        var pair: [Int32] = [-1, -1]
        #if canImport(Darwin)
        let made = socketpair(AF_UNIX, SOCK_STREAM, 0, &pair)
        #else
        let made = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair)
        #endif
        guard made == 0 else { throw Self.limitFailure("stdin", errno) }
        for descriptor in pair { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(pair[0], SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        let closeAll = { for descriptor in pair + outputPipe + errorPipe where descriptor >= 0 { _ = close(descriptor) } }
        var code = miaudit_pipe(&outputPipe)
        if code == 0 { code = miaudit_pipe(&errorPipe) }
        guard code == 0 else {
            closeAll()
            throw Self.limitFailure("stdout and stderr", code)
        }
        var pid: pid_t = 0
        let arguments = [executable.path] + command.dropFirst()
        code = Self.withCStrings(arguments) { argv in
            if let workingDirectory {
                return miaudit_spawn(executable.path, argv, workingDirectory, pair[1], outputPipe[1], errorPipe[1], &pid)
            }
            return miaudit_spawn(executable.path, argv, nil, pair[1], outputPipe[1], errorPipe[1], &pid)
        }
        for descriptor in [pair[1], outputPipe[1], errorPipe[1]] { _ = close(descriptor) }
        guard code == 0 else {
            for descriptor in [pair[0], outputPipe[0], errorPipe[0]] { _ = close(descriptor) }
            throw ProcessStartFailure(problem: "\(executable.path) could not be started (\(String(cString: strerror(code))))",
                                      fix: "check that it is an executable program for this system", exitStatus: .noInput)
        }
        self.inputDescriptor = pair[0]
        self.processIdentifier = pid
        let collector = output
        let (reading, errors) = (outputPipe[0], errorPipe[0])
        let reader = Thread { ProcessChannel.read(output: reading, errors: errors, into: collector) }
        reader.name = "miaudit process adapter reader"
        reader.start()
        let child = pid
        let reaper = Thread { ProcessChannel.reap(child, into: collector) }
        reaper.name = "miaudit process adapter reaper"
        reaper.start()
    }

    private static func limitFailure(_ what: String, _ code: Int32) -> ProcessStartFailure {
        ProcessStartFailure(problem: "could not create the child's \(what) (\(String(cString: strerror(code))))",
                            fix: "check the system's limits on open files", exitStatus: .ioError)
    }

    /// Calls `body` with `strings` as a NULL-terminated array of C strings.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) } + [nil]
        defer { for copy in copies { free(copy) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// The reaper thread: waits for the child's exit, records it, and — since a grandchild may
    /// hold stdout and stderr open — stops the reader after the streams had half a second to drain.
    private static func reap(_ pid: Int32, into collector: ProcessOutputCollector) {
        var signalled: Int32 = 0
        var code: Int32 = 0
        let result = miaudit_wait(pid, 1, &signalled, &code)
        // ECHILD cannot happen for a child only this thread reaps; record it as a kill if it does.
        collector.recordTermination(result == 0 ? ProcessTermination(signalled: signalled != 0, status: code)
                                                : ProcessTermination(signalled: true, status: SIGKILL))
        collector.waitForStreamsClosed(until: .now + .milliseconds(500))
        collector.requestStop()
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
    /// SIGTERM to its process group and up to 2 s, then SIGKILL; waits for its exit and (briefly)
    /// for its streams to drain, so that the stderr tail is complete. Whatever else is left in the
    /// group (background processes the child started) gets SIGTERM, up to a second, then SIGKILL.
    /// Idempotent. Returns how the child ended.
    @discardableResult
    func stop(grace: Duration) -> ProcessTermination? {
        closeInput()
        if !stopped {
            stopped = true
            let clock = ContinuousClock()
            if output.termination(until: clock.now + grace) == nil {
                signalGroup(SIGTERM)
                if output.termination(until: clock.now + .seconds(2)) == nil {
                    signalGroup(SIGKILL)
                    _ = output.termination(until: clock.now + .seconds(10))
                }
            }
            if signalGroup(SIGTERM) {
                let deadline = clock.now + .seconds(1)
                while groupExists && clock.now < deadline { usleep(20_000) }
                signalGroup(SIGKILL)
            }
            output.waitForStreamsClosed(until: clock.now + .milliseconds(500))
            output.requestStop()
        }
        return output.termination(until: .now)
    }

    /// Sends `signal` to every process in the child's group; false when the group is empty.
    @discardableResult
    private func signalGroup(_ signal: Int32) -> Bool {
        kill(-processIdentifier, signal) == 0
    }

    /// Whether any process (a zombie included) is left in the child's group.
    private var groupExists: Bool { kill(-processIdentifier, 0) == 0 }

    deinit {
        stop(grace: .zero)
    }

    /// The reader thread: polls stdout and stderr, hands bytes to `collector`, and closes both
    /// streams at their end or when the collector asks it to stop.
    private static func read(output: Int32, errors: Int32, into collector: ProcessOutputCollector) {
        var open = [true, true]
        var descriptors = [pollfd(fd: output, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: errors, events: Int16(POLLIN), revents: 0)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while (open[0] || open[1]) && !collector.isStopRequested {
            for k in 0..<2 { descriptors[k].fd = open[k] ? (k == 0 ? output : errors) : -1 }
            let ready = poll(&descriptors, 2, 200)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            for k in 0..<2 where open[k] && descriptors[k].revents != 0 {
                let count = readBytes(descriptors[k].fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                    if k == 0 { collector.appendOutput(bytes) } else { collector.appendError(bytes) }
                    // A child that writes without pause would otherwise keep the collector's lock
                    // nearly always held: let a waiting request (and its timeout) take it.
                    sched_yield()
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[k] = false
                    collector.markClosed(output: k == 0)
                }
            }
        }
        // Stopped while a grandchild holds a stream: take what is already there (a bounded amount).
        for _ in 0..<16 where open[0] || open[1] {
            for k in 0..<2 { descriptors[k].fd = open[k] ? (k == 0 ? output : errors) : -1 }
            guard poll(&descriptors, 2, 0) > 0 else { break }
            for k in 0..<2 where open[k] && descriptors[k].revents != 0 {
                let count = readBytes(descriptors[k].fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                    if k == 0 { collector.appendOutput(bytes) } else { collector.appendError(bytes) }
                } else {
                    open[k] = false
                }
            }
        }
        collector.markClosed(output: true)
        collector.markClosed(output: false)
        _ = close(output)
        _ = close(errors)
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
