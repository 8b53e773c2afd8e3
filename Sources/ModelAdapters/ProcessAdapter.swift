import AuditData
import Foundation
import NumericCore

/// An external model behind a command, spoken to over stdin/stdout in JSON lines: protocol
/// version 1, described in docs/adapter-protocol.md (SPEC §3).
///
/// Opening starts the command (no shell) and completes the handshake; `probabilities(for:in:)`
/// sends the queries in predict requests of `batchSize` pairs; `close()` says bye and reaps the
/// child. Every wait is bounded by `timeoutSeconds` (the handshake, and each request from sending
/// it to reading its reply). Any failure — a timeout, the child exiting or crashing, a garbage,
/// short or malformed reply, an error reply — stops and reaps the child and throws an
/// `AdapterError` naming the adapter and the request, with the tail of the child's stderr; the
/// adapter then refuses further requests.
///
/// Thread safety: `@unchecked Sendable` because every mutable part (the child, the request counter,
/// the open/failed/closed state) is used only with `lock` held; one exchange runs at a time.
public final class ProcessAdapter: ModelAdapter, @unchecked Sendable {
    /// The feature widths announced in the hello (`inputs.image.features`, `inputs.text.features`).
    public struct InputWidths: Equatable, Sendable {
        public var imageFeatures: Int
        public var textFeatures: Int
        /// The data set's task, announced in the hello.
        public var task: String = DataSetManifest.imageTextMatching
        /// The class names a classification child must announce, in column order; nil for
        /// image–text matching (whose classes are fixed).
        public var classes: [String]?

        public init(imageFeatures: Int, textFeatures: Int, task: String = DataSetManifest.imageTextMatching, classes: [String]? = nil) {
            self.imageFeatures = imageFeatures
            self.textFeatures = textFeatures
            self.task = task
            self.classes = classes
        }

        /// The widths of a data set's image rows and text embeddings, its task and (for
        /// classification) its classes.
        public init(_ dataSet: PairDataSet) {
            self.init(imageFeatures: dataSet.images.columns, textFeatures: dataSet.texts.columns, task: dataSet.task,
                      classes: dataSet.isClassification ? dataSet.classes : nil)
        }
    }

    /// What the child announced: kind "process", its model id, digest and classes.
    public let identity: AdapterIdentity
    /// How the adapter was opened.
    public let settings: AdapterDescription.ProcessSettings
    /// The widths announced in the hello; requests for a data set of other widths are refused.
    public let inputs: InputWidths?
    /// The child's process id (for logs; the child is gone after `close()`).
    public let processIdentifier: Int32
    /// "process <command>", as errors name the adapter.
    public let name: String

    let hello: ProcessHello
    let timeout: Duration
    let lock = NSLock()
    let channel: ProcessChannel
    var nextRequest = 1
    var state = State.open

    enum State {
        case open
        case failed(String)
        case closed
    }

    /// Starts the command and completes the handshake without announcing feature widths.
    public convenience init(settings: AdapterDescription.ProcessSettings) throws {
        try self.init(settings: settings, inputs: nil)
    }

