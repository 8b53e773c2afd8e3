/// JUnit XML for CI systems: one `<testcase>` per gate rule (SPEC §8, exports).
///
/// ```
/// <?xml version="1.0" encoding="UTF-8"?>
/// <testsuites name="miaudit" tests="2" failures="1" errors="0" skipped="0">
///   <testsuite name="SUITE" tests="2" failures="1" errors="0" skipped="0" timestamp="2026-12-06T11:49:07">
///     <testcase name="RULE" classname="miaudit.gate.SUITE">
///       <failure type="inconclusive" message="EXPLANATION">EXPLANATION</failure>
///     </testcase>
///   </testsuite>
/// </testsuites>
/// ```
/// Failed and inconclusive rules are both `<failure>`s (with `type` saying which), whatever the
/// policy: CI should show the inconclusive ones. Passing rules carry their explanation in
/// `<system-out>`. A gate blocked from any verdict (`GateVerdict.blocked`) adds a first test case,
/// `no verdict`, failed as inconclusive with the reason. All text is XML-escaped; characters XML 1.0 cannot hold become U+FFFD.
public enum JUnitReport {
    /// The JUnit XML document for `results`, in a test suite named `suiteName`; `timestamp`, when
    /// given, is the suite's `timestamp` attribute (JUnit's xs:dateTime without a zone: give UTC).
    public static func xml(results: [RuleResult], suiteName: String = "privacy-gate", blocked: String? = nil,
                           timestamp: String? = nil) -> String {
        let extra = blocked == nil ? 0 : 1
        let failures = results.filter { $0.outcome != .pass }.count + extra
        let counts = "tests=\"\(results.count + extra)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\""
        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"miaudit\" \(counts)>",
            "  <testsuite name=\"\(escape(suiteName))\" \(counts)" + (timestamp.map { " timestamp=\"\(escape($0))\"" } ?? "") + ">",
        ]
        let className = escape("miaudit.gate." + suiteName)
        if let blocked {
            let reason = escape(blocked)
            lines.append("    <testcase name=\"no verdict\" classname=\"\(className)\">")
            lines.append("      <failure type=\"inconclusive\" message=\"\(reason)\">\(reason)</failure>")
            lines.append("    </testcase>")
        }
        for result in results {
            let name = escape(result.rule.displayName)
            let explanation = escape(result.explanation)
            lines.append("    <testcase name=\"\(name)\" classname=\"\(className)\">")
            if result.outcome == .pass {
                lines.append("      <system-out>\(explanation)</system-out>")
            } else {
                lines.append("      <failure type=\"\(result.outcome.rawValue)\" message=\"\(explanation)\">\(explanation)</failure>")
            }
            lines.append("    </testcase>")
        }
        lines += ["  </testsuite>", "</testsuites>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` escaped for XML character data and double- or single-quoted attribute values.
    ///
    /// `& < > " '` become entities; tab, newline and carriage return become character references
    /// (so attribute values keep them); other characters XML 1.0 forbids become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                let v = scalar.value
                let allowed = (0x20 ... 0xD7FF).contains(v) || (0xE000 ... 0xFFFD).contains(v) || (0x10000 ... 0x10FFFF).contains(v)
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
