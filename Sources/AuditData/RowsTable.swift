import Foundation

/// The rows file of `miaudit data create`: one record per data row, in row order, read from CSV or
/// JSON Lines.
///
/// A CSV file (`.csv`) is RFC 4180: a header line naming the columns, then one record per row;
/// fields are separated by commas, a field in double quotes may hold commas, line breaks and `""`
/// (one quote); lines end in LF or CRLF. A JSON Lines file (`.jsonl`) holds one JSON object per
/// line, whose keys are the columns. Every cell of a CSV file is text; a JSON Lines cell keeps its
/// JSON kind so that `"7"` (text) and `7` (an integer) can be told apart where that matters.
struct RowsTable: Sendable {
    /// One cell's value.
    enum Cell: Equatable, Sendable {
        /// Text: every CSV cell, and JSON strings.
        case text(String)
        /// A JSON integer.
        case integer(Int64)
        /// JSON `null`.
        case null
        /// Any other JSON value; the associated text says what it is ("a boolean", "an object or array", …).
        case other(String)
    }

    /// One data row: the line it starts on (1-based, counting the header) and its cells by column name.
    struct Record: Sendable {
        var line: Int
        var cells: [String: Cell]
    }

    /// The file's kind, from its extension.
    enum Kind: Sendable {
        case csv, jsonLines
    }

    /// The file, for messages.
    let path: String
    /// CSV or JSON Lines.
    let kind: Kind
    /// The column names: the CSV header in order, or the JSON keys in order of first appearance.
    let columns: [String]
    /// The data rows in file order.
    let records: [Record]

    /// Whether any row has a cell in `column`.
    func hasColumn(_ column: String) -> Bool { columns.contains(column) }

    /// How messages name a cell: "column 2 ('group')" in CSV, "key 'group'" in JSON Lines.
    func cellName(_ column: String) -> String {
        switch kind {
        case .csv: "column \((columns.firstIndex(of: column) ?? 0) + 1) ('\(column)')"
        case .jsonLines: "key '\(column)'"
        }
    }

    /// The error "<path>:<line>: <problem>; <fix>."
    func error(line: Int, _ problem: String, fix: String) -> AuditDataError {
        .invalid(path: "\(path):\(line)", problem: problem, fix: fix)
    }

    /// Reads `url` as CSV (`.csv`) or JSON Lines (`.jsonl`), by its extension (any case).
    ///
    /// Throws `.missingFile` when it does not exist and a `.data` error naming the file, line and
    /// column for malformed content: a NUL byte, bytes that are not UTF-8, a bad quote, a row with
    /// another number of fields than the header, a line that is not a JSON object. O(file size).
    static func read(_ url: URL) throws -> RowsTable {
        let kind: Kind
        switch url.pathExtension.lowercased() {
        case "csv": kind = .csv
        case "jsonl": kind = .jsonLines
        default:
            throw AuditDataError.invalid(path: url.path, problem: "is neither a .csv nor a .jsonl file",
                                         fix: "give the rows as CSV with a header line (.csv) or as one JSON object per line (.jsonl)")
        }
        let bytes = [UInt8](try FileAccess.read(url, role: "the rows file"))
        switch kind {
        case .csv: return try parseCSV(bytes, path: url.path)
        case .jsonLines: return try parseJSONLines(bytes, path: url.path)
        }
    }

    /// The 1-based line of byte `offset` (the number of LF bytes before it, plus one).
    static func line(ofOffset offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    /// Refuses a NUL byte anywhere, naming its line: text files with NUL bytes are usually UTF-16 or binary.
    static func refuseNUL(_ bytes: [UInt8], path: String, what: String = "the rows file") throws {
        guard let offset = bytes.firstIndex(of: 0) else { return }
        throw AuditDataError.invalid(path: "\(path):\(line(ofOffset: offset, in: bytes))", problem: "holds a NUL byte",
                                     fix: "save \(what) as UTF-8 text (a NUL byte means UTF-16 or a binary file)")
    }
}
