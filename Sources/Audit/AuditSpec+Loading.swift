import AuditData
import Foundation
import Gate
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import Stats
import Unlearning
import Yams

extension AuditSpec {
    /// Reads, types and checks the audit spec at `url`.
    ///
    /// Relative paths in the spec are resolved against the spec file's directory; `source` holds the
    /// absolute path, the text verbatim and the SHA-256 of the bytes. Files the spec names are not
    /// checked here (the runner does that).
    ///
    /// - Throws: `AuditSpecError`: `.noInput` when the file does not exist, `.ioError` when it cannot
    ///   be read, `.data` for any problem with its content (naming the line and the key path).
    public static func load(from url: URL) throws -> AuditSpec {
        let file = url.relativePath
        let absolute = url.absoluteURL.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute.path, isDirectory: &isDirectory) else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "no such file; check the path, e.g. miaudit audit audits/retrain.yaml", exitStatus: .noInput)
        }
        guard !isDirectory.boolValue else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "is a directory, not a spec file; name a .yaml file, e.g. audits/retrain.yaml", exitStatus: .noInput)
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: absolute)
        } catch {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "cannot be read (\(error.localizedDescription)); check that it is a file you may read",
                                 exitStatus: .ioError)
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil, message: "is not UTF-8 text; save the spec as UTF-8")
        }
        return try read(SpecSource(path: absolute.path, text: text, sha256: sha256Hex(bytes)), file: file)
    }

    /// Types and checks a spec held in memory, as if read from `path`: errors name `path`, relative
    /// paths resolve against its directory, and `source.path` is `path` as given.
    ///
    /// - Throws: `AuditSpecError` (`.data`) naming the line and key path of the first problem.
    public static func parse(yaml: String, path: String) throws -> AuditSpec {
        try read(SpecSource(path: path, text: yaml, sha256: sha256Hex(Data(yaml.utf8))), file: path)
    }

    private static func read(_ source: SpecSource, file: String) throws -> AuditSpec {
        let root = try SpecNode.root(of: source.text, file: file)
        let directory = URL(fileURLWithPath: source.path).deletingLastPathComponent()
        return try SpecReader(directory: directory).spec(from: root, source: source)
    }
}

// MARK: - Composing the YAML

