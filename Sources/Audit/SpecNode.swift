import Foundation
import NumericCore
import Yams

/// A key path into a spec, e.g. `gate.rules[1].at_most`.
struct SpecPath: CustomStringConvertible {
    enum Component {
        case key(String)
        case index(Int)
    }

    var components: [Component] = []

    func appending(_ key: String) -> SpecPath { SpecPath(components: components + [.key(key)]) }
    func appending(index: Int) -> SpecPath { SpecPath(components: components + [.index(index)]) }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case let .key(key): text += text.isEmpty ? key : "." + key
            case let .index(index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// A YAML node and the key path that reached it; every typed read fails with an `AuditSpecError`
/// naming the file, the node's line, the path, what was found and what was expected.
struct SpecNode {
    let node: Node
    let path: SpecPath
    /// The spec file as the user named it.
    let file: String
    /// The line of the key that names this node (nil for the root and list elements).
    var keyLine: Int? = nil

    /// The node's 1-based line.
    var line: Int { node.mark?.line ?? 1 }

    /// An error at this node: on the value's line, or on its key's line for problems with the whole
    /// node (a missing key, a conflict between keys).
    func error(_ message: String, onKeyLine: Bool = false) -> AuditSpecError {
        AuditSpecError(file: file, line: onKeyLine ? keyLine ?? line : line,
                       keyPath: path.components.isEmpty ? nil : path.description, message: message)
    }

    /// An error about the key path `components` below this node, on the line of the deepest of them
    /// that the file has (the whole path is named even when its tail is absent).
    func error(at components: [SpecPath.Component], _ message: String) -> AuditSpecError {
        let deepest = (0...components.count).reversed().lazy.compactMap { descendant(Array(components.prefix($0))) }.first ?? self
        let target = SpecNode(node: deepest.node, path: SpecPath(components: path.components + components), file: file,
                              keyLine: deepest.keyLine)
        return target.error(message, onKeyLine: true)
    }

    /// An error saying what was expected and what was found here.
    func expected(_ what: String, hint: String? = nil) -> AuditSpecError {
        error("expected \(what), got \(found)" + (hint.map { "; " + $0 } ?? ""))
    }

    /// The node's resolved tag: `.str` for quoted scalars, else what the value looks like (`.int`, `.float`, …).
    var tagName: Tag.Name { Tag.Name(stringLiteral: node.tag.rawValue) }

    /// Whether the node is a plain YAML null (`null`, `~` or nothing).
    var isNull: Bool { node.scalar != nil && tagName == .null }

    /// The node as the "got …" part of a message: `"abc"`, `1.5`, `null`, `a mapping`, `a list`.
    var found: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if tagName == .null { return "null" }
            let text = scalar.string.count > 60 ? String(scalar.string.prefix(57)) + "…" : scalar.string
            if tagName == .str { return "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            return text
        }
    }

    // MARK: Scalars

    /// Any non-null, non-boolean scalar's text.
    func string() throws -> String {
        guard let scalar = node.scalar, !isNull else { throw expected("a string") }
        guard tagName != .bool else { throw expected("a string", hint: "quote it if you mean the text") }
        return scalar.string
    }

    /// A string with at least one non-blank character.
    func nonEmptyString() throws -> String {
        let text = try string()
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw expected("a non-empty string") }
        return text
    }

    /// A string that is one of `choices`, with a "did you mean" for a near miss.
    func choice(_ choices: [String], noun: String = "value") throws -> String {
        let text = try string()
        guard choices.contains(text) else {
            throw error("unknown \(noun) \(found); \(suggestion(for: text, among: choices))use one of: \(choices.joined(separator: ", "))")
        }
        return text
    }

