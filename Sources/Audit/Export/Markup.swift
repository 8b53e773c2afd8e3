/// Escaping for the text the exports embed in HTML, SVG and Markdown.
enum Markup {
    /// `text` escaped for HTML and XML character data and quoted attribute values.
    ///
    /// `& < > " '` become entities (`&#39;` for the apostrophe, which HTML and XML both know);
    /// tab, newline and carriage return are kept; other control characters and characters that
    /// XML 1.0 cannot hold become U+FFFD, so an inline SVG stays well-formed XML.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                let allowed = (0x20...0x7E).contains(v) || (0xA0...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                    || (0x10000...0x10FFFF).contains(v)
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// `text` as literal text in a GitHub Markdown paragraph or table cell.
    ///
    /// HTML-significant characters become entities (so `<b>` shows as text, not bold), Markdown
    /// punctuation (`\ ` * _ [ ] | #`) is backslash-escaped, and line breaks become spaces (a table
    /// row is one line).
    static func markdown(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "|", "#": out += "\\" + String(character)
            case "\n", "\r", "\r\n", "\t": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    /// A fenced code block holding `text` verbatim: the fence is one backtick longer than the
    /// longest backtick run in `text` (at least three), so nothing inside can close it.
    static func markdownCodeBlock(_ text: String) -> String {
        var longest = 0, run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        let body = text.hasSuffix("\n") ? text : text + "\n"
        return fence + "\n" + body + fence
    }
}
