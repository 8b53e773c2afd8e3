extension RowsTable {
    /// Parses RFC 4180 CSV: a header line, then records of exactly as many fields.
    ///
    /// Accepted beyond the RFC: LF as well as CRLF line ends, a UTF-8 byte-order mark at the start,
    /// a missing final line end, and blank lines (skipped). Refused, naming the line and column: a
    /// NUL byte, a lone CR, a quote inside an unquoted field, text after a closing quote, a quoted
    /// field never closed, bytes that are not UTF-8, an empty or repeated column name, and a
    /// record with another number of fields than the header. O(file size).
    static func parseCSV(_ bytes: [UInt8], path: String) throws -> RowsTable {
        let raw = try CSVParser(bytes: bytes, path: path).records()
        guard let header = raw.first else {
            throw AuditDataError.invalid(path: path, problem: "is empty", fix: "write a header line such as 'id,group' and one line per data row")
        }
        var seen: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            guard !name.isEmpty else {
                throw AuditDataError.invalid(path: "\(path):\(header.line)", problem: "header column \(index + 1) has no name",
                                             fix: "name every column in the header line, e.g. 'id,group'")
            }
            if let earlier = seen[name] {
                throw AuditDataError.invalid(path: "\(path):\(header.line)", problem: "header columns \(earlier + 1) and \(index + 1) are both named '\(name)'",
                                             fix: "give every column a different name")
            }
            seen[name] = index
        }
        var records: [Record] = []
        records.reserveCapacity(raw.count - 1)
        for record in raw.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw AuditDataError.invalid(
                    path: "\(path):\(record.line)",
                    problem: "has \(record.fields.count) field(s) but the header (line \(header.line)) has \(header.fields.count)",
                    fix: "give every row one value per header column, and quote values that contain commas")
            }
            var cells: [String: Cell] = [:]
            for (name, value) in zip(header.fields, record.fields) { cells[name] = .text(value) }
            records.append(Record(line: record.line, cells: cells))
        }
        return RowsTable(path: path, kind: .csv, columns: header.fields, records: records)
    }
}

/// A byte-level RFC 4180 state machine over one file.
private struct CSVParser {
    let bytes: [UInt8]
    let path: String

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D

    /// Every record (header included) with the line it starts on; blank lines are dropped.
    func records() throws -> [(line: Int, fields: [String])] {
        var line = 1              // the current line (1-based), advanced at every LF, inside quotes too
        var result: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false        // the current field began with a quote
        var inQuotes = false      // inside that quoted field's quotes
        var closed = false        // the quoted field's closing quote has been read
        var recordLine = 1
        var quoteLine = 1
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0

        func fail(_ problem: String, _ fix: String) -> AuditDataError {
            .invalid(path: "\(path):\(line)", problem: "column \(fields.count + 1) \(problem)", fix: fix)
        }
        func finishField() throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw fail("is not valid UTF-8 text", "save the rows file as UTF-8")
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            quoted = false
            closed = false
        }
        func finishRecord() throws {
            let blank = fields.isEmpty && field.isEmpty && !quoted
            if !blank {
                try finishField()
                result.append((recordLine, fields))
            }
            fields = []
            field.removeAll(keepingCapacity: true)
            quoted = false
            closed = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0 {
                throw fail("holds a NUL byte", "save the rows file as UTF-8 text (a NUL byte means UTF-16 or a binary file)")
            }
            if inQuotes {
                if byte == Self.quote {
                    if index + 1 < bytes.count && bytes[index + 1] == Self.quote {
                        field.append(Self.quote)
                        index += 2
                        continue
                    }
                    inQuotes = false
                    closed = true
                } else {
                    if byte == Self.lineFeed { line += 1 }
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case Self.comma:
                try finishField()
            case Self.lineFeed:
                try finishRecord()
                line += 1
                recordLine = line
            case Self.carriageReturn:
                guard index + 1 < bytes.count && bytes[index + 1] == Self.lineFeed else {
                    throw fail("holds a carriage return that does not end the line",
                               "end lines with LF or CRLF, and quote a field that contains a line break")
                }
            case Self.quote:
                if closed {
                    throw fail("has a second closing quote", "write a quote inside a quoted field as two quotes (\"\")")
                }
                guard field.isEmpty else {
                    throw fail("has a quote inside an unquoted field",
                               "quote the whole field and double the quotes inside it, e.g. \"a \"\"b\"\" c\"")
                }
                quoted = true
                inQuotes = true
                quoteLine = line
            default:
                if closed {
                    throw fail("has text after its closing quote", "put the whole field inside the quotes, or add the missing comma")
                }
                field.append(byte)
            }
            index += 1
        }
        if inQuotes {
            throw AuditDataError.invalid(path: "\(path):\(quoteLine)", problem: "column \(fields.count + 1) opens a quote that is never closed",
                                         fix: "close the quoted field, and write quotes inside it as two quotes (\"\")")
        }
        try finishRecord()
        return result
    }
}
