import AuditData
import Diagnostics
import Foundation
import NeuralNet
import NumericCore
import Testing
@testable import ModelAdapters

/// One outputs file (and its neighbours) that must fail to load, with what the message must say.
struct OutputsLoadErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// File name → bytes, written to a fresh directory.
    let files: [String: [UInt8]]
    let path: String
    var ids: String?
    var values: AdapterDescription.OutputValues = .probabilities
    /// Words the message must contain besides the outputs file's name.
    let keywords: [String]
    let status: SysExit

    var testDescription: String { name }

    static func npy(_ values: [Double], _ shape: [Int]) -> [UInt8] {
        [UInt8](NPY.encode(NPYArray(float64: values, shape: shape)))
    }

    static func safetensors(_ name: String, _ shape: [Int], _ values: [Double], ids: String? = "[\"a\",\"b\",\"c\"]") -> [UInt8] {
        Safetensors.encoded([.float64(name: name, shape: shape, values: values)], metadata: ids.map { ["ids": $0] } ?? [:])
    }

    static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

    static let good = [0.5, 0.5, 0.25, 0.75, 1, 0]
    static let abc = text("[\"a\", \"b\", \"c\"]")

    static let all: [OutputsLoadErrorCase] = [
        .init(name: "missing outputs file", files: [:], path: "gone.csv", keywords: ["does not exist"], status: .noInput),
        .init(name: "missing ids file", files: ["p.npy": npy(good, [3, 2])], path: "p.npy", ids: "nope.json",
              keywords: ["ids file", "nope.json", "does not exist"], status: .noInput),
        .init(name: "npy without ids", files: ["p.npy": npy(good, [3, 2])], path: "p.npy",
              keywords: ["needs an ids file", "set 'ids'"], status: .usage),
        .init(name: "ids for csv", files: ["p.csv": text("id,no_match,match\na,0.5,0.5\n"), "i.json": abc], path: "p.csv",
              ids: "i.json", keywords: ["carries its own ids", "remove 'ids'"], status: .usage),
        .init(name: "unknown extension", files: ["p.txt": text("id,no_match,match\n")], path: "p.txt",
              keywords: ["'.txt'", ".npy, .safetensors or .csv"], status: .usage),
        .init(name: "empty csv", files: ["p.csv": []], path: "p.csv", keywords: ["is empty"], status: .data),
        .init(name: "empty npy", files: ["p.npy": [], "i.json": abc], path: "p.npy", ids: "i.json",
              keywords: ["is empty"], status: .data),
        .init(name: "empty ids file", files: ["p.npy": npy(good, [3, 2]), "i.txt": []], path: "p.npy", ids: "i.txt",
              keywords: ["ids file", "i.txt", "is empty"], status: .data),
        .init(name: "csv header only", files: ["p.csv": text("id,no_match,match\n")], path: "p.csv",
              keywords: ["holds no rows"], status: .data),
        .init(name: "npy with no rows", files: ["p.npy": npy([], [0, 2]), "i.json": text("[]")], path: "p.npy", ids: "i.json",
              keywords: ["holds no rows"], status: .data),
        .init(name: "duplicate csv ids", files: ["p.csv": text("id,no_match,match\na,0.5,0.5\nb,0.5,0.5\na,0.5,0.5\n")],
              path: "p.csv", keywords: ["example id 'a'", "line 2", "line 4", "exactly one row"], status: .data),
        .init(name: "duplicate npy ids", files: ["p.npy": npy(good, [3, 2]), "i.txt": text("a\nb\na\n")], path: "p.npy",
              ids: "i.txt", keywords: ["example id 'a'", "row 0", "row 2"], status: .data),
        .init(name: "blank id line", files: ["p.npy": npy(good, [3, 2]), "i.txt": text("a\n\nc\n")], path: "p.npy",
              ids: "i.txt", keywords: ["line 2 of the ids file", "i.txt", "empty"], status: .data),
        .init(name: "ids not a JSON array", files: ["p.npy": npy(good, [3, 2]), "i.json": text("[\"a\", 2]")], path: "p.npy",
              ids: "i.json", keywords: ["i.json", "not a JSON array of strings"], status: .data),
        .init(name: "npy rows differ from ids", files: ["p.npy": npy(good, [3, 2]), "i.json": text("[\"a\",\"b\"]")],
              path: "p.npy", ids: "i.json", keywords: ["3 rows", "names 2 ids", "i.json"], status: .data),
        .init(name: "safetensors rows differ from ids", files: ["p.safetensors": safetensors("probabilities", [3, 2], good, ids: "[\"a\"]")],
              path: "p.safetensors", keywords: ["'probabilities' has 3 rows", "metadata names 1 ids"], status: .data),
        .init(name: "npy rank 1", files: ["p.npy": npy(good, [6]), "i.json": abc], path: "p.npy", ids: "i.json",
              keywords: ["shape [6]", "rank 1", "[n, C]"], status: .data),
        .init(name: "safetensors rank 3", files: ["p.safetensors": safetensors("logits", [3, 2, 1], good)], path: "p.safetensors",
              keywords: ["tensor 'logits'", "shape [3, 2, 1]", "rank 3"], status: .data),
        .init(name: "one class", files: ["p.npy": npy([1, 1, 1], [3, 1]), "i.json": abc], path: "p.npy", ids: "i.json",
              keywords: ["at least 2 classes"], status: .data),
        .init(name: "NaN in npy", files: ["p.npy": npy([0.5, 0.5, .nan, 0.75, 1, 0], [3, 2]), "i.json": abc], path: "p.npy",
              ids: "i.json", values: .logits, keywords: ["row 1, column 0", "nan", "not a finite number"], status: .data),
        .init(name: "Inf in safetensors", files: ["p.safetensors": safetensors("logits", [3, 2], [0, 1, 2, 3, 4, .infinity])],
              path: "p.safetensors", keywords: ["row 2, column 1", "inf", "not a finite number"], status: .data),
        .init(name: "row sum", files: ["p.npy": npy([0.5, 0.5, 0.25, 0.5, 1, 0], [3, 2]), "i.json": abc], path: "p.npy",
              ids: "i.json", keywords: ["row 1 sums to 0.75", "not 1 within 1e-06", "set values to logits"], status: .data),
        .init(name: "negative probability", files: ["p.safetensors": safetensors("probabilities", [3, 2], [0.5, 0.5, -0.25, 1.25, 1, 0])],
              path: "p.safetensors", keywords: ["row 1, column 0 is -0.25", "negative probability", "name the tensor 'logits'"],
              status: .data),
        .init(name: "probability above 1", files: ["p.csv": text("id,no_match,match\na,0.5,0.5\nb,1.5,-0.5\n")], path: "p.csv",
              keywords: ["line 3, field 2 ('no_match') is 1.5", "above 1"], status: .data),
        .init(name: "csv sum", files: ["p.csv": text("id,no_match,match\na,0.5,0.5\nb,0.5,0.4999\n")], path: "p.csv",
              keywords: ["line 3 sums to 0.9999", "not 1 within"], status: .data),
        .init(name: "ragged csv", files: ["p.csv": text("id,no_match,match\na,0.5,0.5\nb,0.5\n")], path: "p.csv",
              keywords: ["line 3 has 2 field(s)", "header has 3"], status: .data),
        .init(name: "bad number", files: ["p.csv": text("id,no_match,match\na,0.5,0.5x\n")], path: "p.csv",
              keywords: ["line 2, field 3 ('match')", "'0.5x'", "not a finite number"], status: .data),
        .init(name: "nan in csv", files: ["p.csv": text("id,no_match,match\r\na,0.5,0.5\r\nb,nan,0.5\r\n")], path: "p.csv",
              values: .logits, keywords: ["line 3, field 2 ('no_match')", "'nan'"], status: .data),
        .init(name: "unclosed quote", files: ["p.csv": text("id,no_match,match\na,0.5,0.5\n\"b,0.5,0.5\n")], path: "p.csv",
              keywords: ["starts on line 3", "never closed"], status: .data),
        .init(name: "stray quote", files: ["p.csv": text("id,no_match,match\na\"b,0.5,0.5\n")], path: "p.csv",
              keywords: ["line 2, field 1", "quote inside an unquoted field"], status: .data),
        .init(name: "text after closing quote", files: ["p.csv": text("id,no_match,match\n\"a\"b,0.5,0.5\n")], path: "p.csv",
              keywords: ["line 2, field 1", "after its closing quote"], status: .data),
        .init(name: "header without id", files: ["p.csv": text("example,no_match,match\na,0.5,0.5\n")], path: "p.csv",
              keywords: ["'example' instead of 'id'"], status: .data),
        .init(name: "no outputs tensor", files: ["p.safetensors": safetensors("scores", [3, 2], good)], path: "p.safetensors",
              keywords: ["no tensor named 'probabilities' or 'logits'", "'scores'"], status: .data),
        .init(name: "both tensors", files: ["p.safetensors": [UInt8](Safetensors.encoded(
            [.float64(name: "logits", shape: [3, 2], values: good), .float64(name: "probabilities", shape: [3, 2], values: good)],
            metadata: ["ids": "[\"a\",\"b\",\"c\"]"]))], path: "p.safetensors", keywords: ["both a 'probabilities' and a 'logits'"],
              status: .data),
        .init(name: "no ids metadata", files: ["p.safetensors": safetensors("probabilities", [3, 2], good, ids: nil)],
              path: "p.safetensors", keywords: ["no 'ids' entry"], status: .data),
        .init(name: "integer npy", files: ["p.npy": [UInt8](NPY.encode(NPYArray(int64: [1, 0, 1, 0, 1, 0], shape: [3, 2]))),
                                           "i.json": abc], path: "p.npy", ids: "i.json",
              keywords: ["'<i8'", "not a floating-point type"], status: .data),
    ]
}

