extension RowsTable {
    /// The cell of `record` in `column`; a JSON Lines record without that key is an error naming its line.
    func cell(_ record: Record, _ column: String) throws -> Cell {
        guard let cell = record.cells[column] else {
            throw error(line: record.line, "has no key '\(column)'", fix: "give every line the key '\(column)'")
        }
        return cell
    }

    /// Requires `column` in the header (CSV) or on some line (JSON Lines), naming what it is for.
    func requireColumn(_ column: String, for purpose: String, option: String) throws {
        guard hasColumn(column) else {
            let found = columns.isEmpty ? "none" : columns.map { "'\($0)'" }.joined(separator: ", ")
            throw AuditDataError.invalid(path: path, problem: "has no column '\(column)' (\(purpose)); its columns are \(found)",
                                         fix: "add the column, or name the right one with \(option)")
        }
    }

    /// The id of every row: non-empty text, unique. O(n).
    func ids(column: String) throws -> [String] {
        try requireColumn(column, for: "the row ids", option: "--id-column")
        var firstLine: [String: Int] = [:]
        var ids: [String] = []
        ids.reserveCapacity(records.count)
        for record in records {
            guard case let .text(id) = try cell(record, column), !id.isEmpty else {
                throw error(line: record.line, "\(cellName(column)) is \(describe(try cell(record, column))), not an id",
                            fix: "give every row a non-empty id string (in JSON Lines, a quoted string)")
            }
            if let earlier = firstLine[id] {
                throw error(line: record.line, "\(cellName(column)) repeats the id '\(id)' of line \(earlier)",
                            fix: "make every id unique")
            }
            firstLine[id] = record.line
            ids.append(id)
        }
        return ids
    }

    /// The group of every row as text: non-empty text, or a JSON integer written in decimal (so
    /// `7` and `"7"` are one group). O(n).
    func groupKeys(column: String) throws -> [String] {
        try records.map { record in
            switch try cell(record, column) {
            case let .text(key) where !key.isEmpty: return key
            case let .integer(value): return String(value)
            case let other:
                throw error(line: record.line, "\(cellName(column)) is \(describe(other)), not a group",
                            fix: "give every row a group (a string or an integer), or leave the group column out to make every row its own group")
            }
        }
    }

    /// The split named for every row: `train`, `forget`, `holdout`, `validation`, `test`, or nil
    /// for an empty cell (or JSON `null`): a row in no split. O(n).
    func splitNames(column: String) throws -> [String?] {
        try requireColumn(column, for: "the split of each row", option: "--split-column")
        return try records.map { record in
            let value = try cell(record, column)
            switch value {
            case .null: return nil
            case let .text(name) where name.isEmpty: return nil
            case let .text(name) where Self.splitValues.contains(name): return name
            default:
                throw error(line: record.line, "\(cellName(column)) is \(describe(value)), not a split",
                            fix: "use one of " + Self.splitValues.joined(separator: ", ") + ", or leave it empty for a row in no split")
            }
        }
    }

    /// The values a split column may hold (besides empty): `forget` marks a train row that is also
    /// in the forget set.
    static let splitValues = ["train", "forget", "holdout", "validation", "test"]

    /// The class index of every row: an integer (a JSON integer, or text such as `3`), or, when
    /// `classes` is given, a class name from it (text) or an index (a JSON integer).
    /// `classesFile` names the classes in messages. Range checks against `classes` happen here;
    /// without classes the caller checks the count. O(n).
    func labels(column: String, classes: [String]?, classesFile: String?) throws -> [Int] {
        try requireColumn(column, for: "the labels", option: "--label-column")
        let index = Dictionary(classes.map { $0.enumerated().map { ($1, $0) } } ?? [], uniquingKeysWith: { first, _ in first })
        let source = classesFile.map { " in \($0)" } ?? ""
        return try records.map { record in
            let value = try cell(record, column)
            var label: Int64?
            switch value {
            case let .integer(integer):
                label = integer
            case let .text(text) where classes != nil:
                guard let found = index[text] else {
                    throw error(line: record.line, "\(cellName(column)) is \(describe(value)), which is not one of the \(classes?.count ?? 0) classes\(source)",
                                fix: "use a class name from that file (names are case-sensitive), or add the class there")
                }
                return found
            case let .text(text):
                label = Int64(text)
            default:
                break
            }
            guard let label else {
                throw error(line: record.line, "\(cellName(column)) is \(describe(value)), not a class index",
                            fix: "give every row an integer label from 0, or give --classes to use class names")
            }
            if label < 0 || (classes.map { label >= Int64($0.count) } ?? false) {
                let range = classes.map { "0..<\($0.count) (the classes\(source))" } ?? "0 and up"
                throw error(line: record.line, "\(cellName(column)) is \(label), outside \(range)",
                            fix: "labels index the classes from 0")
            }
            return Int(label)
        }
    }

    /// A cell's value for messages: quoted text, the integer, "empty", or its JSON kind.
    func describe(_ cell: Cell) -> String {
        switch cell {
        case let .text(text): text.isEmpty ? "empty" : "'\(text)'"
        case let .integer(value): "the integer \(value)"
        case .null: "null"
        case let .other(kind): kind
        }
    }
}
