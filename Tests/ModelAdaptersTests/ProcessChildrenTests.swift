import AuditData
import Foundation
@testable import ModelAdapters
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Children that do what real ones do: leave background processes behind (data-loader workers, a
/// wrapper script that forks) and flood stdout. None may hang miaudit or grow its memory without
/// bound. The time limits catch a hang; nothing here asserts a speed.
@Suite("process adapter with real children", .enabled(if: ProcessTestSupport.hasPython && ProcessTestSupport.small != nil))
struct ProcessChildrenTests {
    /// Whether `pid` has ended: no such process, or (Linux) a zombie waiting for its new parent.
    static func hasEnded(_ pid: Int32) -> Bool {
        if ProcessTestSupport.isGone(pid) { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// The pid written to `file`, waiting briefly for the writer.
    static func pid(in file: URL) throws -> Int32 {
        for _ in 0..<100 {
            if let text = try? String(contentsOf: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            usleep(20_000)
        }
        throw CocoaError(.fileReadNoSuchFile)
    }

    /// Opens `command` behind leaves_background.sh (which leaves a sleeper holding stdout and writes
    /// its pid to the returned file), with a 600 s timeout.
    func openBehindWrapper(_ command: [String], in directory: URL, dataSet: PairDataSet) throws -> (ProcessAdapter, URL) {
        let sleeperFile = directory.appendingPathComponent("sleeper")
        let settings = AdapterDescription.ProcessSettings(
            command: [ProcessTestSupport.fixture("leaves_background.sh"), sleeperFile.path] + command, timeoutSeconds: 600)
        return (try ProcessAdapter(settings: settings, inputs: .init(dataSet)), sleeperFile)
    }

    @Test("a wrapper that leaves a background process holding stdout neither hangs miaudit nor outlives it",
          .timeLimit(.minutes(1)))
    func backgroundProcessIsStoppedWithTheChild() throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (adapter, sleeperFile) = try openBehindWrapper(
            [python, ProcessTestSupport.root.appendingPathComponent("examples/two_tower_adapter.py").path], in: directory, dataSet: dataSet)
        let rows = try adapter.probabilities(forRows: Array(0..<10), in: dataSet)
        let sleeper = try Self.pid(in: sleeperFile)
        #expect(!Self.hasEnded(sleeper), "the background process should run while the adapter is open")
        // The adapter and the sleeper share one process group, led by the adapter.
        #expect(getpgid(sleeper) == adapter.processIdentifier)
        #expect(getpgid(adapter.processIdentifier) == adapter.processIdentifier)
        adapter.close()
        #expect(rows.count == 10 && rows.allSatisfy { $0.count == 2 && abs($0[0] + $0[1] - 1) < 1e-12 })
        #expect(ProcessTestSupport.isGone(adapter.processIdentifier))
        #expect(Self.hasEnded(sleeper), "background process \(sleeper) outlived the adapter")
    }

    @Test("a child that exits mid-request while a background process holds its stdout is reported as exited, not timed out",
          .timeLimit(.minutes(1)))
    func exitIsSeenThroughAnInheritedStdout() throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A 600 s timeout: only the exit itself can end this request within the time limit.
        let (adapter, sleeperFile) = try openBehindWrapper(
            [python, ProcessTestSupport.fixture("exits.py"), directory.appendingPathComponent("pid").path, "status"],
            in: directory, dataSet: dataSet)
        let error = #expect(throws: AdapterError.self) { try adapter.probabilities(forRows: [0, 1, 2], in: dataSet) }
        adapter.close()
        #expect(error?.problem == "the child exited with status 3 before replying")
        #expect(error?.standardErrorTail?.hasSuffix("MemoryError: cannot allocate the batch") == true)
        #expect(Self.hasEnded(try Self.pid(in: sleeperFile)))
    }

    @Test("a child flooding blank lines hits the timeout and is stopped", .timeLimit(.minutes(1)))
    func blankLineFloodTimesOut() throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("pid")
        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.fixture("floods.py"), pidFile.path, "blank"], timeoutSeconds: 2)
        let adapter = try ProcessAdapter(settings: settings, inputs: .init(dataSet))
        let error = #expect(throws: AdapterError.self) { try adapter.probabilities(forRows: [0, 1, 2], in: dataSet) }
        adapter.close()
        let problem = try #require(error?.problem)
        #expect(problem.hasPrefix("no reply within 2 s (timeout); the child was stopped (it wrote "), "\(problem)")
        #expect(problem.hasSuffix(" blank lines instead)"))
        // The fixture writes blank lines in chunks of 2^19; at least one chunk arrived.
        let count = problem.split(separator: " ").compactMap { Int($0) }.last ?? 0
        #expect(count >= 1 << 19, "\(problem)")
        #expect(error?.standardErrorTail == "answering with a flood")
        #expect(Self.hasEnded(try Self.pid(in: pidFile)))
    }

    @Test("blank lines are counted, never queued")
    func blankLinesAreNotQueued() {
        let collector = ProcessOutputCollector()
        let chunk = [UInt8](repeating: 0x0A, count: 1 << 18) + Array(" \t\r\n".utf8)
        for _ in 0..<4 { chunk.withUnsafeBytes { collector.appendOutput($0) } }
        #expect(collector.blankLineCount == 4 * ((1 << 18) + 1))
        #expect(collector.nextEvent(until: .now).map { _ in true } == nil, "blank lines were queued")
        Array("{\"type\":\"x\"}\n".utf8).withUnsafeBytes { collector.appendOutput($0) }
        guard case .line(let line)? = collector.nextEvent(until: .now) else {
            Issue.record("the reply after the blank lines was lost")
            return
        }
        #expect(String(decoding: line, as: UTF8.self) == "{\"type\":\"x\"}")
    }

    @Test("a flood of short lines is cut at the queue bound, each line counted with its overhead")
    func shortLineFloodIsBounded() {
        let collector = ProcessOutputCollector()
        let chunk = [UInt8](repeating: 0, count: 1 << 20).enumerated().map { $0.offset % 2 == 0 ? UInt8(ascii: "x") : 0x0A }
        // 2^19 one-byte lines per chunk; the bound admits maximumQueuedBytes / (1 + overhead) of them.
        let admitted = ProcessOutputCollector.maximumQueuedBytes / (1 + ProcessOutputCollector.eventOverheadBytes)
        for _ in 0..<(admitted >> 19) + 2 { chunk.withUnsafeBytes { collector.appendOutput($0) } }
        var lines = 0
        var flooded = false
        while let event = collector.nextEvent(until: .now) {
            if case .line = event { lines += 1; continue }
            if case .flooded = event { flooded = true }
            break
        }
        #expect(flooded)
        #expect(lines == admitted)
    }
}
