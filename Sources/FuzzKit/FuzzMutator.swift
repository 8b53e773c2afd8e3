import Foundation
import NumericCore

/// A deterministic, seeded mutator of corpus inputs, for fixed-count fuzz runs without libFuzzer
/// (the test suite's smoke runs).
///
/// Each call to `next()` picks a corpus input and applies one to four mutations: a bit flip, a
/// random byte, inserted random bytes, a deleted range, a duplicated or repeated range, a splice
/// with another corpus input, an interesting integer (0, ±1, 2^7…2^64 − 1, the input's length)
/// written as 1, 2, 4 or 8 little-endian bytes, an interesting token (a huge or negative number,
/// a quote, a bracket, an escape), or a truncation. Output is capped at `maximumLength` bytes.
/// The same seed and corpus give the same inputs. No coverage feedback: libFuzzer does that.
public struct FuzzMutator {
    private var random: RandomSource
    private let corpus: [Data]
    /// The longest input produced.
    public let maximumLength: Int

    static let interestingIntegers: [UInt64] = [
        0, 1, 2, 7, 8, 16, 64, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
        UInt64.max, UInt64.max - 1,
    ]
    static let interestingTokens: [String] = [
        "0", "-1", "1", "-0", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999", "1e999", "-1e999", "1e-999", "NaN", "inf", "0.5", "1.0000001",
        "\"", "'", "\\", "\\u", "\\uD800", "\\u0000", "{", "}", "[", "]", "(", ")", ",", ":", "\n", "\r\n", "\0", "\u{FEFF}",
        "null", "true", "false", "[]", "{}", "&a", "*a", "<<: *a", "- ", "!!binary", "\t", "é", "\u{1F600}",
    ]

    /// A mutator over `corpus` (an empty corpus starts from the empty input).
    public init(seed: UInt64, corpus: [Data], maximumLength: Int = 4096) {
        precondition(maximumLength > 0, "maximumLength must be positive, got \(maximumLength)")
        self.random = RandomSource(seed: seed)
        self.corpus = corpus.isEmpty ? [Data()] : corpus
        self.maximumLength = maximumLength
    }

    /// The next mutated input.
    public mutating func next() -> Data {
        var bytes = [UInt8](corpus[below(corpus.count)])
        for _ in 0...below(4) { mutate(&bytes) }
        if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
        return Data(bytes)
    }

    private mutating func below(_ bound: Int) -> Int {
        Int(random.next() % UInt64(max(bound, 1)))
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let position = below(bytes.count + 1)
        switch below(11) {
        case 0 where !bytes.isEmpty:
            bytes[position % bytes.count] ^= 1 << UInt8(below(8))
        case 1 where !bytes.isEmpty:
            bytes[position % bytes.count] = UInt8(truncatingIfNeeded: random.next())
        case 2:
            bytes.insert(contentsOf: (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: position)
        case 3 where !bytes.isEmpty:
            let start = position % bytes.count
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(16)))
        case 4 where !bytes.isEmpty:
            let start = position % bytes.count
            let chunk = bytes[start..<min(bytes.count, start + 1 + below(32))]
            let times = below(4) == 0 ? 1 + below(200) : 1
            bytes.insert(contentsOf: Array(repeating: Array(chunk), count: times).joined(), at: below(bytes.count + 1))
        case 5:
            let other = corpus[below(corpus.count)]
            guard !other.isEmpty else { return }
            let start = below(other.count)
            let piece = other[(other.startIndex + start)..<(other.startIndex + min(other.count, start + 1 + below(64)))]
            if below(2) == 0 {
                bytes.insert(contentsOf: piece, at: position)
            } else {
                bytes = Array(bytes[..<position]) + Array(other[(other.startIndex + start)...])
            }
        case 6:
            let value = below(4) == 0 ? UInt64(bytes.count) &+ UInt64(bitPattern: Int64(below(5) - 2))
                : Self.interestingIntegers[below(Self.interestingIntegers.count)]
            let width = [1, 2, 4, 8][below(4)]
            let encoded = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
            let start = min(position, bytes.count)
            bytes.replaceSubrange(start..<min(bytes.count, start + width), with: encoded)
        case 7, 8:
            let token = Array(Self.interestingTokens[below(Self.interestingTokens.count)].utf8)
            if below(2) == 0 || bytes.isEmpty {
                bytes.insert(contentsOf: token, at: position)
            } else {
                let start = position % bytes.count
                bytes.replaceSubrange(start..<min(bytes.count, start + token.count), with: token)
            }
        case 9 where !bytes.isEmpty:
            bytes.removeLast(bytes.count - position % bytes.count)
        default:
            if let index = bytes.indices.randomElement(using: &random), bytes[index] >= 0x30, bytes[index] <= 0x39 {
                bytes[index] = UInt8(0x30 + below(10))  // another digit: moves numbers without breaking syntax
            }
        }
    }
}