extension OutputsAdapterTests {
    @Suite struct Errors {
        @Test(arguments: OutputsLoadErrorCase.all)
        func loadErrorsNameTheFileTheProblemAndTheFix(_ example: OutputsLoadErrorCase) throws {
            let directory = try OutputsTestSupport.directory("errors")
            defer { try? FileManager.default.removeItem(at: directory) }
            for (name, bytes) in example.files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
            let settings = AdapterDescription.OutputsSettings(
                path: directory.appendingPathComponent(example.path).path,
                ids: example.ids.map { directory.appendingPathComponent($0).path }, values: example.values)
            let error = try #require(throws: AdapterError.self) { try OutputsAdapter(settings: settings) }
            let message = error.description
            #expect(message.hasPrefix("outputs \(settings.path) adapter: "))
            for word in example.keywords { #expect(message.contains(word), "\(message) lacks '\(word)'") }
            #expect(message.hasSuffix(".") && message.contains("; "))
            #expect(error.exitStatus == example.status)
        }

        @Test func queryErrorsNameTheExampleAndTheDataSet() throws {
            let dataSet = try OutputsTestSupport.fixture.get()
            let directory = try OutputsTestSupport.directory("query-errors")
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("true-pairs.csv")
            let rows = (0..<dataSet.count).map { "\"\(dataSet.ids[$0])\",0.5,0.5" }
            try Data((["id,no_match,match"] + rows).joined(separator: "\n").utf8).write(to: url)
            let adapter = try OutputsAdapter(settings: .init(path: url.path))
            #expect(try adapter.probabilities(forRows: Array(0..<dataSet.count), in: dataSet).count == dataSet.count)

            let paraphrase = PairQuery(image: 0, text: 1, view: .paraphrase)
            let missing = try #require(throws: AdapterError.self) {
                try adapter.probabilities(for: [.truePair(0), paraphrase], in: dataSet)
            }
            #expect(missing.description == "outputs \(url.path) adapter: the file has no row for example id "
                + "'\(dataSet.ids[0])|\(dataSet.ids[1])#paraphrase' (it holds \(dataSet.count) ids); "
                + "precompute outputs for every queried example.")
            #expect(missing.exitStatus == .data)