    /// A case of a string-valued enum, by its raw value.
    func choice<Choice: CaseIterable & RawRepresentable>(of type: Choice.Type) throws -> Choice where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard let value = Choice(rawValue: try choice(names)) else { throw expected("one of: \(names.joined(separator: ", "))") }
        return value
    }

    /// An integer scalar (decimal, or YAML's 0x/0o/0b forms); floats and quoted numbers are errors.
    func integer() throws -> Int {
        guard let scalar = node.scalar, tagName == .int else { throw expected("an integer") }
        guard let value = Int.construct(from: scalar) else { throw expected("an integer that fits in 64 bits") }
        return value
    }

    /// An integer in `range`.
    func integer(in range: ClosedRange<Int>) throws -> Int {
        let value = try integer()
        guard range.contains(value) else { throw expected("an integer in \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    /// An integer ≥ 0 that fits in 64 bits.
    func unsignedInteger() throws -> UInt64 {
        let what = "an integer in 0...\(UInt64.max)"
        guard let scalar = node.scalar, tagName == .int, let value = UInt64.construct(from: scalar) else { throw expected(what) }
        return value
    }

    /// A finite number (integer or float).
    func number() throws -> Double {
        guard let value = finiteNumber else { throw expected("a finite number") }
        return value
    }

    /// The node's value when it is a finite integer or float scalar.
    var finiteNumber: Double? {
        guard let scalar = node.scalar else { return nil }
        switch tagName {
        case .int: return Int.construct(from: scalar).map(Double.init)
        case .float: return Double.construct(from: scalar).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    /// `true` or `false`.
    func bool() throws -> Bool {
        guard let scalar = node.scalar, tagName == .bool, let value = Bool.construct(from: scalar) else {
            throw expected("true or false")
        }
        return value
    }

    // MARK: Collections

    /// The elements of a list, each with its index in the path.
    func list() throws -> [SpecNode] {
        guard case let .sequence(sequence) = node else { throw expected("a list") }
        return sequence.enumerated().map { SpecNode(node: $1, path: path.appending(index: $0), file: file) }
    }

    /// The entries of a mapping whose keys are all in `known`; an unknown key is an error at its line
    /// that lists the known keys (and the closest, when it is within two edits).
    func mapping(known: [String]) throws -> SpecMapping {
        let mapping = try anyMapping()
        for entry in mapping.entries where !known.contains(entry.key) {
            throw SpecNode(node: entry.keyNode, path: entry.value.path, file: file)
                .error("unknown key; \(suggestion(for: entry.key, among: known))known keys: \(known.joined(separator: ", "))")
        }
        return mapping
    }

    /// The entries of a mapping, whatever their keys (for subtrees a `Codable` decoder checks).
    func anyMapping() throws -> SpecMapping {
        guard case let .mapping(mapping) = node else { throw expected("a mapping") }
        var entries: [SpecMapping.Entry] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { throw SpecNode(node: keyNode, path: path, file: file).expected("a key name") }
            let entry = SpecNode(node: value, path: path.appending(key), file: file, keyLine: keyNode.mark?.line)
            entries.append(.init(key: key, keyNode: keyNode, value: entry))
        }
        return SpecMapping(owner: self, entries: entries)
    }

    /// The node `components` below this one, or nil when the path leaves the tree.
    func descendant(_ components: [SpecPath.Component]) -> SpecNode? {
        var current = self
        for component in components {
            switch (component, current.node) {
            case let (.key(key), .mapping(mapping)):
                guard let pair = mapping.first(where: { $0.key.scalar?.string == key }) else { return nil }
                current = SpecNode(node: pair.value, path: current.path.appending(key), file: file, keyLine: pair.key.mark?.line)
            case let (.index(index), .sequence(sequence)):
                guard sequence.indices.contains(index) else { return nil }
                current = SpecNode(node: sequence[index], path: current.path.appending(index: index), file: file)
            default:
                return nil
            }
        }
        return current
    }

    // MARK: JSON

    /// The subtree as JSON, for decoding `Codable` values (adapters, gate rules) with their own decoders.
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return try encoder.encode(try jsonValue())
        } catch let error as AuditSpecError {
            throw error
        } catch {
            throw self.error("cannot be converted to JSON (\(error)); write plain mappings, lists, strings and numbers")
        }
    }

    private func jsonValue() throws -> SubtreeJSON {
        switch node {
        case .mapping:
            return .object(try anyMapping().entries.map { ($0.key, try $0.value.jsonValue()) })
        case .sequence:
            return .array(try list().map { try $0.jsonValue() })
        case .alias:
            throw expected("a value")
        case let .scalar(scalar):
            switch tagName {
            case .null: return .null
            case .bool: return .bool(try bool())
            case .int: return .int(try integer())
            case .float: return .double(try number())
            default: return .string(scalar.string)
            }
        }
    }
}

extension SpecNode {
    /// A `Codable` decoder's error as an error at the key path it names below this node.
    func decodingError(_ error: DecodingError) -> AuditSpecError {
        let codingPath: [any CodingKey]
        let message: String
        switch error {
        case let .keyNotFound(key, context):
            codingPath = context.codingPath + [key]
            message = "required key is missing; add it"
        case let .typeMismatch(type, context):
            codingPath = context.codingPath
            message = "expected \(Self.describe(type)), got \(descendant(Self.components(codingPath))?.found ?? "something else")"
        case let .valueNotFound(type, context):
            codingPath = context.codingPath
            message = "expected \(Self.describe(type)), got null"
        case let .dataCorrupted(context):
            codingPath = context.codingPath
            message = context.debugDescription
        @unknown default:
            codingPath = []
            message = "\(error)"
        }
        return self.error(at: Self.components(codingPath), message)
    }

    private static func components(_ codingPath: [any CodingKey]) -> [SpecPath.Component] {
        codingPath.map { key in key.intValue.map(SpecPath.Component.index) ?? .key(key.stringValue) }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is [String].Type: "a list of strings"
        default: "a value of type \(type)"
        }
    }
}

/// A mapping's entries, looked up by key.
struct SpecMapping {
    /// One key, its node (for its line) and its value.
    struct Entry {
        let key: String
        let keyNode: Node
        let value: SpecNode
    }

    /// The mapping node itself.
    let owner: SpecNode
    let entries: [Entry]

    /// The value under `key`, or nil when the key is absent.
    subscript(key: String) -> SpecNode? { entries.first { $0.key == key }?.value }

    /// The value under `key`, or nil when the key is absent or its value is null.
    func optional(_ key: String) -> SpecNode? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    /// The value under `key`; when absent, an error at the mapping's line that shows `example`.
    func required(_ key: String, example: String) throws -> SpecNode {
        guard let value = self[key] else {
            let missing = SpecNode(node: owner.node, path: owner.path.appending(key), file: owner.file, keyLine: owner.keyLine)
            throw missing.error("required key is missing; add it, e.g. \(example)", onKeyLine: true)
        }
        return value
    }
}

/// "did you mean "count"? " when `word` is within two edits of a candidate, else "".
func suggestion(for word: String, among candidates: [String]) -> String {
    let scored = candidates.map { ($0, editDistance(word, $0)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return "" }
    return "did you mean \"\(best.0)\"? "
}

/// Levenshtein distance between `a` and `b`, by characters. O(|a|·|b|).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// A JSON value built from a YAML subtree.
private enum SubtreeJSON: Encodable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([SubtreeJSON])
    case object([(String, SubtreeJSON)])

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case let .bool(value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case let .int(value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case let .double(value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case let .string(value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case let .array(values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case let .object(pairs):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in pairs { try container.encode(value, forKey: Key(stringValue: key)) }
        }
    }
}
