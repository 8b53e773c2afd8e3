import AuditData
import Diagnostics
import Foundation
import ModelAdapters
import NumericCore
import Testing

/// Misbehaving children (Fixtures/process/*.py): every failure is an `AdapterError` naming the
/// adapter and the request, quoting the child's stderr tail, and leaving no child behind.
@Suite("process adapter failures", .enabled(if: ProcessTestSupport.hasPython && ProcessTestSupport.small != nil))
struct ProcessAdapterFailureTests {
    /// What a failed run left: the error, the child's pid (from its pid file) and the seconds it took.
    struct Outcome {
        let error: AdapterError
        let pid: Int32?
        let seconds: Double
        let command: String
    }

    /// Runs fixture `script` with `mode`; opens the adapter and asks for `rows` true pairs of the
    /// small fixture in batches of `batchSize`; returns the error that must come.
    func fail(_ script: String, _ mode: String? = nil, rows: [Int] = [0, 1, 2], batchSize: Int = 256,
              timeout: Double = 10) throws -> Outcome {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("pid")
        let command = [python, ProcessTestSupport.fixture(script), pidFile.path] + (mode.map { [$0] } ?? [])
        let settings = AdapterDescription.ProcessSettings(command: command, timeoutSeconds: timeout, batchSize: batchSize)
        let start = ContinuousClock.now
        var caught: AdapterError?
        do {
            let adapter = try ProcessAdapter(settings: settings, inputs: .init(dataSet))
            defer { adapter.close() }
            _ = try adapter.probabilities(forRows: rows, in: dataSet)
        } catch let error as AdapterError {
            caught = error
        }
        let elapsed = start.duration(to: .now)
        let error = try #require(caught, "\(script) \(mode ?? "") did not fail")
        let pid = (try? String(contentsOf: pidFile, encoding: .utf8)).flatMap { Int32($0) }
        #expect(pid != nil, "the child wrote no pid file")
        if let pid { #expect(ProcessTestSupport.isGone(pid), "child \(pid) is still there") }
        #expect(error.adapter == "process " + command.joined(separator: " "))
        #expect(error.description.hasPrefix("process \(python) \(ProcessTestSupport.fixture(script))"))
        return Outcome(error: error, pid: pid, seconds: Double(elapsed.components.seconds), command: command.joined(separator: " "))
    }

    @Test("a child silent at the handshake times out and is killed")
    func silentHandshake() throws {
        let outcome = try fail("sleeps.py", "handshake", timeout: 1)
        #expect(outcome.error.request == "handshake")
        #expect(outcome.error.problem.contains("no reply within 1 s (timeout)"))
        #expect(outcome.error.standardErrorTail == "warming up the model")
        #expect(outcome.seconds < 10)
    }

    @Test("a child silent during a request times out and is killed")
    func silentRequest() throws {
        let outcome = try fail("sleeps.py", "predict", timeout: 1)
        #expect(outcome.error.request == "predict request 1 (3 pairs)")
        #expect(outcome.error.problem.contains("timeout"))
        #expect(outcome.error.description.contains("The child's stderr ended with: thinking very hard about request 1"))
        #expect(outcome.error.exitStatus == .ioError)
        #expect(outcome.seconds < 10)
    }

    @Test("a child that stops reading its stdin times out while miaudit sends, and is killed")
    func deafChild() throws {
        // 256 pairs of f32 features (about 4.7 MB as base64) cannot fit in the socket's buffer.
        let outcome = try fail("sleeps.py", "deaf", rows: Array(0..<256), timeout: 1)
        #expect(outcome.error.request == "predict request 1 (256 pairs)")
        #expect(outcome.error.problem == "the child did not read the request within 1 s and was stopped")
        #expect(outcome.error.standardErrorTail == "not listening any more")
        #expect(outcome.seconds < 10)
    }

    @Test("a child that exits mid-request is reported with its status and stderr",
          arguments: [("status", "exited with status 3"), ("signal", "was killed by signal 11 (SIGSEGV)")])
    func exitsMidRequest(mode: String, ending: String) throws {
        let outcome = try fail("exits.py", mode)
        #expect(outcome.error.request == "predict request 1 (3 pairs)")
        #expect(outcome.error.problem == "the child \(ending) before replying")
        #expect(outcome.error.standardErrorTail?.hasSuffix("MemoryError: cannot allocate the batch") == true)
    }

    @Test("a child that exits before the handshake is reported with its status and stderr")
    func exitsEarly() throws {
        let outcome = try fail("exits.py", "early")
        #expect(outcome.error.request == "handshake")
        #expect(outcome.error.problem == "the child exited with status 2 before replying")
        #expect(outcome.error.standardErrorTail == "cannot open model.safetensors: No such file or directory")
    }

    @Test("only the last 20 lines of a flood of stderr are kept")
    func stderrTailIsBounded() throws {
        let outcome = try fail("exits.py", "flood")
        let lines = outcome.error.standardErrorTail?.split(separator: "\n") ?? []
        #expect(lines.count == 20)
        #expect(lines.last == "last words: out of memory")
        #expect(lines.first?.hasPrefix("log line 4981 ") == true)
    }

    @Test("a garbage line is quoted (first 200 characters)",
          arguments: [("text", "is not JSON: 'Loading checkpoint shards: 100%|###"), ("array", "is not a JSON object: '[[0"),
                      ("type", "of type 'banana' where a 'result' reply was due"),
                      ("request", "answering request 99 where request 1 was due")])
    func garbage(mode: String, fragment: String) throws {
        let outcome = try fail("garbage.py", mode)
        #expect(outcome.error.request == "predict request 1 (3 pairs)")
        #expect(outcome.error.problem.contains("garbage line"))
        #expect(outcome.error.problem.contains(fragment), "\(outcome.error.problem)")
        #expect(outcome.error.problem.count < 400)
        #expect(outcome.error.standardErrorTail == "printing garbage now")
    }

    @Test("a result of the wrong size or encoding is refused",
          arguments: [("rows", "'logits' has 2 rows but the request had 3 examples"),
                      ("columns", "'logits' has 3 columns but the hello announced 2 classes"),
                      ("base64", "'logits' data is not valid base64"),
                      ("bytes", "'logits' data holds 12 bytes but shape [3, 2] of f32 needs 24")])
    func wrongSize(mode: String, fragment: String) throws {
        let outcome = try fail("wrong_rows.py", mode)
        #expect(outcome.error.request == "predict request 1 (3 pairs)")
        #expect(outcome.error.problem.contains(fragment), "\(outcome.error.problem)")
        #expect(outcome.error.standardErrorTail == "answering 3 examples (\(mode))")
    }

    @Test("control characters in what a child sends are escaped, and long text is cut")
    func untrustedTextIsEscaped() {
        #expect(UntrustedText.escaped("a\u{1B}[31mred\r\nb\tc\u{7F}") == "a\\u{1B}[31mred\\r\\nb\\tc\\u{7F}")
        #expect(UntrustedText.escaped("one\ntwo\rthree", keepNewlines: true) == "one\ntwo\\rthree")
        #expect(UntrustedText.escaped(String(repeating: "x", count: 5_000), limit: 10) == "xxxxxxxxxx… (4990 more characters)")
        let error = AdapterError(adapter: "process x", problem: "it failed", fix: "fix it",
                                 standardErrorTail: "\u{1B}[2J" + String(repeating: "y", count: 5_000))
        #expect(!error.description.contains("\u{1B}"))
        #expect(error.description.count < 2_200)
    }

    @Test("an error reply is quoted, naming the request it answered")
    func errorReply() throws {
        let outcome = try fail("error_reply.py", rows: [0, 1, 2], batchSize: 2)
        #expect(outcome.error.request == "predict request 2 (1 pairs)")
        #expect(outcome.error.problem == "the child replied with an error: 'CUDA out of memory'")
        #expect(outcome.error.standardErrorTail == "allocating 12 GiB on the GPU failed")
    }

    @Test("a bad hello fails the handshake",
          arguments: [("version", "the child speaks protocol version 2 but miaudit speaks version 1"),
                      ("missing", "the hello reply lacks 'model.id'"),
                      ("classes", "the child announced 3 classes"),
                      // JSON true is not the number 1, though Foundation would cast it to one.
                      ("boolean", "the hello reply has no integer 'protocol'"),
                      // The model id goes to terminals and reports: no escape sequences.
                      ("escapes", "'model.id' is 'evil\\u{1B}[2J\\rmodel', which holds control characters")])
    func badHello(mode: String, fragment: String) throws {
        let outcome = try fail("wrong_version.py", mode)
        #expect(outcome.error.request == "handshake")
        #expect(outcome.error.problem.contains(fragment), "\(outcome.error.problem)")
        #expect(outcome.error.standardErrorTail == "miaudit said hello with protocol 1")
    }

    @Test("after a failure the adapter refuses further requests")
    func failedAdapterRefuses() throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.fixture("wrong_rows.py"), directory.appendingPathComponent("pid").path, "rows"])
        let adapter = try ProcessAdapter(settings: settings)
        #expect(throws: AdapterError.self) { try adapter.probabilities(forRows: [0, 1], in: dataSet) }
        let again = #expect(throws: AdapterError.self) { try adapter.probabilities(forRows: [0], in: dataSet) }
        #expect(again?.problem.hasPrefix("the child was stopped after an earlier error ('logits' has 1 rows") == true)
        adapter.close()
    }

    @Test("a program that does not exist is a no-input error", arguments: [["miaudit-no-such-program-7f3a", "x"], ["./no/such/adapter.py"]])
    func programNotFound(command: [String]) throws {
        let error = #expect(throws: AdapterError.self) { try ProcessAdapter(settings: .init(command: command)) }
        #expect(error?.exitStatus == .noInput)
        #expect(error?.adapter == "process " + command.joined(separator: " "))
        #expect(error?.problem.contains("was not found") == true)
    }

    @Test("a file that is not executable is a no-input error naming the fix")
    func notExecutable() throws {
        let script = ProcessTestSupport.fixture("sleeps.py")
        let error = #expect(throws: AdapterError.self) { try ProcessAdapter(settings: .init(command: [script])) }
        #expect(error?.exitStatus == .noInput)
        #expect(error?.description.contains("is not an executable file; make it executable (chmod +x) or run it through its interpreter") == true)
    }
}
