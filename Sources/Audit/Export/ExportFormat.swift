import AuditData
import Foundation
import MembershipInference

/// Number, date and key formatting shared by every export, so HTML, Markdown and the charts
/// print the same figures the same way.
///
/// Every function is a pure function of its arguments (no locale, no time zone but UTC), so
/// rendering a report twice gives identical bytes.
enum ExportFormat {
    /// What a missing or non-finite number shows as.
    static let notAvailable = DetailFormat.notAvailable

    /// `value` with `digits` decimals (`%.3f` by default); "n/a" when not finite; never "-0.000".
    static func fixed(_ value: Double, digits: Int = 3) -> String { DetailFormat.fixed(value, digits: digits) }

    /// A p-value with three significant digits (`%.3g`): 0.0123, 1.7e-06.
    static func pValue(_ value: Double) -> String { DetailFormat.pValue(value) }

    /// An interval as `[a, b]` with `digits` decimals; "n/a" unless it has exactly two bounds.
    static func interval(_ bounds: [Double], digits: Int = 3) -> String { DetailFormat.interval(bounds, digits: digits) }

    /// A value and its interval: `0.737 [0.697, 0.777]`.
    static func valueWithInterval(_ value: Double, _ bounds: [Double], digits: Int = 3) -> String {
        "\(fixed(value, digits: digits)) \(interval(bounds, digits: digits))"
    }

    /// A percentile as `87.5th`; "n/a" when not finite.
    static func percentile(_ value: Double) -> String {
        guard value.isFinite else { return notAvailable }
        return fixed(value, digits: 1)
    }

    /// A metric in the unit its name implies: p-values (names containing `pvalue`) with `%.3g`,
    /// everything else with 3 decimals.
    static func metric(_ value: Double, name: String) -> String {
        name.contains("pvalue") ? pValue(value) : fixed(value)
    }

    /// A metric and its interval, each bound formatted as the value is.
    static func metric(_ value: Double, interval bounds: [Double], name: String) -> String {
        let shown = metric(value, name: name)
        guard bounds.count == 2 else { return shown }
        if bounds[0] == value, bounds[1] == value { return shown }
        return "\(shown) [\(metric(bounds[0], name: name)), \(metric(bounds[1], name: name))]"
    }

    /// A change with an explicit sign: `+0.012`, `-0.034`, `0.000`.
    static func signed(_ value: Double) -> String { DetailFormat.signed(value) }

    /// `date` in UTC as `2025-06-01 12:34:56 UTC`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The key fingerprint: lowercase hex SHA-256 of the raw public key in blocks of 4 digits,
    /// `1a2b 3c4d …` (16 blocks).
    static func fingerprint(publicKey: Data) -> String {
        let hex = Array(sha256Hex(publicKey))
        return stride(from: 0, to: hex.count, by: 4).map { String(hex[$0..<min($0 + 4, hex.count)]) }.joined(separator: " ")
    }
}
