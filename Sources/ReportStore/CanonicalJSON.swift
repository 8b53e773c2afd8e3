import Crypto
import Foundation

/// The canonical encoding of reports: the exact bytes that are signed, hashed and stored.
///
/// A report is encoded once with `JSONEncoder` using `[.sortedKeys, .withoutEscapingSlashes]`
/// and no pretty printing, so there is no insignificant whitespace. Dates are ISO 8601 strings
/// (whole seconds, UTC) and `Data` is base64. **Non-finite doubles are rejected**, not encoded
/// as strings: a NaN AUC is a bug or an undefined value, and an undefined value should be an
/// optional that encodes as `null`, so the error names the field path (e.g. `results[2].auc`).
///
/// The bytes are never re-encoded afterwards: verification hashes and checks the stored bytes,
/// so a later change in `JSONEncoder`'s number formatting cannot invalidate old reports.
public enum CanonicalJSON {
    /// The canonical payload of `report`; throws `.nonFiniteNumber` naming the field path.
    public static func encode(_ report: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.dataEncodingStrategy = .base64
        encoder.nonConformingFloatEncodingStrategy = .throw
        do {
            return try encoder.encode(report)
        } catch let EncodingError.invalidValue(value, context) {
            let nonFinite = (value as? Double).map { !$0.isFinite } ?? (value as? Float).map { !$0.isFinite } ?? false
            if nonFinite {
                throw ReportStoreError.nonFiniteNumber(field: fieldPath(context.codingPath))
            }
            throw ReportStoreError.encodingFailed(
                reason: "field '\(fieldPath(context.codingPath))': \(context.debugDescription)")
        } catch {
            throw ReportStoreError.encodingFailed(reason: String(describing: error))
        }
    }

    /// The lowercase hex SHA-256 of `payload`: a report's digest.
    public static func digest(of payload: Data) -> String {
        hex(SHA256.hash(data: payload))
    }

    /// A coding path as `a.b[2].c`; `<top level>` when empty.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "<top level>" }
        var result = ""
        for key in path {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == String(index) {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return result
    }

    /// Lowercase hex of a byte sequence.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
