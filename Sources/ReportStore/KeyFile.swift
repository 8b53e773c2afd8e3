#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The key file format and the POSIX file handling behind it.
///
/// A key file is two lines of ASCII text:
/// ```
/// miaudit-ed25519-private-key-v1
/// <base64 of the 32 raw key bytes>
/// ```
/// (`miaudit-ed25519-public-key-v1` for public keys). The raw bytes are swift-crypto's
/// `rawRepresentation`: the RFC 8032 seed for a private key, the encoded point for a public key.
enum KeyFile {
    static let privateHeader = "miaudit-ed25519-private-key-v1"
    static let publicHeader = "miaudit-ed25519-public-key-v1"

    /// The file text for `raw` under `header`.
    static func encode(header: String, raw: Data) -> Data {
        Data((header + "\n" + raw.base64EncodedString() + "\n").utf8)
    }

    /// The 32 raw bytes of a key file whose first line must be `header`.
    static func decode(_ data: Data, header: String, path: String) throws -> Data {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReportStoreError.malformedKey(path: path, problem: "is not UTF-8 text")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count == 2, lines[0] == header else {
            let other = header == privateHeader ? publicHeader : privateHeader
            if lines.first == other {
                throw ReportStoreError.malformedKey(
                    path: path, problem: "holds a \(other == publicHeader ? "public" : "private") key where a "
                        + "\(header == publicHeader ? "public" : "private") key was expected")
            }
            throw ReportStoreError.malformedKey(
                path: path, problem: "is not a key file (expected the line '\(header)' and one base64 line)")
        }
        guard let raw = Data(base64Encoded: lines[1]), raw.count == 32 else {
            throw ReportStoreError.malformedKey(path: path, problem: "the key line is not base64 of 32 bytes")
        }
        return raw
    }

    /// Reads a key file, distinguishing a missing file from an unreadable one.
    static func read(_ url: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ReportStoreError.missingKey(path: url.path)
        }
        guard !isDirectory.boolValue else {
            throw ReportStoreError.unreadableKey(path: url.path, reason: "it is a directory")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ReportStoreError.unreadableKey(path: url.path, reason: errnoReason(error))
        }
    }

    /// The permission bits (`0o777` mask) of the file at `url`.
    static func permissions(of url: URL) throws -> UInt16 {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let code = errno
            if code == ENOENT { throw ReportStoreError.missingKey(path: url.path) }
            throw ReportStoreError.unreadableKey(path: url.path, reason: String(cString: strerror(code)))
        }
        return UInt16(info.st_mode & 0o777)
    }

    /// Creates `url` holding `contents` with permission bits exactly `mode`.
    ///
    /// The bytes go to a temporary file in the same directory that is created with `O_EXCL` and
    /// `mode` (so it never has wider permissions, even briefly), flushed with `fsync`, then
    /// hard-linked to `url`, which fails if `url` exists: a key is never overwritten and a crash
    /// never leaves a partial key at `url`.
    static func createExclusively(_ url: URL, contents: Data, mode: UInt16) throws {
        let path = url.path
        if FileManager.default.fileExists(atPath: path) { throw ReportStoreError.keyFileExists(path: path) }
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw cannotWrite(path, errno) }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            // umask can only have removed bits; set the exact mode in case it removed owner bits.
            guard fchmod(fd, mode_t(mode)) == 0 else { throw cannotWrite(path, errno) }
            try contents.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw cannotWrite(path, errno)
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw cannotWrite(path, errno) }
        }
        if link(temporary, path) != 0 {
            let code = errno
            if code == EEXIST { throw ReportStoreError.keyFileExists(path: path) }
            // File systems without hard links: fall back to a rename after re-checking.
            guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EXDEV else {
                throw cannotWrite(path, code)
            }
            if FileManager.default.fileExists(atPath: path) { throw ReportStoreError.keyFileExists(path: path) }
            guard rename(temporary, path) == 0 else { throw cannotWrite(path, errno) }
            succeeded = true
            return
        }
        unlink(temporary)
        succeeded = true
    }

    private static func cannotWrite(_ path: String, _ code: Int32) -> ReportStoreError {
        .cannotWriteKey(path: path, reason: String(cString: strerror(code)))
    }

    private static func errnoReason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