    /// Starts the command and completes the handshake, announcing `inputs` when given (pass
    /// `InputWidths(dataSet)` when the data set is known, so the child can refuse a mismatch early).
    ///
    /// Throws `AdapterError`: `.usage` for a bad timeout or batch size, `.noInput` when the program
    /// cannot be found or started, and `.data` / `.ioError` for a failed handshake.
    public init(settings: AdapterDescription.ProcessSettings, inputs: InputWidths?) throws {
        let name = "process " + settings.command.joined(separator: " ")
        guard settings.timeoutSeconds.isFinite, settings.timeoutSeconds > 0, settings.timeoutSeconds <= 86_400 else {
            throw AdapterError(adapter: name, problem: "timeout_seconds is \(settings.timeoutSeconds)",
                               fix: "use a timeout between 0 and 86400 seconds", exitStatus: .usage)
        }
        guard settings.batchSize >= 1 else {
            throw AdapterError(adapter: name, problem: "batch_size is \(settings.batchSize)", fix: "use at least 1 pair per request", exitStatus: .usage)
        }
        let channel: ProcessChannel
        do {
            channel = try ProcessChannel(command: settings.command, workingDirectory: settings.workingDirectory)
        } catch {
            throw AdapterError(adapter: name, problem: error.problem, fix: error.fix, exitStatus: error.exitStatus)
        }
        let timeout = Duration.milliseconds(Int64((settings.timeoutSeconds * 1000).rounded(.up)))
        let hello: ProcessHello
        do {
            hello = try Self.exchange(on: channel, send: ProcessRequests.hello(inputs: inputs, encoding: settings.encoding),
                                      timeout: timeout) { line throws(ProtocolViolation) in try ProcessReplies.hello(from: line) }
        } catch {
            throw Self.stop(channel, after: error, adapter: name, request: "handshake", timeoutSeconds: settings.timeoutSeconds)
        }
        let expected = inputs?.classes ?? matchingClasses
        guard hello.classes == expected else {
            let error = inputs?.classes == nil
                ? ProtocolViolation(problem: "the child announced \(hello.classes.count) classes \(hello.classes) but image-text matching has 2, [\"no_match\", \"match\"] in that order",
                                    fix: "announce \"classes\": [\"no_match\", \"match\"] and order the columns the same way")
                : ProtocolViolation(problem: "the child announced the classes \(hello.classes) but the data set's are \(expected)",
                                    fix: "announce the classes the hello request lists, in that order, and order the columns the same way")
            throw Self.stop(channel, after: .violation(error), adapter: name, request: "handshake", timeoutSeconds: settings.timeoutSeconds)
        }
        self.name = name
        self.settings = settings
        self.inputs = inputs
        self.timeout = timeout
        self.channel = channel
        self.hello = hello
        self.processIdentifier = channel.processIdentifier
        identity = AdapterIdentity(kind: "process", modelID: hello.modelID, digest: hello.digest, classes: hello.classes)
    }

    /// Probability rows for `queries`, in order, asked of the child in requests of `batchSize` pairs.
    ///
    /// Image features are the data set's scaled pixel rows (stored value / pixel_scale, not
    /// centred); text features are the caption or paraphrase embedding per the query's view.
    public func probabilities(for queries: [PairQuery], in dataSet: PairDataSet) throws -> [[Double]] {
        lock.lock()
        defer { lock.unlock() }
        try checkOpen()
        try checkCompatible(queries, dataSet)
        var result: [[Double]] = []
        result.reserveCapacity(queries.count)
        // Request k + 1 is encoded while the child answers request k (one request outstanding).
        var next = queries.isEmpty ? nil : prepareRequest(queries, from: 0, in: dataSet)
        while let current = next {
            next = nil
            do {
                result += try Self.exchange(on: channel, send: current.line, timeout: timeout, meanwhile: {
                    if current.end < queries.count { next = prepareRequest(queries, from: current.end, in: dataSet) }
                }, parse: { [hello] line throws(ProtocolViolation) in
                    try ProcessReplies.result(from: line, request: current.number, rows: current.count, hello: hello)
                })
            } catch {
                let failure = Self.stop(channel, after: error, adapter: name, request: "predict request \(current.number) (\(current.count) pairs)",
                                        timeoutSeconds: settings.timeoutSeconds)
                state = .failed(failure.problem)
                throw failure
            }
        }
        return result
    }

    /// Throws unless the adapter is open: closed, or stopped after an earlier failure (lock held).
    func checkOpen() throws {
        switch state {
        case .open: break
        case .closed:
            throw AdapterError(adapter: name, problem: "the adapter was closed", fix: "open a new adapter", exitStatus: .software)
        case .failed(let earlier):
            throw AdapterError(adapter: name, problem: "the child was stopped after an earlier error (\(earlier))", fix: "open a new adapter")
        }
    }

