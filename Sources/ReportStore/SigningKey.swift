import Crypto
import Foundation

/// An Ed25519 private key that signs report payloads.
///
/// On disk it is a key file (format in `KeyFile`: a header line and base64 of the 32 raw bytes)
/// with mode 0600, and its public key sits beside it as `NAME.pub`. The private key never
/// enters a report or the store: only the signature, key id and public key do.
public struct SigningKey: Sendable {
    private let privateKey: Curve25519.Signing.PrivateKey

    /// The public half, which verifiers name to trust this key.
    public let verifyingKey: VerifyingKey

    /// `ed25519:` followed by the first 16 hex digits of SHA-256 of the raw public key.
    public var keyID: String { verifyingKey.keyID }

    /// A fresh random key held only in memory (use `generate(to:)` to keep one).
    public init() {
        self.init(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The key whose 32-byte RFC 8032 seed is `rawRepresentation`.
    public init(rawRepresentation: Data) throws {
        do {
            self.init(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation))
        } catch {
            throw ReportStoreError.malformedKey(path: "<raw private key>", problem: "is not a 32-byte Ed25519 seed")
        }
    }

    private init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        // A valid private key always has a valid 32-byte public key.
        self.verifyingKey = VerifyingKey(validPublicKey: privateKey.publicKey)
    }

    /// Where the public key of the private key file `url` is written: `url` + `.pub`.
    public static func publicKeyURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".pub")
    }

    /// Creates a new key, writes it to `url` (mode 0600) and its public key to `url.pub` (0644).
    ///
    /// Neither file is ever overwritten: if either exists, this throws `.keyFileExists`. The
    /// private key file is created with mode 0600 from the start (never readable by others,
    /// even briefly).
    public static func generate(to url: URL) throws -> SigningKey {
        let publicURL = publicKeyURL(for: url)
        for existing in [url, publicURL] where FileManager.default.fileExists(atPath: existing.path) {
            throw ReportStoreError.keyFileExists(path: existing.path)
        }
        let key = SigningKey()
        try KeyFile.createExclusively(
            url, contents: KeyFile.encode(header: KeyFile.privateHeader, raw: key.privateKey.rawRepresentation), mode: 0o600)
        do {
            try key.verifyingKey.write(to: publicURL)
        } catch {
            // Keep the pair together: a private key without its public file is removed again.
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return key
    }

    /// Loads the private key file at `url`, refusing one that group or other users may access.
    public static func load(from url: URL) throws -> SigningKey {
        let mode = try KeyFile.permissions(of: url)
        guard mode & 0o077 == 0 else { throw ReportStoreError.keyFileTooOpen(path: url.path, mode: mode) }
        let raw = try KeyFile.decode(KeyFile.read(url), header: KeyFile.privateHeader, path: url.path)
        do {
            return SigningKey(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            throw ReportStoreError.malformedKey(path: url.path, problem: "does not hold a valid Ed25519 key")
        }
    }

    /// The 64-byte Ed25519 signature of `payload`.
    public func signature(for payload: Data) throws -> Data {
        do {
            return try privateKey.signature(for: payload)
        } catch {
            throw ReportStoreError.encodingFailed(reason: "Ed25519 signing failed: \(error)")
        }
    }
}
