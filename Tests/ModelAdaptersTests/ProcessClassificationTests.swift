import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import NumericCore
import Testing

/// The process protocol on a classification data set (fixtures/digits): the hello names the task
/// and the classes, predict requests carry no text, and a child must answer the data set's classes.
@Suite struct ProcessClassificationTests {
    static let digits = try? PairDataSet.load(directory: ProcessTestSupport.root.appendingPathComponent("fixtures/digits"))

    /// A 10-class classifier trained for two epochs on the digits' train split, with the class
    /// names in its metadata.
    static func classifier(_ dataSet: PairDataSet, activation: Activation, in directory: URL) throws -> URL {
        var recipe = TrainingRecipe()
        recipe.epochs = 2
        recipe.imageHidden = [32, 16]
        recipe.fusionHidden = [16]
        recipe.activation = activation
        let model = MatchingTrainer(recipe: recipe, seed: 17).train(data: MatchingData(dataSet), rows: try dataSet.indices(ofSplit: "train"))
        let url = directory.appendingPathComponent("classifier.safetensors")
        try model.save(to: url, metadata: NativeAdapter.classMetadata(for: dataSet))
        return url
    }

    @Test("examples/fusion_adapter.py serves a native classifier: 10 probabilities per row, the native ones to 1e-5 relative",
          arguments: [(AdapterDescription.ArrayEncoding.base64, Activation.relu, ["--outputs", "logits"]),
                      (.json, .gelu, ["--outputs", "probabilities", "--dtype", "float64"])])
    func classifierMatchesNative(encoding: AdapterDescription.ArrayEncoding, activation: Activation, options: [String]) throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(Self.digits)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelURL = try Self.classifier(dataSet, activation: activation, in: directory)
        let rows = Array(0..<300)
        let native = try NativeAdapter(settings: .init(path: modelURL.path, allowOtherData: true))
        #expect(native.identity.classes == dataSet.classes)
        let expected = try native.probabilities(forRows: rows, in: dataSet)

        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.root.appendingPathComponent("examples/fusion_adapter.py").path, "--model", modelURL.path] + options,
            timeoutSeconds: 60, batchSize: 64, encoding: encoding)
        let adapter = try ProcessAdapter(settings: settings, inputs: .init(dataSet))
        defer { adapter.close() }
        #expect(adapter.identity.classes == dataSet.classes)
        let actual = try adapter.probabilities(forRows: rows, in: dataSet)
        #expect(actual.allSatisfy { $0.count == 10 && abs($0.reduce(0, +) - 1) <= 1e-9 })
        let error = ProcessTestSupport.maximumRelativeError(actual, expected)
        #expect(error <= 1e-5, "max relative error \(error)")
        // The comparison means something only when the model's answers differ between rows.
        let argmaxes = Set(expected.map { p in p.indices.max { p[$0] < p[$1] }! })
        #expect(argmaxes.count >= 3, "the classifier answers only \(argmaxes)")
        // A classification example is a row: pairing it with another row's text is refused.
        #expect(throws: AdapterError.self) { _ = try adapter.probabilities(for: [PairQuery(image: 0, text: 1)], in: dataSet) }
    }

    @Test("a child announcing other classes than the data set's is stopped in the handshake, naming both lists")
    func otherClassesAreRefused() throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(Self.digits)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A model with classes "0"…"9" stored under other names.
        let modelURL = try Self.classifier(dataSet, activation: .relu, in: directory)
        let (model, _) = try FusionModel.load(from: modelURL)
        let renamed = directory.appendingPathComponent("renamed.safetensors")
        try model.save(to: renamed, metadata: [NativeAdapter.classesKey: #"["zero","one","two","three","four","five","six","seven","eight","nine"]"#])
        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.root.appendingPathComponent("examples/fusion_adapter.py").path, "--model", renamed.path],
            timeoutSeconds: 30, batchSize: 64, encoding: .base64)
        // The example refuses the hello itself (its classes differ from the request's); either way
        // the handshake fails and the message names the classes.
        #expect {
            _ = try ProcessAdapter(settings: settings, inputs: .init(dataSet))
        } throws: { error in
            let text = "\(error)"
            return text.contains("classes") && text.contains("zero")
        }
    }
}

/// Precomputed outputs on a classification data set: one column per class, named as the data set
/// names its classes when a CSV header names them.
@Suite struct OutputsClassificationTests {
    @Test func outputsAnswerTenClassesAndOtherWidthsOrNamesAreRefused() throws {
        let dataSet = try #require(ProcessClassificationTests.digits)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = [0, 1, 2]
        func csv(_ name: String, header: [String], width: Int) throws -> OutputsAdapter {
            var text = (["id"] + header).joined(separator: ",") + "\n"
            for row in rows {
                let values = (0..<width).map { $0 == dataSet.labels![row] % width ? "0.91" : String(0.09 / Double(width - 1)) }
                text += ([dataSet.ids[row]] + values).joined(separator: ",") + "\n"
            }
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return try OutputsAdapter(settings: .init(path: url.path))
        }
        let named = try csv("named.csv", header: dataSet.classes, width: 10)
        let answered = try named.probabilities(forRows: rows, in: dataSet)
        #expect(answered.map { p in p.indices.max { p[$0] < p[$1] }! } == rows.map { dataSet.labels![$0] })
        let renamed = try csv("renamed.csv", header: (0..<10).map { "digit\($0)" }, width: 10)
        let nameError = #expect(throws: AdapterError.self) { _ = try renamed.probabilities(forRows: rows, in: dataSet) }
        #expect(nameError?.description.contains("digit0") == true)
        let narrow = try csv("narrow.csv", header: ["no_match", "match"], width: 2)
        let widthError = #expect(throws: AdapterError.self) { _ = try narrow.probabilities(forRows: rows, in: dataSet) }
        #expect(widthError?.description.contains("has 2 columns") == true)
        #expect(widthError?.description.contains("10 classes") == true)
    }
}