            let outside = try #require(throws: AdapterError.self) {
                try adapter.probabilities(for: [.truePair(dataSet.count)], in: dataSet)
            }
            #expect(outside.exitStatus == .usage && outside.description.contains("row \(dataSet.count)"))

            let three = directory.appendingPathComponent("three.csv")
            try Data("id,a,b,c\n\"\(dataSet.ids[0])\",0.2,0.3,0.5\n".utf8).write(to: three)
            let wide = try #require(throws: AdapterError.self) {
                try OutputsAdapter(settings: .init(path: three.path)).probabilities(forRows: [0], in: dataSet)
            }
            #expect(wide.description.contains("three.csv") && wide.description.contains("3 classes (a, b, c)")
                && wide.description.contains(dataSet.manifestPath) && wide.description.contains("with 2 (no_match, match)"))
            #expect(wide.exitStatus == .data)

            let swapped = directory.appendingPathComponent("swapped.csv")
            try Data("id,match,no_match\n\"\(dataSet.ids[0])\",0.2,0.8\n".utf8).write(to: swapped)
            let order = try #require(throws: AdapterError.self) {
                try OutputsAdapter(settings: .init(path: swapped.path)).probabilities(forRows: [0], in: dataSet)
            }
            #expect(order.description.contains("swapped.csv") && order.description.contains("no_match then match"))
        }
    }
}
