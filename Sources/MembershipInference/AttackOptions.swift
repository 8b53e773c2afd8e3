import Foundation

/// A setting an attack takes, declared by the attack: specs read it under `settings:` and the
/// command line as `--setting KEY=VALUE`; reports record the value used.
public struct AttackOption: Sendable, Equatable {
    /// What values the option takes.
    public enum Kind: Sendable, Equatable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case choice([String])
    }

    /// The key, unique across attacks: `variance`, `folds`, `gamma`.
    public let key: String
    public let kind: Kind
    public let defaultValue: AttackOptionValue
    /// One line: what it changes.
    public let help: String

    public init(key: String, kind: Kind, defaultValue: AttackOptionValue, help: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// What `kind` accepts, for messages: `an integer in 2...100`.
    public var accepted: String {
        switch kind {
        case let .integer(range): "an integer in \(range.lowerBound)...\(range.upperBound)"
        case let .number(range): "a number in [\(String(format: "%g", range.lowerBound)), \(String(format: "%g", range.upperBound))]"
        case let .choice(names): "one of \(names.joined(separator: ", "))"
        }
    }

    /// `text` as this option's value.
    /// - Throws: `AttackError` (usage) naming the key, the value and what is accepted.
    public func parse(_ text: String) throws -> AttackOptionValue {
        let value: AttackOptionValue?
        switch kind {
        case .integer: value = Int(text).map(AttackOptionValue.integer)
        case .number: value = Double(text).map(AttackOptionValue.number)
        case .choice: value = .text(text)
        }
        guard let value, accepts(value) else {
            throw AttackError(description: "setting \(key) = \(text) is not \(accepted)", status: .usage)
        }
        return value
    }

    /// Whether `value` has this option's type and lies in its range.
    public func accepts(_ value: AttackOptionValue) -> Bool {
        switch (kind, value) {
        case let (.integer(range), .integer(v)): range.contains(v)
        case let (.number(range), .number(v)): v.isFinite && range.contains(v)
        case let (.number(range), .integer(v)): range.contains(Double(v))
        case let (.choice(names), .text(v)): names.contains(v)
        default: false
        }
    }
}

/// An option's value. A whole number equals the same integer: JSON does not tell 1 from 1.0, so
/// a stored report reads `.number(1)` back as `.integer(1)`.
public enum AttackOptionValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case text(String)

    public static func == (lhs: AttackOptionValue, rhs: AttackOptionValue) -> Bool {
        switch (lhs, rhs) {
        case let (.integer(a), .integer(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.integer(a), .number(b)), let (.number(b), .integer(a)): Double(a) == b
        case let (.text(a), .text(b)): a == b
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .integer(v): "\(v)"
        case let .number(v): String(format: "%g", v)
        case let .text(v): v
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let v = try? container.decode(Int.self) {
            self = .integer(v)
        } else if let v = try? container.decode(Double.self) {
            self = .number(v)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .integer(v): try container.encode(v)
        case let .number(v): try container.encode(v)
        case let .text(v): try container.encode(v)
        }
    }
}

/// Option values by key; a key without a value reads its option's default.
public struct AttackOptionValues: Sendable, Equatable, Codable {
    public private(set) var values: [String: AttackOptionValue]

    public init(_ values: [String: AttackOptionValue] = [:]) {
        self.values = values
    }

    public subscript(key: String) -> AttackOptionValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The values of `options`, each given or its default: what a report records.
    public func resolved(_ options: [AttackOption]) -> [String: AttackOptionValue] {
        Dictionary(uniqueKeysWithValues: options.map { ($0.key, values[$0.key] ?? $0.defaultValue) })
    }

    /// The value of `option` as an integer.
    public func integer(_ option: AttackOption) -> Int {
        if case let .integer(v) = values[option.key] ?? option.defaultValue { return v }
        preconditionFailure("option \(option.key) is not an integer")
    }

    /// The value of `option` as a number (integers convert).
    public func number(_ option: AttackOption) -> Double {
        switch values[option.key] ?? option.defaultValue {
        case let .number(v): return v
        case let .integer(v): return Double(v)
        case .text: preconditionFailure("option \(option.key) is not a number")
        }
    }

    /// The value of `option` as text.
    public func text(_ option: AttackOption) -> String {
        if case let .text(v) = values[option.key] ?? option.defaultValue { return v }
        preconditionFailure("option \(option.key) is not a choice")
    }

    public init(from decoder: any Decoder) throws {
        values = try [String: AttackOptionValue](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try values.encode(to: encoder)
    }
}