extension SpecNode {
    /// The document's root mapping. YAML syntax errors, duplicate keys, an empty file and a top level
    /// that is not a mapping are errors naming the file and line.
    static func root(of text: String, file: String) throws -> SpecNode {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch let error as YamlError {
            throw yamlError(error, text: text, file: file)
        } catch {
            throw AuditSpecError(file: file, line: nil, keyPath: nil, message: "is not valid YAML (\(error)); fix the syntax")
        }
        guard let composed, !SpecNode(node: composed, path: SpecPath(), file: file).isNull else {
            throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                 message: "the file is empty; write an audit spec (name, data, original, target), e.g. as in audits/retrain.yaml")
        }
        try checkExpandedSize(composed, file: file)
        let root = SpecNode(node: composed, path: SpecPath(), file: file)
        guard composed.mapping != nil else {
            throw root.expected("a mapping at the top level", hint: "write keys such as name, data, original and target, one per line")
        }
        return root
    }

    /// The most YAML nodes a spec may hold once its aliases are expanded. A real spec has a few
    /// hundred; nested aliases ("billion laughs") can make a few hundred bytes expand past memory.
    static let maximumExpandedNodes = 100_000

    /// Walks the composed tree as its readers will (every alias expanded), stopping with an error as
    /// soon as it passes `maximumExpandedNodes`: bounded time and memory whatever the aliases.
    static func checkExpandedSize(_ root: Node, file: String) throws {
        var count = 0
        var stack: [Node] = [root]
        while let node = stack.popLast() {
            count += 1
            if count > maximumExpandedNodes {
                throw AuditSpecError(file: file, line: nil, keyPath: nil,
                                     message: "expands to more than \(maximumExpandedNodes) YAML nodes once its aliases (*name) are expanded; "
                                     + "a spec needs a few hundred, so write the values out instead of nesting aliases")
            }
            switch node {
            case let .mapping(mapping):
                for (key, value) in mapping {
                    stack.append(key)
                    stack.append(value)
                }
            case let .sequence(sequence):
                stack.append(contentsOf: sequence)
            default:
                break
            }
        }
    }

    private static func yamlError(_ error: YamlError, text: String, file: String) -> AuditSpecError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return AuditSpecError(file: file, line: mark.line, keyPath: nil,
                                  message: "invalid YAML: \(problem)\(during); fix the syntax here (indentation, a missing colon, an unclosed bracket or quote)")
        case let .reader(problem, offset, _, _):
            let line = offset.map { offset in text.utf8.prefix(max(0, offset)).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
            return AuditSpecError(file: file, line: line, keyPath: nil, message: "invalid YAML: \(problem); remove the character or save the file as UTF-8 text")
        case let .duplicatedKeysInMapping(duplicates, context):
            return duplicateKeyError(key: duplicates.first ?? "?", at: context.mark, text: text, file: file)
        default:
            return AuditSpecError(file: file, line: nil, keyPath: nil, message: "is not valid YAML (\(error)); fix the syntax")
        }
    }

    private static let duplicateMarker = "_miaudit_duplicate_"

    /// Yams reports a duplicate key with the line of its first occurrence only. To name the key path
    /// and the second occurrence, the first occurrence is renamed in a copy of the text (and any
    /// further duplicates after it) and the copy is composed again.
    private static func duplicateKeyError(key: String, at firstMark: Mark, text: String, file: String) -> AuditSpecError {
        var copy = text
        var mark = firstMark
        for attempt in 0..<32 {
            guard let renamed = inserting("\(duplicateMarker)\(attempt)_", at: mark, in: copy) else { break }
            copy = renamed
            do {
                guard let node = try Yams.compose(yaml: copy, .default, .default, .utf8) else { break }
                if let found = SpecNode(node: node, path: SpecPath(), file: file).duplicate(marker: "\(duplicateMarker)0_") { return found }
                break
            } catch let YamlError.duplicatedKeysInMapping(_, context) {
                mark = context.mark
            } catch {
                break
            }
        }
        return AuditSpecError(file: file, line: firstMark.line, keyPath: key,
                              message: "duplicate key (first at line \(firstMark.line)); keep one of the two")
    }

    /// The first renamed key and the occurrence after it, as an error at the later one.
    private func duplicate(marker: String) -> AuditSpecError? {
        switch node {
        case let .mapping(mapping):
            let pairs = Array(mapping)
            if let index = pairs.firstIndex(where: { $0.key.scalar?.string.hasPrefix(marker) == true }) {
                let name = Self.unmarked(pairs[index].key.scalar?.string ?? "")
                guard let later = pairs[(index + 1)...].first(where: { Self.unmarked($0.key.scalar?.string ?? "") == name }) else { return nil }
                let first = pairs[index].key.mark?.line ?? 1
                return SpecNode(node: later.key, path: path.appending(name), file: file)
                    .error("duplicate key (first at line \(first)); keep one of the two")
            }
            for (key, value) in pairs {
                let child = SpecNode(node: value, path: path.appending(Self.unmarked(key.scalar?.string ?? "")), file: file)
                if let found = child.duplicate(marker: marker) { return found }
            }
            return nil
        case let .sequence(sequence):
            for (index, element) in sequence.enumerated() {
                if let found = SpecNode(node: element, path: path.appending(index: index), file: file).duplicate(marker: marker) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// `key` without a duplicate marker.
    private static func unmarked(_ key: String) -> String {
        guard key.hasPrefix(duplicateMarker) else { return key }
        let rest = key.dropFirst(duplicateMarker.count).drop(while: \.isNumber)
        return String(rest.hasPrefix("_") ? rest.dropFirst() : rest)
    }

    /// `text` with `marker` inserted where `mark` points (after an opening quote), or nil when the
    /// mark lies outside the text.
    private static func inserting(_ marker: String, at mark: Mark, in text: String) -> String? {
        var scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        while line < mark.line {
            guard index < scalars.count else { return nil }
            if scalars[index] == "\n" { line += 1 }
            index += 1
        }
        index += mark.column - 1
        guard index >= 0, index < scalars.count else { return nil }
        if scalars[index] == "\"" || scalars[index] == "'" { index += 1 }
        scalars.insert(contentsOf: marker.unicodeScalars, at: index)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
