/// Text from outside miaudit (a child's reply or stderr, a file's contents) made safe to print: no
/// control character reaches the terminal as itself, and the length is capped.
public enum UntrustedText {
    /// `text` with every control character (C0, DEL, C1 — so also the ESC that starts a terminal
    /// escape sequence) written as an escape (`\n`, `\r`, `\t`, `\u{1B}`), cut after `limit`
    /// characters with a note of how many more there were. With `keepNewlines`, line feeds stay
    /// (for multi-line logs such as a stderr tail) and a lone CR is still escaped.
    public static func escaped(_ text: String, limit: Int = 200, keepNewlines: Bool = false) -> String {
        var out = ""
        var shown = 0
        var total = 0
        for scalar in text.unicodeScalars {
            total += 1
            guard shown < limit else { continue }
            shown += 1
            switch scalar {
            case "\n" where keepNewlines: out.unicodeScalars.append(scalar)
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        if total > shown { out += "… (\(total - shown) more characters)" }
        return out
    }

    /// Whether `text` holds a control character (and so would need escaping to be printed).
    public static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
