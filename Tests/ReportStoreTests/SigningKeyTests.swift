import Foundation
import NumericCore
import ReportStore
import Testing

@Suite("Signing keys")
struct SigningKeyTests {
    private func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private func hexData(_ hex: String) -> Data {
        var bytes = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index ..< next], radix: 16)!)
            index = next
        }
        return Data(bytes)
    }

    @Test func generatedPrivateKeyHasMode0600AndPublicKeyBesideIt() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("signer.key")
            let key = try SigningKey.generate(to: url)
            #expect(try mode(url) == 0o600)
            let publicURL = directory.appendingPathComponent("signer.key.pub")
            #expect(SigningKey.publicKeyURL(for: url) == publicURL)
            #expect(try mode(publicURL) == 0o644)
            // Nothing else (no temporary files) is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["signer.key", "signer.key.pub"])

            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.hasPrefix("miaudit-ed25519-private-key-v1\n"))
            #expect(text.split(separator: "\n").count == 2)

            let loaded = try SigningKey.load(from: url)
            #expect(loaded.keyID == key.keyID)
            #expect(try VerifyingKey.load(from: publicURL) == key.verifyingKey)
            let payload = Data("payload".utf8)
            #expect(key.verifyingKey.isValidSignature(try loaded.signature(for: payload), for: payload))
        }
    }

    @Test func keyIDIsSHA256PrefixOfRawPublicKey() throws {
        let key = SigningKey()
        let expected = "ed25519:" + CanonicalJSON.digest(of: key.verifyingKey.rawRepresentation).prefix(16)
        #expect(key.keyID == expected)
        #expect(key.keyID.count == "ed25519:".count + 16)
    }

    @Test func rfc8032TestVector1() throws {
        let key = try SigningKey(rawRepresentation: hexData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.verifyingKey.rawRepresentation == hexData("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        #expect(key.keyID == "ed25519:21fe31dfa154a261")
        let signature = hexData("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.verifyingKey.isValidSignature(signature, for: Data()))
        #expect(!key.verifyingKey.isValidSignature(signature, for: Data([0])))
        #expect(!SigningKey().verifyingKey.isValidSignature(signature, for: Data()))
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func refusesPrivateKeyReadableByOthers(permissions: Int) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("open.key")
            _ = try SigningKey.generate(to: url)
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: url.path)
            let error = #expect(throws: ReportStoreError.self) { try SigningKey.load(from: url) }
            #expect(error == .keyFileTooOpen(path: url.path, mode: UInt16(permissions)))
            #expect(error?.description.contains("chmod 600 \(url.path)") == true)
            #expect(error?.exitStatus == .data)
        }
    }

    @Test func neverOverwritesAKey() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("signer.key")
            let first = try SigningKey.generate(to: url)
            let error = #expect(throws: ReportStoreError.self) { try SigningKey.generate(to: url) }
            #expect(error == .keyFileExists(path: url.path))
            #expect(error?.exitStatus == .cannotCreate)
            #expect(try SigningKey.load(from: url).keyID == first.keyID)
        }
    }

    @Test func missingAndMalformedKeyFiles() throws {
        try withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("none.key")
            #expect(throws: ReportStoreError.missingKey(path: missing.path)) { try SigningKey.load(from: missing) }

            let url = directory.appendingPathComponent("signer.key")
            _ = try SigningKey.generate(to: url)
            let publicURL = SigningKey.publicKeyURL(for: url)
            // A public key file offered as a private key (after making it private) is refused.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: publicURL.path)
            let error = #expect(throws: ReportStoreError.self) { try SigningKey.load(from: publicURL) }
            #expect(error?.description.contains("holds a public key where a private key was expected") == true)

            let garbage = directory.appendingPathComponent("garbage.key")
            #expect(FileManager.default.createFile(atPath: garbage.path, contents: Data("miaudit-ed25519-private-key-v1\nAAAA\n".utf8),
                                           attributes: [.posixPermissions: 0o600]))
            #expect(throws: ReportStoreError.malformedKey(path: garbage.path, problem: "the key line is not base64 of 32 bytes")) {
                try SigningKey.load(from: garbage)
            }
        }
    }
}
