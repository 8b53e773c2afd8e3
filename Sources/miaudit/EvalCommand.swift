import ArgumentParser
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Print a model's utility on a split: image–text matching figures, or a classifier's accuracy.",
        discussion: """
            ITM accuracy is over the split's true pairs and one mismatched pair per true pair (a text \
            from another group, drawn with a fixed seed so every model meets the same pairs). Recall@K \
            ranks all of the split's texts for each image and all its images for each text; ties count \
            against the model. JSON fields: itm_accuracy, match_accuracy, mismatched_match_rate, \
            recall.image_to_text."1"|"5"|"10", recall.text_to_image.…, examples. On a classification data \
            set: accuracy (the most probable class is the label), mean_loss (−log p of the label) and examples.
            """)

    @Option(name: .long, help: ArgumentHelp("The model (.safetensors).", valueName: "file"))
    var model: String
    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "The split to evaluate.")
    var split: String = "test"
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
    @Flag(name: .long, help: "Evaluate the model on a data set other than the one it was trained on (refused otherwise).")
    var allowOtherData = false
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try reportingErrors {
            threadOptions.apply()
            let (loaded, metadata) = try loadModel(model)
            let (dataSet, data) = try dataOptions.load()
            try checkCompatible(loaded, dataSet: dataSet, modelPath: model)
            if !allowOtherData, let provenance = TrainingProvenance.from(metadata: metadata),
               let (problem, fix) = provenance.dataSetMismatch(name: dataSet.manifest.name, digest: dataSet.digest, place: dataSet.manifestPath) {
                throw ModelFileError(path: model, problem: problem, fix: fix)
            }
            let rows = try dataSet.indices(ofSplit: split)
            // Through the adapter first: a model whose outputs overflow is refused before any figure is computed.
            _ = try NativeAdapter(model: loaded, modelID: (model as NSString).lastPathComponent, digest: "", classes: dataSet.classes)
                .probabilities(forRows: rows, in: dataSet)
            if data.isClassification {
                guard !rows.isEmpty else { throw UsageError(description: "\(dataSet.manifestPath): split \"\(split)\" is empty") }
                let utility = MatchingEvaluator.classificationUtility(model: loaded, data: data, rows: rows)
                switch format {
                case .text: print(UtilityTable.render([(split, utility)]))
                case .json: print(try OutputFormat.json(utility))
                }
                return
            }
            guard Set(rows.map { data.groups[$0] }).count >= 2 else {
                throw UsageError(description: "\(dataSet.manifestPath): split \"\(split)\" has fewer than two groups; evaluation needs mismatched pairs")
            }
            let utility = MatchingEvaluator.evaluate(model: loaded, data: data, rows: rows)
            switch format {
            case .text: print(UtilityTable.render([(split, utility)]))
            case .json: print(try OutputFormat.json(utility))
            }
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