    /// A predict request ready to send: its number, the pairs it covers and its line.
    private struct PreparedRequest {
        let number: Int
        let count: Int
        /// The index in the queries after its last pair.
        let end: Int
        let line: Data
    }

    /// Numbers and encodes the request for the `batchSize` queries from `start` (lock held).
    private func prepareRequest(_ queries: [PairQuery], from start: Int, in dataSet: PairDataSet) -> PreparedRequest {
        let batch = Array(queries[start..<min(start + settings.batchSize, queries.count)])
        let number = nextRequest
        nextRequest += 1
        let (images, texts) = Self.features(of: batch, in: dataSet)
        let imageRows = acceptsPixels ? ImageRows(images, scale: dataSet.manifest.pixelScale) : .float32(images)
        let line = ProcessRequests.predict(request: number, examples: batch.map { $0.exampleID(in: dataSet) },
                                           images: imageRows, texts: texts, encoding: settings.encoding)
        return PreparedRequest(number: number, count: batch.count, end: start + batch.count, line: line)
    }

    /// Sends bye, closes the child's stdin and reaps it (SIGTERM after 2 s, SIGKILL 2 s later). Idempotent.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if case .open = state {
            _ = channel.send(ProcessRequests.bye, until: .now + min(timeout, .seconds(2)))
        }
        state = .closed
        channel.stop(grace: .seconds(2))
    }

    deinit {
        close()
    }

    /// Whether image rows may travel as pixel bytes: the child reads "u8" and arrays go as base64.
    private var acceptsPixels: Bool { settings.encoding == .base64 && hello.inputDTypes.contains("u8") }

    private func checkCompatible(_ queries: [PairQuery], _ dataSet: PairDataSet) throws {
        if let inputs, inputs != InputWidths(dataSet) {
            throw AdapterError(adapter: name, problem: "the child was opened for \(inputs.imageFeatures) image and \(inputs.textFeatures) text features but \(dataSet.manifestPath) has \(dataSet.images.columns) and \(dataSet.texts.columns)",
                               fix: "open the adapter with this data set's widths", exitStatus: .usage)
        }
        if identity.classes != dataSet.classes {
            throw AdapterError(adapter: name, problem: "the child answers the classes \(identity.classes) but \(dataSet.manifestPath) (task \(dataSet.task)) has \(dataSet.classes)",
                               fix: "open the adapter for this data set", exitStatus: .usage)
        }
        try PairQuery.checkRange(queries, in: dataSet, adapter: name)
        if dataSet.paraphrases == nil, queries.contains(where: { $0.view == .paraphrase }) {
            throw AdapterError(adapter: name, problem: "\(dataSet.manifestPath) has no paraphrases",
                               fix: "score caption pairs only, or add a paraphrases array to the data set", exitStatus: .usage)
        }
    }

    /// The image rows ([n, F_image], scaled) and text rows ([n, F_text], caption or paraphrase) of `batch`.
    static func features(of batch: [PairQuery], in dataSet: PairDataSet) -> (images: Matrix, texts: Matrix) {
        let images = dataSet.images.gatherRows(batch.map(\.image))
        let width = dataSet.texts.columns
        var texts = Matrix(rows: batch.count, columns: width, uninitialized: ())
        texts.storage.withUnsafeMutableBufferPointer { target in
            for (k, query) in batch.enumerated() {
                // checkCompatible has ensured that paraphrase queries come with paraphrases.
                let source = query.view == .caption ? dataSet.texts : (dataSet.paraphrases ?? dataSet.texts)
                source.storage.withUnsafeBufferPointer { rows in
                    for c in 0..<width { target[k * width + c] = rows[query.text * width + c] }
                }
            }
        }
        return (images, texts)
    }
}
