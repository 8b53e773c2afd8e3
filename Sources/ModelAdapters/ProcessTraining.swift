import Foundation

/// What a child that can train announces in its hello (the trainer message set, version 1,
/// docs/adapter-protocol.md): its recipe and the digest of its code, which enter the cache key of
/// every model it trains, and the unlearning methods it implements.
public struct TrainerInfo: Equatable, Sendable {
    /// The trainer message set's version this miaudit speaks.
    public static let version = 1
    /// The recipe as canonical JSON (sorted keys).
    public let recipe: String
    public let codeDigest: String
    public let methods: [String]

    public init(recipe: String, codeDigest: String, methods: [String]) {
        self.recipe = recipe
        self.codeDigest = codeDigest
        self.methods = methods
    }
}

/// One train request: train a model on `train` (example ids of the data set at `data`) from
/// `seed`, or start from the saved model at `start`; then, optionally, apply an unlearning method;
/// save the result in the directory `output`.
public struct TrainOrder: Equatable, Sendable {
    public struct Unlearn: Equatable, Sendable {
        public var method: String
        public var forget: [String]
        public var retain: [String]
        public var seed: UInt64

        public init(method: String, forget: [String], retain: [String], seed: UInt64) {
            self.method = method
            self.forget = forget
            self.retain = retain
            self.seed = seed
        }
    }

    public var data: String
    public var seed: UInt64
    public var train: [String]?
    public var start: String?
    public var unlearn: Unlearn?
    public var output: String

    public init(data: String, seed: UInt64, train: [String]?, start: String?, unlearn: Unlearn?, output: String) {
        self.data = data
        self.seed = seed
        self.train = train
        self.start = start
        self.unlearn = unlearn
        self.output = output
    }
}

extension ProcessAdapter {
    /// What the child announced about training; nil when it cannot train.
    public var trainer: TrainerInfo? { hello.trainer }

    /// Asks the child to serve the model saved in `directory` (a train request's `out`); returns the
    /// model's id and digest as the child reports them. Later predict requests go to that model.
    /// - Throws: `AdapterError` naming the request (the child is then stopped).
    @discardableResult
    public func load(_ directory: String) throws -> (id: String, digest: String) {
        lock.lock()
        defer { lock.unlock() }
        try checkTrainerOpen()
        let number = nextRequest
        nextRequest += 1
        do {
            return try Self.exchange(on: channel, send: ProcessRequests.load(request: number, path: directory), timeout: timeout) {
                line throws(ProtocolViolation) in try ProcessReplies.loaded(from: line, request: number)
            }
        } catch {
            let failure = Self.stop(channel, after: error, adapter: name, request: "load request \(number) (\(directory))",
                                    timeoutSeconds: settings.timeoutSeconds)
            state = .failed(failure.problem)
            throw failure
        }
    }

    /// Throws unless the adapter is open and its child announced a trainer (lock held).
    private func checkTrainerOpen() throws {
        try checkOpen()
        guard hello.trainer != nil else {
            throw AdapterError(adapter: name, problem: "the child did not announce a trainer in its hello, so it cannot train or load models",
                               fix: "add the trainer message set to the adapter (docs/adapter-protocol.md)", exitStatus: .usage)
        }
    }

    /// Sends one train request and waits up to `timeoutSeconds` for its `trained` reply; returns
    /// the digest the child reports for the saved model.
    /// - Throws: `AdapterError` naming the request (the child is then stopped, as for predict).
    public func train(_ order: TrainOrder, timeoutSeconds: Double) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        try checkTrainerOpen()
        let number = nextRequest
        nextRequest += 1
        let timeout = Duration.milliseconds(Int64((timeoutSeconds * 1000).rounded(.up)))
        do {
            return try Self.exchange(on: channel, send: ProcessRequests.train(request: number, order), timeout: timeout) {
                line throws(ProtocolViolation) in try ProcessReplies.trained(from: line, request: number)
            }
        } catch {
            let what = order.start != nil ? "from \(order.start!)" : "on \(order.train?.count ?? 0) examples"
            let failure = Self.stop(channel, after: error, adapter: name,
                                    request: "train request \(number) (\(what)\(order.unlearn.map { ", then \($0.method)" } ?? ""))",
                                    timeoutSeconds: timeoutSeconds)
            state = .failed(failure.problem)
            throw failure
        }
    }
}
