import Foundation

/// How a model was unlearned, stored in its metadata under `miaudit.unlearning`.
public struct UnlearningRecord: Codable, Equatable, Sendable {
    public static let key = "miaudit.unlearning"
    public let method: String
    public let settings: [String: String]
    public let seed: UInt64
    public let forget: String
    public let retain: String
    public let dataSetDigest: String
    public let original: String
    public let originalDigest: String
    public let seconds: Double
    public let threads: Int
    public let tool: String
    public let report: MultiDeleteReport?

    public init(method: String, settings: [String: String], seed: UInt64, forget: String, retain: String, dataSetDigest: String,
                original: String, originalDigest: String, seconds: Double, threads: Int, tool: String, report: MultiDeleteReport?) {
        self.method = method
        self.settings = settings
        self.seed = seed
        self.forget = forget
        self.retain = retain
        self.dataSetDigest = dataSetDigest
        self.original = original
        self.originalDigest = originalDigest
        self.seconds = seconds
        self.threads = threads
        self.tool = tool
        self.report = report
    }

    enum CodingKeys: String, CodingKey {
        case method, settings, seed, forget, retain, original, seconds, threads, tool, report
        case dataSetDigest = "data_set_sha256", originalDigest = "original_sha256"
    }

    /// Canonical JSON (sorted keys), as stored in a model file's metadata.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
