import Foundation

/// Attack-specific results beside the metrics (U-LiRA's σ estimate, forget quality's per-gold
/// tests, the SVM attacker's power), stored in reports and presented as format-neutral blocks.
///
/// Every stored number must be finite: reports are canonical JSON, which refuses NaN and infinity;
/// make an undefined value an optional.
public protocol AttackDetail: Codable, Sendable {
    /// The detail as blocks reports and the command line render.
    var presentation: [DetailBlock] { get }
}

/// A piece of an attack's detail as reports show it; renderers map it to HTML, Markdown or text.
public enum DetailBlock: Sendable, Equatable {
    /// A sentence or two.
    case paragraph(String)
    /// Label–value rows.
    case facts([DetailFact])
    /// A table with a header row.
    case table(headers: [String], rows: [[String]])
    /// A remark; `warning` marks what weakens or voids the attack's evidence.
    case note(String, warning: Bool)
}

/// One label–value row of a `DetailBlock.facts`.
public struct DetailFact: Sendable, Equatable {
    public let label: String
    public let value: String

    public init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }
}

/// Number formats of details, shared with report exports so every figure prints the same way.
public enum DetailFormat {
    /// What a missing or non-finite number shows as.
    public static let notAvailable = "n/a"

    /// `value` with `digits` decimals (`%.3f` by default); "n/a" when nil or not finite; never "-0.000".
    public static func fixed(_ value: Double?, digits: Int = 3) -> String {
        guard let value, value.isFinite else { return notAvailable }
        let text = String(format: "%.\(digits)f", value)
        return text == "-" + String(format: "%.\(digits)f", 0.0) ? String(text.dropFirst()) : text
    }

    /// A p-value with three significant digits (`%.3g`): 0.0123, 1.7e-06.
    public static func pValue(_ value: Double) -> String {
        guard value.isFinite else { return notAvailable }
        return String(format: "%.3g", value)
    }

    /// A change with an explicit sign: `+0.012`, `-0.034`, `0.000`.
    public static func signed(_ value: Double) -> String {
        let text = fixed(value)
        guard value.isFinite, text != fixed(0), !text.hasPrefix("-") else { return text }
        return "+" + text
    }

    /// An interval as `[a, b]` with `digits` decimals; "n/a" unless it has exactly two bounds.
    public static func interval(_ bounds: [Double], digits: Int = 3) -> String {
        guard bounds.count == 2 else { return notAvailable }
        return "[\(fixed(bounds[0], digits: digits)), \(fixed(bounds[1], digits: digits))]"
    }
}

/// A JSON value, for storing an attack's detail in a report without the report type knowing
/// each attack's detail type. Numbers that are whole and fit in 64 bits stay integers.
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    /// `value` encoded and read back as a tree.
    /// - Throws: `AttackError` when `value` holds a non-finite number or cannot be encoded.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .throw
        do {
            self = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(value))
        } catch {
            throw AttackError(description: "an attack's detail cannot be stored (\(error)); this is a bug in the attack", status: .software)
        }
    }

    /// The tree decoded as `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: try JSONEncoder().encode(self))
    }
}
