import Foundation
import NumericCore

/// Image feature rows as they travel in a predict request.
enum ImageRows {
    /// The f32 features, [n, F].
    case float32(Matrix)
    /// The stored pixel bytes, [n, F] row-major, whose features are `Float(byte) / Float(scale)`.
    case pixels([UInt8], rows: Int, columns: Int, scale: Double)

    /// `images` as pixel bytes when every feature is exactly `Float(b) / Float(scale)` for a byte b
    /// (as `PairDataSet` computes features from uint8 images); otherwise as f32. O(n·F).
    init(_ images: Matrix, scale: Double) {
        let divisor = Float(scale)
        let features = (0...255).map { Float($0) / divisor }
        var bytes = [UInt8](repeating: 0, count: images.count)
        let exact = images.storage.withUnsafeBufferPointer { values in
            bytes.withUnsafeMutableBufferPointer { out in
                features.withUnsafeBufferPointer { feature in
                    for i in 0..<values.count {
                        let level = (values[i] * divisor).rounded()
                        guard level >= 0, level <= 255 else { return false }
                        let byte = UInt8(level)
                        guard feature[Int(byte)] == values[i] else { return false }
                        out[i] = byte
                    }
                    return true
                }
            }
        }
        self = exact && divisor.isNormal ? .pixels(bytes, rows: images.rows, columns: images.columns, scale: scale) : .float32(images)
    }

    var rows: Int {
        switch self {
        case .float32(let matrix): matrix.rows
        case .pixels(_, let rows, _, _): rows
        }
    }
}

/// The lines miaudit sends a child under protocol version 1 (docs/adapter-protocol.md).
///
/// Every message is one UTF-8 JSON object followed by "\n". Feature arrays travel either as
/// `{"dtype":"f32","shape":[n,F],"data":"<base64 of little-endian f32, row-major>"}` or, with the
/// json encoding, as nested arrays `[[x00,x01,…],…]` of the same f32 values. Image rows may travel
/// as `{"dtype":"u8","shape":[n,F],"scale":s,"data":"<base64 of the bytes>"}` (features
/// f32(byte) / f32(s)) to a child that announced "u8" among its `input_dtypes`.
enum ProcessRequests {
    /// The protocol version this miaudit speaks.
    static let protocolVersion = 1
    /// The task announced in the hello.
    static let task = "image-text-matching"

    /// `{"type":"hello","protocol":1,"task":…,"inputs":{…},"encoding":…}`; "inputs" is left out
    /// when the feature widths are not known yet.
    static func hello(inputs: ProcessAdapter.InputWidths?, encoding: AdapterDescription.ArrayEncoding) -> Data {
        var text = #"{"type":"hello","protocol":\#(protocolVersion),"task":"\#(inputs?.task ?? task)""#
        if let classes = inputs?.classes {
            text += #","classes":"# + String(decoding: jsonStrings(classes), as: UTF8.self)
        }
        if let inputs {
            text += #","inputs":{"image":{"features":\#(inputs.imageFeatures)}"#
            // A classification data set without a second feature row sends no text.
            if inputs.textFeatures > 0 || inputs.classes == nil { text += #","text":{"features":\#(inputs.textFeatures)}"# }
            text += "}"
        }
        text += #","encoding":"\#(encoding.rawValue)"}"# + "\n"
        return Data(text.utf8)
    }

    /// `{"type":"train","request":N,…}` of the trainer message set (docs/adapter-protocol.md).
    static func train(request: Int, _ order: TrainOrder) -> Data {
        var object: [String: Any] = ["type": "train", "request": request, "data": order.data, "seed": order.seed, "out": order.output]
        if let rows = order.train { object["train"] = rows }
        if let start = order.start { object["from"] = start }
        if let unlearn = order.unlearn {
            object["unlearn"] = ["method": unlearn.method, "forget": unlearn.forget, "retain": unlearn.retain, "seed": unlearn.seed] as [String: Any]
        }
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return json + Data([0x0A])
    }

    /// `{"type":"load","request":N,"path":…}` of the trainer message set: serve the model saved there.
    static func load(request: Int, path: String) -> Data {
        let object: [String: Any] = ["type": "load", "request": request, "path": path]
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return json + Data([0x0A])
    }

    /// `{"type":"bye"}`.
    static let bye = Data(#"{"type":"bye"}"#.utf8 + [0x0A])

    /// `{"type":"predict","request":N,"examples":[…],"inputs":{"image":…,"text":…}}`.
    ///
    /// Shapes: `images` is [n, F_image] and `texts` [n, F_text] with n = `examples.count`.
    static func predict(request: Int, examples: [String], images: ImageRows, texts: Matrix,
                        encoding: AdapterDescription.ArrayEncoding) -> Data {
        precondition(images.rows == examples.count && texts.rows == examples.count,
                     "\(examples.count) examples but \(images.rows) image and \(texts.rows) text rows")
        var line = Data()
        let imageBytes: Int
        switch images {
        case .float32(let matrix): imageBytes = matrix.count * (encoding == .base64 ? 6 : 12)
        case .pixels(let bytes, _, _, _): imageBytes = bytes.count * 2
        }
        line.reserveCapacity(64 + examples.count * 24 + imageBytes + texts.count * (encoding == .base64 ? 6 : 12))
        line.append(contentsOf: #"{"type":"predict","request":\#(request),"examples":"#.utf8)
        line.append(jsonStrings(examples))
        line.append(contentsOf: #","inputs":{"image":"#.utf8)
        switch images {
        case .float32(let matrix):
            append(matrix, to: &line, encoding: encoding)
        case .pixels(let bytes, let rows, let columns, let scale):
            line.append(contentsOf: #"{"dtype":"u8","shape":[\#(rows),\#(columns)],"scale":\#(scale),"data":""#.utf8)
            line.append(Data(bytes).base64EncodedData())
            line.append(contentsOf: #""}"#.utf8)
        }
        if texts.columns > 0 {
            line.append(contentsOf: #","text":"#.utf8)
            append(texts, to: &line, encoding: encoding)
        }
        line.append(contentsOf: "}}\n".utf8)
        return line
    }

    /// A JSON array of strings, escaped as JSON requires.
    static func jsonStrings(_ strings: [String]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding an array of strings cannot fail.
        return (try? encoder.encode(strings)) ?? Data("[]".utf8)
    }

    /// Appends one feature array in `encoding`.
    private static func append(_ matrix: Matrix, to line: inout Data, encoding: AdapterDescription.ArrayEncoding) {
        switch encoding {
        case .base64:
            line.append(contentsOf: #"{"dtype":"f32","shape":[\#(matrix.rows),\#(matrix.columns)],"data":""#.utf8)
            line.append(littleEndianBytes(matrix.storage).base64EncodedData())
            line.append(contentsOf: #""}"#.utf8)
        case .json:
            var text = "["
            text.reserveCapacity(matrix.count * 12 + matrix.rows * 3)
            matrix.storage.withUnsafeBufferPointer { values in
                for row in 0..<matrix.rows {
                    text += row == 0 ? "[" : ",["
                    for column in 0..<matrix.columns {
                        if column > 0 { text += "," }
                        // The shortest decimal that reads back as this Float; finite (the data set checked).
                        text += values[row * matrix.columns + column].description
                    }
                    text += "]"
                }
            }
            text += "]"
            line.append(contentsOf: text.utf8)
        }
    }

    /// The values as little-endian IEEE 754 binary32 bytes.
    static func littleEndianBytes(_ values: [Float]) -> Data {
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        return values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        #endif
    }
}
