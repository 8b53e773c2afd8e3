import Foundation

/// Decodes the numeric arrays of protocol version 1: either a tensor object
/// `{"dtype":"f32"|"f64","shape":[n,C],"data":"<base64, little-endian, row-major>"}` or nested
/// JSON arrays `[[v00,v01,…],…]`.
enum ProcessArrays {
    /// The values of `value`, row-major, checked to be `rows` × `columns`.
    static func decode(_ value: Any, field: String, rows: Int, columns: Int) throws(ProtocolViolation) -> [Double] {
        if let tensor = value as? [String: Any] {
            return try decodeTensor(tensor, field: field, rows: rows, columns: columns)
        }
        if let nested = value as? [Any] {
            return try decodeNested(nested, field: field, rows: rows, columns: columns)
        }
        throw ProtocolViolation(problem: "'\(field)' is neither an object with dtype, shape and data nor an array of rows",
                                fix: ProtocolViolation.fixAdapter)
    }

    private static func decodeTensor(_ tensor: [String: Any], field: String, rows: Int, columns: Int) throws(ProtocolViolation) -> [Double] {
        guard let dtype = tensor["dtype"] as? String, dtype == "f32" || dtype == "f64" else {
            throw ProtocolViolation(problem: "'\(field)' has dtype \(tensor["dtype"].map { "'\($0)'" } ?? "(none)")",
                                    fix: "use dtype \"f32\" or \"f64\"")
        }
        guard let shape = tensor["shape"] as? [Any], shape.count == 2,
              let shapeRows = ProcessReplies.integer(shape[0]), let shapeColumns = ProcessReplies.integer(shape[1]) else {
            throw ProtocolViolation(problem: "'\(field)' has no shape [rows, columns]", fix: "give \"shape\": [\(rows), \(columns)]")
        }
        try checkShape(field: field, rows: shapeRows, columns: shapeColumns, expectedRows: rows, expectedColumns: columns)
        guard let text = tensor["data"] as? String else {
            throw ProtocolViolation(problem: "'\(field)' has no base64 string 'data'", fix: ProtocolViolation.fixAdapter)
        }
        guard let bytes = Data(base64Encoded: text) else {
            throw ProtocolViolation(problem: "'\(field)' data is not valid base64 (\(text.count) characters, starting '\(text.prefix(40))')",
                                    fix: "encode the raw little-endian bytes with standard base64 (RFC 4648, with padding)")
        }
        let size = dtype == "f32" ? 4 : 8
        guard bytes.count == rows * columns * size else {
            throw ProtocolViolation(problem: "'\(field)' data holds \(bytes.count) bytes but shape [\(rows), \(columns)] of \(dtype) needs \(rows * columns * size)",
                                    fix: "send exactly rows × columns values of the declared dtype")
        }
        return bytes.withUnsafeBytes { raw in
            if size == 4 {
                return (0..<(rows * columns)).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
            }
            return (0..<(rows * columns)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }

    private static func decodeNested(_ nested: [Any], field: String, rows: Int, columns: Int) throws(ProtocolViolation) -> [Double] {
        let rowArrays = nested.compactMap { $0 as? [Any] }
        guard rowArrays.count == nested.count else {
            throw ProtocolViolation(problem: "'\(field)' is an array whose items are not all arrays (rows)", fix: "send [[v, v], …], one inner array per example")
        }
        let width = rowArrays.first?.count ?? columns
        if let ragged = rowArrays.firstIndex(where: { $0.count != width }) {
            throw ProtocolViolation(problem: "'\(field)' row \(ragged) has \(rowArrays[ragged].count) columns but row 0 has \(width)",
                                    fix: "send \(columns) values in every row")
        }
        try checkShape(field: field, rows: rowArrays.count, columns: width, expectedRows: rows, expectedColumns: columns)
        var values: [Double] = []
        values.reserveCapacity(rows * columns)
        for (row, items) in rowArrays.enumerated() {
            for (column, item) in items.enumerated() {
                guard !(item is String), !ProcessReplies.isBoolean(item), let number = item as? Double else {
                    throw ProtocolViolation(problem: "'\(field)' row \(row) column \(column) is \(item), not a number", fix: "send numbers only")
                }
                values.append(number)
            }
        }
        return values
    }

    private static func checkShape(field: String, rows: Int, columns: Int, expectedRows: Int, expectedColumns: Int) throws(ProtocolViolation) {
        guard rows == expectedRows else {
            throw ProtocolViolation(problem: "'\(field)' has \(rows) rows but the request had \(expectedRows) examples",
                                    fix: "reply with one row per example, in request order")
        }
        guard columns == expectedColumns else {
            throw ProtocolViolation(problem: "'\(field)' has \(columns) columns but the hello announced \(expectedColumns) classes",
                                    fix: "reply with one column per announced class")
        }
    }
}
