import Foundation

extension RowsTable {
    /// Parses JSON Lines: one JSON object per line, LF or CRLF line ends, a final line end optional.
    ///
    /// A blank line or a line that is not a JSON object is an error naming the line; so is a NUL
    /// byte. A UTF-8 byte-order mark at the start is skipped. Keys may differ between lines (a
    /// missing key is reported where a column needs it); `columns` lists every key, those new on
    /// a line appended in sorted order. O(file size).
    static func parseJSONLines(_ bytes: [UInt8], path: String) throws -> RowsTable {
        try refuseNUL(bytes, path: path)
        let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }  // the final line end
        var columns: [String] = []
        var known = Set<String>()
        var records: [Record] = []
        records.reserveCapacity(lines.count)
        let decoder = JSONDecoder()
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else {
                throw AuditDataError.invalid(path: "\(path):\(number)", problem: "is blank",
                                             fix: "write one JSON object per line with no blank lines, e.g. {\"id\": \"a\", \"group\": 1}")
            }
            let object: [String: JSONCell]
            do {
                object = try decoder.decode([String: JSONCell].self, from: Data(line))
            } catch {
                throw AuditDataError.invalid(path: "\(path):\(number)", problem: "is not a JSON object",
                                             fix: "write one JSON object per line, e.g. {\"id\": \"a\", \"group\": 1}")
            }
            for key in object.keys.sorted() where known.insert(key).inserted { columns.append(key) }
            records.append(Record(line: number, cells: object.mapValues(\.cell)))
        }
        return RowsTable(path: path, kind: .jsonLines, columns: columns, records: records)
    }
}

/// A JSON value read as a rows-table cell: strings and integers kept, the rest named.
private struct JSONCell: Decodable {
    var cell: RowsTable.Cell

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            cell = .null
        } else if let text = try? container.decode(String.self) {
            cell = .text(text)
        } else if let integer = try? container.decode(Int64.self) {
            cell = .integer(integer)
        } else if (try? container.decode(Bool.self)) != nil {
            cell = .other("a boolean")
        } else if (try? container.decode(Double.self)) != nil {
            cell = .other("a number that is not an integer")
        } else {
            cell = .other("an object or array")
        }
    }
}
