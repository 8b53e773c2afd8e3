import Foundation

/// Which side of a bound is the good side.
public enum BoundDirection: String, Codable, Sendable, CaseIterable {
    /// Good when the metric is at or below the bound (attack AUC, accuracy, utility drop).
    case atMost = "at_most"
    /// Good when the metric is at or above the bound (forget-quality p-value).
    case atLeast = "at_least"

    /// `≤` or `≥`.
    public var symbol: String { self == .atMost ? "≤" : "≥" }
}

/// A rule's bound: a fixed number, or the metric's null distribution under exact unlearning.
public enum GateBound: Equatable, Sendable, CustomStringConvertible {
    /// A fixed number, e.g. 0.6.
    case fixed(Double)
    /// Null-calibrated (SPEC §8): the bound comes from the metric's values on the gold models.
    case null

    /// The bound as rules write it: the number, or `null`.
    public var description: String {
        switch self {
        case let .fixed(value): return formatNumber(value)
        case .null: return "null"
        }
    }
}

/// One gate rule: a named metric, a direction and a bound.
///
/// In JSON (and YAML audit specs) a rule is an object with `metric`, exactly one of `at_most` or
/// `at_least`, and an optional display `name`:
/// ```
/// {"metric": "ulira.online.auc", "at_most": 0.6}
/// {"metric": "ulira.online.auc", "at_most": "null"}
/// {"metric": "forget_quality.median_pvalue", "at_least": 0.05, "name": "forget quality"}
/// ```
/// The bound is a number or `null` — written as the string `"null"` or as a JSON/YAML null — which
/// asks for a null-calibrated bound. Unknown keys are errors naming the key (a misspelt
/// `at_mots` must not leave a rule without a bound).
public struct GateRule: Equatable, Sendable, Codable, CustomStringConvertible {
    /// The metric's name, e.g. `ulira.online.auc`.
    public var metric: String
    /// Which side of the bound is good.
    public var direction: BoundDirection
    /// The bound.
    public var bound: GateBound
    /// An optional display name; `description` is used when nil.
    public var name: String?

    /// A rule on `metric`.
    public init(metric: String, _ direction: BoundDirection, _ bound: GateBound, name: String? = nil) {
        self.metric = metric
        self.direction = direction
        self.bound = bound
        self.name = name
    }

    /// The rule as written: `ulira.online.auc at_most null`.
    public var description: String { "\(metric) \(direction.rawValue) \(bound)" }

    /// The name reports show: `name` when given, else `description`.
    public var displayName: String { name ?? description }

    // MARK: Coding

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let knownKeys: Set<String> = ["metric", "at_most", "at_least", "name"]

    /// Decodes a rule object; throws `GateError` naming the field for any problem.
    public init(from decoder: any Decoder) throws {
        let here = Self.path(decoder.codingPath)
        let container: KeyedDecodingContainer<Key>
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch {
            throw GateError.invalidField(field: here, problem: "is not an object; write {\"metric\": NAME, \"at_most\": BOUND}")
        }
        for key in container.allKeys.map(\.stringValue).sorted() where !Self.knownKeys.contains(key) {
            throw GateError.unknownKey(field: here, key: key)
        }
        func field(_ key: String) -> String { here == "<top level>" ? key : here + "." + key }
        guard container.contains(Key("metric")) else {
            throw GateError.invalidField(field: field("metric"), problem: "is missing; name the metric, e.g. \"ulira.online.auc\"")
        }
        guard let metric = try? container.decode(String.self, forKey: Key("metric")), !metric.isEmpty else {
            throw GateError.invalidField(field: field("metric"), problem: "is not a non-empty string; name the metric, e.g. \"ulira.online.auc\"")
        }
        let present = BoundDirection.allCases.filter { container.contains(Key($0.rawValue)) }
        guard present.count == 1, let direction = present.first else {
            throw GateError.invalidField(
                field: here, problem: present.isEmpty
                    ? "has no bound; add \"at_most\" or \"at_least\" with a number or \"null\""
                    : "has both \"at_most\" and \"at_least\"; write one rule per bound")
        }
        let boundKey = Key(direction.rawValue)
        let bound: GateBound
        if (try? container.decodeNil(forKey: boundKey)) == true {
            bound = .null
        } else if let number = try? container.decode(Double.self, forKey: boundKey) {
            guard number.isFinite else {
                throw GateError.invalidField(field: field(direction.rawValue), problem: "is not finite; give a finite number or \"null\"")
            }
            bound = .fixed(number)
        } else if let text = try? container.decode(String.self, forKey: boundKey), text == "null" {
            bound = .null
        } else {
            throw GateError.invalidField(field: field(direction.rawValue), problem: "is neither a number nor \"null\"; give e.g. 0.6 or \"null\"")
        }
        var name: String?
        if container.contains(Key("name")), (try? container.decodeNil(forKey: Key("name"))) != true {
            guard let text = try? container.decode(String.self, forKey: Key("name")) else {
                throw GateError.invalidField(field: field("name"), problem: "is not a string; give a display name or leave it out")
            }
            name = text
        }
        self.init(metric: metric, direction, bound, name: name)
    }

    /// Encodes the rule in the form `init(from:)` reads, with a null bound as the string `"null"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(metric, forKey: Key("metric"))
        switch bound {
        case let .fixed(value): try container.encode(value, forKey: Key(direction.rawValue))
        case .null: try container.encode("null", forKey: Key(direction.rawValue))
        }
        try container.encodeIfPresent(name, forKey: Key("name"))
    }

    /// A coding path as `rules[2]`; `<top level>` when empty.
    static func path(_ codingPath: [any CodingKey]) -> String {
        guard !codingPath.isEmpty else { return "<top level>" }
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return result
    }
}

/// A number as reports show it: up to 4 significant digits, no trailing zeros (0.6, 0.5725, 1e-05).
func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    if value != 0, abs(value) < 1e-3 || abs(value) >= 1e6 { return String(format: "%.3g", value) }
    var text = String(format: "%.4f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}
