import Foundation

/// Reading and writing CSV outputs files (RFC 4180).
///
/// Layout: a header `id,<class 0>,<class 1>,…`, then one record per example: its id and C numbers.
/// Records end with LF or CRLF; a field holding a comma, quote, CR or LF is wrapped in double
/// quotes with inner quotes doubled; blank lines and a leading UTF-8 byte-order mark are skipped.
/// Numbers must parse with Swift's `Double(String)` as they stand (no surrounding spaces) and be
/// finite. Messages name 1-based file lines and fields.
enum OutputsCSV {
    /// One record and the 1-based line it starts on.
    struct Record {
        var fields: [String]
        var line: Int
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","),
                       cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// The table of a CSV outputs file. O(file size).
    static func table(_ bytes: Data, failure: OutputsFailure) throws -> OutputsTable {
        let records = try self.records([UInt8](bytes), failure: failure)
        guard let header = records.first else {
            throw failure.data("the file is empty", "write a header 'id,no_match,match' and one row per example")
        }
        guard header.fields.first == "id" else {
            throw failure.data("the header (line \(header.line)) starts with '\(header.fields[0])' instead of 'id'",
                               "write a header such as 'id,no_match,match'")
        }
        let classes = Array(header.fields.dropFirst())
        if let blank = classes.firstIndex(of: "") {
            throw failure.data("field \(blank + 2) of the header (line \(header.line)) is empty", "name every class column")
        }
        if let repeated = classes.enumerated().first(where: { classes[..<$0.offset].contains($0.element) }) {
            throw failure.data("the header (line \(header.line)) names class '\(repeated.element)' twice", "name each class once")
        }
        var ids: [String] = [], values: [Double] = [], lines: [Int] = []
        values.reserveCapacity((records.count - 1) * classes.count)
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw failure.data("line \(record.line) has \(record.fields.count) field(s) but the header has \(header.fields.count)",
                                   "give every row an id and one number per class")
            }
            for (offset, text) in record.fields.dropFirst().enumerated() {
                // Double(String) stops at a NUL byte ("0.5\0xyz" would read as 0.5), so refuse one first.
                guard !text.utf8.contains(0), let value = Double(text), value.isFinite else {
                    throw failure.data("line \(record.line), field \(offset + 2) ('\(classes[offset])') is '\(text.replacingOccurrences(of: "\0", with: "\\0"))', not a finite number",
                                       "write plain decimal numbers such as 0.25 or 1e-3")
                }
                values.append(value)
            }
            ids.append(record.fields[0])
            lines.append(record.line)
        }
        return OutputsTable(ids: ids, values: values, columns: classes.count, classNames: classes, lines: lines)
    }

    /// Splits `bytes` into records (see the type's layout notes). Throws for a quote inside an
    /// unquoted field, text after a closing quote, an unclosed quoted field, or non-UTF-8 text.
    static func records(_ bytes: [UInt8], failure: OutputsFailure) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false, inQuotes = false
        var line = 1, recordLine = 1
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0

        func endField() throws {
            guard let text = String(bytes: field, encoding: .utf8) else {
                throw failure.data("line \(line), field \(fields.count + 1) is not valid UTF-8", "save the file as UTF-8")
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        func endRecord() throws {
            let blank = fields.isEmpty && field.isEmpty && !quoted
            try endField()
            if !blank { records.append(Record(fields: fields, line: recordLine)) }
            fields.removeAll(keepingCapacity: true)
            line += 1
            recordLine = line
        }

        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte != quote {
                    if byte == lf { line += 1 }
                    field.append(byte)
                } else if index < bytes.count && bytes[index] == quote {
                    field.append(quote)
                    index += 1
                } else {
                    inQuotes = false
                    if index < bytes.count, ![comma, cr, lf].contains(bytes[index]) {
                        throw failure.data("line \(line), field \(fields.count + 1) has text after its closing quote",
                                           "quote the whole field and double any quote inside it")
                    }
                }
                continue
            }
            switch byte {
            case quote:
                guard field.isEmpty && !quoted else {
                    throw failure.data("line \(line), field \(fields.count + 1) has a quote inside an unquoted field",
                                       "quote the whole field and double any quote inside it")
                }
                quoted = true
                inQuotes = true
            case comma:
                try endField()
            case cr:
                if index < bytes.count && bytes[index] == lf { index += 1 }
                try endRecord()
            case lf:
                try endRecord()
            default:
                field.append(byte)
            }
        }
        if inQuotes {
            throw failure.data("the quoted field that starts on line \(recordLine) is never closed",
                               "close it with a double quote")
        }
        if !fields.isEmpty || !field.isEmpty || quoted { try endRecord() }
        return records
    }

    /// The CSV text of `rows` with header `id,<classes…>`: numbers in Swift's shortest round-trip
    /// form, so reading the file back gives the same `Double`s.
    static func encode(rows: [[Double]], ids: [String], classes: [String]) -> Data {
        var text = (["id"] + classes).map(escaped).joined(separator: ",") + "\n"
        for (id, row) in zip(ids, rows) {
            text += escaped(id)
            for value in row { text += ",\(value)" }
            text += "\n"
        }
        return Data(text.utf8)
    }

    /// `field`, quoted with inner quotes doubled when it holds a comma, quote, CR or LF.
    static func escaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
