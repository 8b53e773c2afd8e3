import Foundation

/// Where a new report links into the chain: the digest of the report before it and the signer.
public struct ChainLink: Equatable, Sendable {
    /// The digest of the current chain head; nil when the store is empty.
    public var previousDigest: String?
    /// The key id of the key that will sign the report.
    public var keyID: String

    /// A link to `previousDigest`, signed by `keyID`.
    public init(previousDigest: String?, keyID: String) {
        self.previousDigest = previousDigest
        self.keyID = keyID
    }
}

/// The values a store copies out of a payload into query columns, and the chain link the payload
/// records about itself.
///
/// These are derived from the payload, never supplied beside it, so they cannot disagree when a
/// report is stored; `verify` derives them again and reports any column that differs.
public struct ReportColumns: Equatable, Sendable {
    /// The gate's overall outcome (e.g. `pass`, `fail`, `inconclusive`), if the payload has one.
    public var verdict: String?
    /// The audit's name, if the payload has one.
    public var auditName: String?
    /// The metrics as JSON text (sorted keys), if the payload has them.
    public var metricsJSON: String?
    /// The predecessor digest and key id the payload records, or nil when it records neither.
    /// When present, storing and verifying check them against the row's chain columns.
    public var chainLink: ChainLink?

    /// Columns with the given values.
    public init(verdict: String? = nil, auditName: String? = nil, metricsJSON: String? = nil, chainLink: ChainLink? = nil) {
        self.verdict = verdict
        self.auditName = auditName
        self.metricsJSON = metricsJSON
        self.chainLink = chainLink
    }
}

/// Derives a payload's query columns; the store calls it when storing and when verifying.
///
/// It must be a pure function of the payload bytes (the same bytes always give the same columns).
public protocol ReportColumnDeriving: Sendable {
    /// The columns of `payload`; throws `ReportStoreError.invalidPayloadField` for a bad payload.
    func columns(of payload: Data) throws -> ReportColumns
}

/// Takes the columns from fields of a JSON object payload, each named by a key path.
///
/// A nil path leaves that column NULL. With a path, a missing field or JSON `null` gives NULL
/// for `verdict`, `auditName` and `metrics`, while `verdict` and `auditName` must otherwise be
/// strings. `metrics` may be any JSON value and is stored re-serialized with sorted keys. When
/// both `previousDigestPath` and `keyIDPath` are given, the payload's chain link is checked: the
/// key-id field must be a string and the previous-digest field must be present (null for the
/// first report).
public struct JSONFieldColumns: ReportColumnDeriving {
    /// Path of the verdict string, e.g. `["gate", "verdict"]`.
    public var verdictPath: [String]?
    /// Path of the audit name string.
    public var auditNamePath: [String]?
    /// Path of the metrics value.
    public var metricsPath: [String]?
    /// Path of the predecessor digest the payload records (string or null).
    public var previousDigestPath: [String]?
    /// Path of the signer key id the payload records.
    public var keyIDPath: [String]?

    /// A mapping from the given paths.
    public init(verdictPath: [String]? = nil, auditNamePath: [String]? = nil, metricsPath: [String]? = nil,
                previousDigestPath: [String]? = nil, keyIDPath: [String]? = nil) {
        self.verdictPath = verdictPath
        self.auditNamePath = auditNamePath
        self.metricsPath = metricsPath
        self.previousDigestPath = previousDigestPath
        self.keyIDPath = keyIDPath
    }

    /// The columns of a JSON object payload.
    public func columns(of payload: Data) throws -> ReportColumns {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed])
        } catch {
            throw ReportStoreError.invalidPayloadField(field: "<top level>", problem: "is not valid JSON")
        }
        guard root is [String: Any] else {
            throw ReportStoreError.invalidPayloadField(field: "<top level>", problem: "is not a JSON object")
        }
        var columns = ReportColumns()
        if let path = verdictPath { columns.verdict = try string(at: path, in: root) }
        if let path = auditNamePath { columns.auditName = try string(at: path, in: root) }
        if let path = metricsPath, let value = try value(at: path, in: root, required: false), !(value is NSNull) {
            guard let data = try? JSONSerialization.data(withJSONObject: value,
                                                         options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) else {
                throw ReportStoreError.invalidPayloadField(field: path.joined(separator: "."), problem: "cannot be re-encoded as JSON")
            }
            columns.metricsJSON = String(decoding: data, as: UTF8.self)
        }
        if let digestPath = previousDigestPath, let keyPath = keyIDPath {
            let previous = try value(at: digestPath, in: root, required: true)
            let previousDigest: String?
            switch previous {
            case is NSNull: previousDigest = nil
            case let text as String: previousDigest = text
            default:
                throw ReportStoreError.invalidPayloadField(field: digestPath.joined(separator: "."), problem: "is not a string or null")
            }
            guard let keyID = try value(at: keyPath, in: root, required: true) as? String else {
                throw ReportStoreError.invalidPayloadField(field: keyPath.joined(separator: "."), problem: "is not a string")
            }
            columns.chainLink = ChainLink(previousDigest: previousDigest, keyID: keyID)
        }
        return columns
    }

    private func string(at path: [String], in root: Any) throws -> String? {
        switch try value(at: path, in: root, required: false) {
        case nil, is NSNull: return nil
        case let text as String: return text
        default:
            throw ReportStoreError.invalidPayloadField(field: path.joined(separator: "."), problem: "is not a string")
        }
    }

    /// The value at `path`; nil when a key is missing (an error when `required`).
    private func value(at path: [String], in root: Any, required: Bool) throws -> Any? {
        var current = root
        for (depth, key) in path.enumerated() {
            guard let object = current as? [String: Any] else {
                throw ReportStoreError.invalidPayloadField(
                    field: path.prefix(depth).joined(separator: "."), problem: "is not a JSON object")
            }
            guard let next = object[key] else {
                if required {
                    throw ReportStoreError.invalidPayloadField(field: path.joined(separator: "."), problem: "is missing")
                }
                return nil
            }
            current = next
        }
        return current
    }
}
