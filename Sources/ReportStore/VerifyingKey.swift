import Crypto
import Foundation

/// An Ed25519 public key that a verifier trusts to have signed reports.
///
/// Verification trusts only the keys the verifier names: the public key stored with a report
/// is compared with them, never trusted by itself.
public struct VerifyingKey: Sendable, Hashable {
    /// The 32-byte encoded Ed25519 point.
    public let rawRepresentation: Data

    /// `ed25519:` followed by the first 16 hex digits of SHA-256 of `rawRepresentation`.
    public let keyID: String

    /// The key whose 32 raw bytes are `rawRepresentation`; throws `.malformedKey` for other input.
    public init(rawRepresentation: Data) throws {
        do {
            self.init(validPublicKey: try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation))
        } catch {
            throw ReportStoreError.malformedKey(path: "<raw public key>", problem: "is not a 32-byte Ed25519 public key")
        }
    }

    init(validPublicKey key: Curve25519.Signing.PublicKey) {
        rawRepresentation = key.rawRepresentation
        keyID = Self.keyID(forRawPublicKey: key.rawRepresentation)
    }

    /// The key id of a raw public key: `ed25519:` + the first 16 hex digits of its SHA-256.
    public static func keyID(forRawPublicKey raw: Data) -> String {
        "ed25519:" + CanonicalJSON.hex(SHA256.hash(data: raw).prefix(8))
    }

    /// Loads a public key file (as written beside a private key by `SigningKey.generate(to:)`).
    public static func load(from url: URL) throws -> VerifyingKey {
        let raw = try KeyFile.decode(KeyFile.read(url), header: KeyFile.publicHeader, path: url.path)
        do {
            return try VerifyingKey(rawRepresentation: raw)
        } catch {
            throw ReportStoreError.malformedKey(path: url.path, problem: "does not hold a valid Ed25519 public key")
        }
    }

    /// Writes the public key file to `url` with mode 0644; never overwrites.
    public func write(to url: URL) throws {
        try KeyFile.createExclusively(url, contents: KeyFile.encode(header: KeyFile.publicHeader, raw: rawRepresentation), mode: 0o644)
    }

    /// Whether `signature` is a valid Ed25519 signature of `payload` by this key.
    public func isValidSignature(_ signature: Data, for payload: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: payload)
    }
}
