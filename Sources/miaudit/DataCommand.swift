import ArgumentParser
import AuditData
import Foundation

/// `miaudit data`: building and inspecting data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build and inspect data sets.",
        subcommands: [DataCreateCommand.self, ImportEmojiCLDRCommand.self, InspectDataCommand.self])
}

/// `miaudit data import-emoji-cldr SOURCE_DIR --out DIR [--seed N] [--subset N] [--name NAME]`.
struct ImportEmojiCLDRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-emoji-cldr",
        abstract: "Build a data set from the emoji-cldr source files, with group splits.",
        discussion: """
            Checks the source files against PROVENANCE.json, writes images.npy, texts.npy (captions), \
            paraphrases.npy (keywords), groups.npy, ids.json, pairs.jsonl, NOTICE.txt, PROVENANCE.json and \
            manifest.json into the output directory, then loads the result to check it. The same inputs \
            give byte-identical files.
            """)

    @Argument(help: "The emoji-cldr source directory (with PROVENANCE.json).")
    var source: String

    @Option(name: .customLong("out"), help: "The data-set directory to write.")
    var output: String

    @Option(help: "The seed of the subset choice and of the splits.")
    var seed: UInt64 = 0

    @Option(help: "Keep whole groups, in seeded shuffled order, until at least this many rows.")
    var subset: Int?

    @Option(help: "The data set's name in the manifest (default: the output directory's name).")
    var name: String?

    func validate() throws {
        if let subset, subset < 1 {
            throw ValidationError("--subset \(subset) is not a positive row count; give a number of rows such as 300.")
        }
        if output.isEmpty {
            throw ValidationError("--out is empty; give the directory to write the data set to.")
        }
    }

    func run() throws {
        try reportingErrors {
            let importer = EmojiCLDRImport(source: URL(fileURLWithPath: source), output: URL(fileURLWithPath: output),
                                           seed: seed, subset: subset, name: name)
            print(DataSetSummary(try importer.run()).text)
        }
    }
}

/// `miaudit data inspect DIR`: load and check a data set, then print its summary.
struct InspectDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load a data set, check every file, hash and split rule, and print a summary.")

    @Argument(help: "The data-set directory (with manifest.json).")
    var directory: String

    func run() throws {
        try reportingErrors {
            print(DataSetSummary(try PairDataSet.load(directory: URL(fileURLWithPath: directory))).text)
        }
    }
}

/// The plain-text summary the data commands print.
struct DataSetSummary {
    var text: String

    init(_ dataSet: PairDataSet) {
        var lines = [
            "data set \(dataSet.manifest.name) at \(dataSet.directory.path)",
            "digest \(dataSet.digest)",
            "rows \(dataSet.count), groups \(Set(dataSet.groups).count), image \(dataSet.imageShape), "
                + "text width \(dataSet.texts.columns)" + (dataSet.paraphrases == nil ? "" : ", paraphrases"),
        ]
        if dataSet.isClassification {
            let shown = dataSet.classes.prefix(10).joined(separator: ", ")
            lines.append("task classification, \(dataSet.classes.count) classes: " + shown + (dataSet.classes.count > 10 ? ", ..." : ""))
        }
        for name in dataSet.splits.keys.sorted() {
            let rows = dataSet.splits[name] ?? []
            let groups = Set(rows.map { dataSet.groups[$0] }).count
            lines.append("split \(name): \(rows.count) rows, \(groups) groups")
        }
        text = lines.joined(separator: "\n")
    }
}
