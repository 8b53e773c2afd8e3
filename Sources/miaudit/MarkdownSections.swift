import Foundation

/// A Markdown file made of sections that different commands regenerate: each lies between
/// `<!-- miaudit results NAME: begin -->` and `<!-- miaudit results NAME: end -->`.
enum MarkdownSections {
    static func markers(_ section: String) -> (begin: String, end: String) {
        ("<!-- miaudit results \(section): begin -->", "<!-- miaudit results \(section): end -->")
    }

    /// Replaces `section` in the file at `path` with `text`, or appends it when the file has no such
    /// section (creating the file when missing). Written atomically.
    /// - Throws: `OutputError` (74) when the file cannot be read or written.
    static func write(_ text: String, section: String, to path: String) throws {
        let (begin, end) = markers(section)
        let block = begin + "\n" + text.trimmingCharacters(in: .newlines) + "\n" + end
        var document = ""
        if FileManager.default.fileExists(atPath: path) {
            guard let existing = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw OutputError(description: "\(path): cannot be read as UTF-8 text; move it aside or choose another --out").withStatus(.ioError)
            }
            document = existing
        }
        if let start = document.range(of: begin), let stop = document.range(of: end, range: start.upperBound..<document.endIndex) {
            document.replaceSubrange(start.lowerBound..<stop.upperBound, with: block)
        } else {
            document = document.isEmpty ? block + "\n" : document.trimmingCharacters(in: .newlines) + "\n\n" + block + "\n"
        }
        do {
            try Data(document.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw OutputError(description: "\(path): cannot write (\(error.localizedDescription)); check that the directory is writable.")
                .withStatus(.ioError)
        }
    }

    /// A study's output: its `section` of the Markdown file at `path`, and `figures` as pretty JSON
    /// at `jsonPath`, both written atomically; then the Markdown and the paths on standard output.
    /// Without a path (no `--out`) the Markdown is printed and nothing is written.
    static func writeStudy(_ markdown: String, section: String, to path: String?, figures: some Encodable, jsonPath: String?) throws {
        guard let path, let jsonPath else {
            print(markdown)
            FileHandle.standardError.write(Data("miaudit: the \(section) section was printed, not written; give --out FILE to update that page and its JSON\n".utf8))
            return
        }
        try write(markdown, section: section, to: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            try encoder.encode(figures).write(to: URL(fileURLWithPath: jsonPath), options: .atomic)
        } catch {
            throw OutputError(description: "\(jsonPath): cannot write (\(error.localizedDescription)); check that the directory is writable.")
                .withStatus(.ioError)
        }
        print(markdown)
        print("wrote the \(section) section of \(path) and \(jsonPath)")
    }
}
