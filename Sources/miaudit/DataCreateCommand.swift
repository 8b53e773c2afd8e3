import ArgumentParser
import AuditData
import Foundation

/// `miaudit data create --out DIR --name NAME --rows ROWS --images IMAGES.npy …`: a data set from plain files.
struct DataCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Build a data set from a rows file (ids and groups) and .npy arrays.",
        discussion: """
            The rows file lists one data row per line, in array row order: a CSV file with a header \
            line, or JSON Lines (one object per line). It names each row's id (unique) and group \
            (rows of one group are variants of one thing and always share a split; without a group \
            column every row is its own group). The arrays are copied byte for byte; groups.npy, \
            ids.json and manifest.json are written, and the result is loaded and checked before it \
            appears at --out. Splits are drawn by group from --seed and the fractions, or read from \
            --split-column (train, forget, holdout, validation, test, or empty). The same inputs give \
            byte-identical files. Format and a worked example: docs/data-format.md.

            Examples (docs/data-format.md shows how to make the input files):
              miaudit data create --out my-pairs --name my-pairs \\
                --rows my-inputs/rows.csv --images my-inputs/images.npy \\
                --texts my-inputs/texts.npy
              miaudit data create --out my-labels --name my-labels \\
                --task classification --rows my-inputs/rows.csv \\
                --images my-inputs/images.npy --label-column label

            Exit status: 0 written; 64 usage; 65 malformed input (the message names the file, line and \
            column); 66 a missing input; 73 --out exists and is not empty, or cannot be written; 74 an \
            input that cannot be read.
            """)

    @OptionGroup(title: "Data set") var main: DataCreateMainOptions
    @OptionGroup(title: "Task inputs") var taskInputs: DataCreateTaskOptions
    @OptionGroup(title: "Rows file columns") var columns: DataCreateColumnOptions
    @OptionGroup(title: "Splits") var splitOptions: DataCreateSplitOptions
    @OptionGroup(title: "Documentation files") var documentation: DataCreateDocumentationOptions

    func validate() throws {
        try taskInputs.check(task: main.task)
    }

    func run() throws {
        try reportingErrors {
            let outcome = try creation().run()
            print(DataSetSummary(outcome.dataSet).text)
            if outcome.groupColumn == nil {
                print("groups: \(main.rows) has no '\(DataSetCreation.defaultGroupColumn)' column, so every row is its own group")
            }
            if let splitColumn = splitOptions.splitColumn {
                print("splits: from column '\(splitColumn)' of \(main.rows)")
            } else {
                print("splits: drawn by group with seed \(splitOptions.seed ?? 0)")
            }
            let empty = ["forget", "holdout"].filter { outcome.dataSet.splits[$0]?.isEmpty ?? true }
            if !empty.isEmpty {
                let names = empty.map { "'\($0)'" }.joined(separator: " and ")
                FileHandle.standardError.write(Data("miaudit: warning: \(empty.count == 1 ? "split" : "splits") \(names) \(empty.count == 1 ? "is" : "are") empty, so an audit will refuse this data set; add rows or groups, or raise --forget and --holdout (or mark rows in the split column).\n".utf8))
            }
        }
    }

    /// The library call these options describe (validated).
    func creation() -> DataSetCreation {
        let url = { (path: String) in URL(fileURLWithPath: path) }
        let creationTask: DataSetCreation.Task
        switch main.task {
        case .imageTextMatching:
            creationTask = .imageTextMatching(texts: url(taskInputs.texts ?? ""), paraphrases: taskInputs.paraphrases.map(url))
        case .classification:
            let labels: DataSetCreation.LabelSource = taskInputs.labels.map { .array(url($0)) } ?? .column(taskInputs.labelColumn ?? "")
            creationTask = .classification(labels: labels, classes: taskInputs.classes.map(url), texts: taskInputs.texts.map(url))
        }
        return DataSetCreation(
            output: url(main.output), name: main.name, rows: url(main.rows), images: url(main.images), task: creationTask,
            pixelScale: main.pixelScale,
            idColumn: columns.idColumn, groupColumn: columns.groupColumn,
            splits: splitOptions.source(), description: documentation.description,
            provenance: documentation.provenance.map(url), notice: documentation.notice.map(url),
            metadata: documentation.metadata.map(url))
    }
}
