import Foundation

/// A `Codable` description of how to reach a model: the value audit specs will carry (SPEC §3).
///
/// JSON/YAML shape: `{"kind": "native", "path": "model.safetensors"}`,
/// `{"kind": "outputs", "path": "probs.npy", "ids": "ids.json", "values": "probabilities"}`,
/// `{"kind": "process", "command": ["python3", "adapter.py"], "timeout_seconds": 60}`.
public enum AdapterDescription: Codable, Equatable, Sendable {
    /// The built-in fusion model from a safetensors file.
    case native(NativeSettings)
    /// Precomputed probabilities or logits per example id.
    case outputs(OutputsSettings)
    /// An external model behind a command speaking the JSON-lines protocol.
    case process(ProcessSettings)

    public struct NativeSettings: Codable, Equatable, Sendable {
        public var path: String
        /// Pairs per forward pass.
        public var batchSize: Int = 512
        /// Score the model on a data set other than the one its metadata says it was trained on
        /// (refused otherwise).
        public var allowOtherData = false

        public init(path: String, batchSize: Int = 512, allowOtherData: Bool = false) {
            self.path = path
            self.batchSize = batchSize
            self.allowOtherData = allowOtherData
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case path, batchSize = "batch_size", allowOtherData = "allow_other_data" }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? 512
            allowOtherData = try container.decodeIfPresent(Bool.self, forKey: .allowOtherData) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(batchSize, forKey: .batchSize)
            if allowOtherData { try container.encode(true, forKey: .allowOtherData) }
        }
    }

    /// Whether stored rows are probabilities or logits (soft-maxed in f64 on load).
    public enum OutputValues: String, Codable, Sendable, CaseIterable {
        case probabilities
        case logits
    }

    public struct OutputsSettings: Codable, Equatable, Sendable {
        /// A `.npy` (with `ids`), `.safetensors` or `.csv` file.
        public var path: String
        /// For `.npy`: a JSON array or a text file (one id per line) naming each row's example id.
        public var ids: String?
        public var values: OutputValues = .probabilities

        public init(path: String, ids: String? = nil, values: OutputValues = .probabilities) {
            self.path = path
            self.ids = ids
            self.values = values
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case path, ids, values }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            ids = try container.decodeIfPresent(String.self, forKey: .ids)
            values = try container.decodeIfPresent(OutputValues.self, forKey: .values) ?? .probabilities
        }
    }

    public struct ProcessSettings: Codable, Equatable, Sendable {
        /// The program and its arguments (no shell).
        public var command: [String]
        /// Seconds to wait for the handshake and for each reply.
        public var timeoutSeconds: Double = 60
        /// Pairs per predict request.
        public var batchSize: Int = 256
        /// How feature arrays travel: "base64" (little-endian f32) or "json" (nested arrays).
        public var encoding: ArrayEncoding = .base64
        /// The child's working directory (default: the caller's).
        public var workingDirectory: String?

        public init(command: [String], timeoutSeconds: Double = 60, batchSize: Int = 256,
                    encoding: ArrayEncoding = .base64, workingDirectory: String? = nil) {
            self.command = command
            self.timeoutSeconds = timeoutSeconds
            self.batchSize = batchSize
            self.encoding = encoding
            self.workingDirectory = workingDirectory
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case command, timeoutSeconds = "timeout_seconds", batchSize = "batch_size", encoding
            case workingDirectory = "working_directory"
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            command = try container.decode([String].self, forKey: .command)
            timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 60
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? 256
            encoding = try container.decodeIfPresent(ArrayEncoding.self, forKey: .encoding) ?? .base64
            workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        }
    }

    public enum ArrayEncoding: String, Codable, Sendable, CaseIterable {
        case base64
        case json
    }

    enum CodingKeys: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "native": self = .native(try NativeSettings(from: decoder))
        case "outputs": self = .outputs(try OutputsSettings(from: decoder))
        case "process": self = .process(try ProcessSettings(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "unknown adapter kind '\(kind)'; use native, outputs or process")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .native(let settings):
            try container.encode("native", forKey: .kind)
            try settings.encode(to: encoder)
        case .outputs(let settings):
            try container.encode("outputs", forKey: .kind)
            try settings.encode(to: encoder)
        case .process(let settings):
            try container.encode("process", forKey: .kind)
            try settings.encode(to: encoder)
        }
    }

    /// The adapter kind's name.
    public var kind: String {
        switch self {
        case .native: "native"
        case .outputs: "outputs"
        case .process: "process"
        }
    }
}

/// Any string used as a coding key, for listing the keys a decoder holds.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws a `DecodingError` naming the first key of the decoder's object that is not `known` or "kind".
func rejectUnknownKeys(_ decoder: any Decoder, known: [String]) throws {
    let container = try decoder.container(keyedBy: AnyCodingKey.self)
    let allowed = Set(known + ["kind"])
    if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
        throw DecodingError.dataCorruptedError(forKey: AnyCodingKey(stringValue: unknown), in: container,
                                               debugDescription: "unknown key '\(unknown)'; allowed keys: \(allowed.sorted().joined(separator: ", "))")
    }
}
