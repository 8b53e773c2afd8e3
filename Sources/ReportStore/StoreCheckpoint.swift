import Foundation

/// A signed statement of a store's head at one moment: how many reports it held, the newest one's
/// id and digest, when, and by whose key (as transparency logs publish their tree heads).
///
/// An auditor keeps a checkpoint away from the store, or hands it to the audited party. Because
/// every report records its predecessor's digest, a store that still holds the witnessed head
/// still holds everything before it; `SignedReportStore.check(_:)` fails when it does not, which
/// catches removed newest reports, an emptied or truncated store and a lost WAL.
///
/// The file is canonical JSON (sorted keys) of the statement's fields plus `signature` (hex), an
/// Ed25519 signature over the canonical JSON of the fields without it.
public struct StoreCheckpoint: Codable, Equatable, Sendable {
    public static let formatName = "miaudit-checkpoint"
    public static let currentVersion = 1

    public var format: String = StoreCheckpoint.formatName
    public var version: Int = StoreCheckpoint.currentVersion
    /// Reports in the store; report ids run 1…count.
    public var reports: Int64
    /// The newest report's id (equal to `reports`) and digest; nil for an empty store.
    public var headID: Int64?
    public var headDigest: String?
    /// When the checkpoint was made, ISO 8601 UTC.
    public var createdAt: String
    /// The signer's key id and raw public key (hex).
    public var keyID: String
    public var publicKey: String
    /// Hex Ed25519 signature over `signedBytes()`; empty until signed.
    public var signature: String = ""

    enum CodingKeys: String, CodingKey {
        case format, version, reports, signature
        case headID = "head_id", headDigest = "head_digest", createdAt = "created_at", keyID = "key_id", publicKey = "public_key"
    }

    /// The bytes the signature covers: the canonical JSON of every field but `signature`.
    public func signedBytes() throws -> Data {
        var unsigned = self
        unsigned.signature = ""
        let object = try JSONSerialization.jsonObject(with: try CanonicalJSON.encode(unsigned)) as? [String: Any] ?? [:]
        let stripped = object.filter { $0.key != CodingKeys.signature.rawValue }
        return try JSONSerialization.data(withJSONObject: stripped, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The checkpoint as written to a file: canonical JSON and a final newline.
    public func fileBytes() throws -> Data {
        try CanonicalJSON.encode(self) + Data("\n".utf8)
    }

    /// Reads a checkpoint file; `path` names it in errors.
    public static func read(_ data: Data, path: String) throws -> StoreCheckpoint {
        guard let checkpoint = try? JSONDecoder().decode(StoreCheckpoint.self, from: data) else {
            throw ReportStoreError.malformedCheckpoint(path: path, problem: "is not a checkpoint (a JSON object written by miaudit report checkpoint)")
        }
        guard checkpoint.format == formatName, checkpoint.version == currentVersion else {
            throw ReportStoreError.malformedCheckpoint(path: path, problem: "is format \(checkpoint.format) version \(checkpoint.version), not \(formatName) version \(currentVersion)")
        }
        return checkpoint
    }

    /// Whether the signature is valid and made by one of `trustedKeys` (the key it names must be one).
    public func isSigned(byOneOf trustedKeys: [VerifyingKey]) throws -> Bool {
        guard let key = trustedKeys.first(where: { $0.keyID == keyID }),
              key.rawRepresentation.map({ String(format: "%02x", $0) }).joined() == publicKey,
              let signature = Data(hex: signature) else { return false }
        return key.isValidSignature(signature, for: try signedBytes())
    }
}

extension SignedReportStore {
    /// A checkpoint of the store's current head, signed with `signingKey`.
    public func checkpoint(signingKey: SigningKey, at date: Date = Date()) throws -> StoreCheckpoint {
        let head = try head()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var checkpoint = StoreCheckpoint(reports: head?.id ?? 0, headID: head?.id, headDigest: head?.digest,
                                         createdAt: formatter.string(from: date), keyID: signingKey.keyID,
                                         publicKey: signingKey.verifyingKey.rawRepresentation.map { String(format: "%02x", $0) }.joined())
        checkpoint.signature = try signingKey.signature(for: try checkpoint.signedBytes()).map { String(format: "%02x", $0) }.joined()
        return checkpoint
    }

    /// What is wrong with the store against `checkpoint`, one sentence each; empty when the store
    /// still holds the witnessed head (and so, through the chain, everything before it).
    public func check(_ checkpoint: StoreCheckpoint, path: String) throws -> [String] {
        guard let headID = checkpoint.headID, let digest = checkpoint.headDigest else { return [] }
        let witnessed = "checkpoint \(path) witnessed \(checkpoint.reports) report\(checkpoint.reports == 1 ? "" : "s") at \(checkpoint.createdAt)"
        guard let report = try report(id: headID) else {
            let now = try head()?.id ?? 0
            return ["\(location) no longer holds report \(headID) (digest \(digest.prefix(12))…), the head \(witnessed); it holds \(now): "
                    + "reports were removed"]
        }
        guard report.digest == digest else {
            return ["report \(headID) in \(location) has digest \(report.digest.prefix(12))… but \(witnessed) with digest \(digest.prefix(12))… "
                    + "as its head: the report was replaced"]
        }
        return []
    }
}

extension Data {
    /// Bytes from lowercase or uppercase hex, or nil for anything else.
    init?(hex: String) {
        guard hex.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
