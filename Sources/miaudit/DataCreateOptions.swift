import ArgumentParser
import AuditData
import Foundation

/// The output, its name, the two inputs every data set has, and the task.
struct DataCreateMainOptions: ParsableArguments {
    /// The `--task` values.
    enum TaskChoice: String, ExpressibleByArgument, CaseIterable {
        case imageTextMatching = "image-text-matching"
        case classification
    }

    @Option(name: .customLong("out"), help: ArgumentHelp("The data-set directory to create; it must be absent or empty.", valueName: "dir"))
    var output: String

    @Option(help: ArgumentHelp("The data set's name, recorded in the manifest and in results.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The rows file: .csv (header line) or .jsonl (one object per line), one row per array row.", valueName: "file"))
    var rows: String

    @Option(help: ArgumentHelp("The images .npy, shape [n, ...], any supported dtype.", valueName: "file"))
    var images: String

    @Option(help: "The task.")
    var task: TaskChoice = .imageTextMatching

    @Option(help: ArgumentHelp("Image features are stored values divided by this (default: 255 for uint8 images, else 1).", valueName: "scale"))
    var pixelScale: Double?

    func validate() throws {
        for (option, value) in [("--out", output), ("--name", name), ("--rows", rows), ("--images", images)] where value.isEmpty {
            throw ValidationError("\(option) is empty; give a value.")
        }
        let rowsExtension = URL(fileURLWithPath: rows).pathExtension.lowercased()
        guard rowsExtension == "csv" || rowsExtension == "jsonl" else {
            throw ValidationError("--rows '\(rows)' is neither a .csv nor a .jsonl file; give the rows as CSV with a header line or as JSON Lines.")
        }
        if let pixelScale, !(pixelScale.isFinite && pixelScale > 0 && Float(pixelScale).isNormal) {
            throw ValidationError("--pixel-scale \(pixelScale) is not a positive, finite scale; use 255 for uint8 pixels or 1 for scaled floats.")
        }
    }
}

/// The arrays and files that depend on `--task`.
struct DataCreateTaskOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Text embeddings .npy, float, shape [n, d] (image-text-matching: required; classification: optional).", valueName: "file"))
    var texts: String?

    @Option(help: ArgumentHelp("Paraphrase embeddings .npy, the shape of the texts (image-text-matching only).", valueName: "file"))
    var paraphrases: String?

    @Option(help: ArgumentHelp("Class indices .npy, <i4 or <i8, shape [n] (classification; or --label-column).", valueName: "file"))
    var labels: String?

    @Option(help: ArgumentHelp("The rows file's label column: integers from 0, or class names with --classes (classification).", valueName: "name"))
    var labelColumn: String?

    @Option(help: ArgumentHelp("Class names, one per line in label order (classification; default: 0, 1, ... up to the largest label).", valueName: "file"))
    var classes: String?

    /// Refuses inputs the task does not take, and a missing required one.
    func check(task: DataCreateMainOptions.TaskChoice) throws {
        switch task {
        case .imageTextMatching:
            guard texts != nil else {
                throw ValidationError("--texts is required for --task image-text-matching; give the text embeddings .npy, or use --task classification for labelled rows.")
            }
            if let given = [("--labels", labels), ("--label-column", labelColumn), ("--classes", classes)].first(where: { $0.1 != nil }) {
                throw ValidationError("\(given.0) is for --task classification; add --task classification, or drop \(given.0).")
            }
        case .classification:
            if paraphrases != nil {
                throw ValidationError("--paraphrases is for --task image-text-matching; classification data sets have no paraphrases, so drop it.")
            }
            switch (labels, labelColumn) {
            case (nil, nil):
                throw ValidationError("--task classification needs labels: give --labels LABELS.npy or --label-column NAME.")
            case (.some, .some):
                throw ValidationError("--labels and --label-column both give the labels; give one of them.")
            default:
                break
            }
        }
    }
}

/// Which columns of the rows file hold what.
struct DataCreateColumnOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The id column.", valueName: "name"))
    var idColumn = "id"

    @Option(help: ArgumentHelp("The group column (default: 'group' when present, else every row is its own group).", valueName: "name"))
    var groupColumn: String?
}

/// The splits: a column of the rows file, or the seed and fractions they are drawn with.
struct DataCreateSplitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Take the splits from this column (train, forget, holdout, validation, test, or empty) instead of drawing them.", valueName: "name"))
    var splitColumn: String?

    @Option(help: "The seed the splits are drawn with (default: 0).")
    var seed: UInt64?

    @Option(help: "Fraction of rows in train (default: 0.6).")
    var train: Double?

    @Option(help: "Fraction of rows in holdout (default: 0.1).")
    var holdout: Double?

    @Option(help: "Fraction of rows in validation (default: 0.1).")
    var validation: Double?

    @Option(help: "Fraction of rows in test (default: 0.2).")
    var test: Double?

    @Option(help: "Fraction of train rows in forget (default: 0.1).")
    var forget: Double?

    /// The options given that only matter when splits are drawn.
    var drawingOptionsGiven: [String] {
        [("--seed", seed.map(Double.init)), ("--train", train), ("--holdout", holdout), ("--validation", validation), ("--test", test),
         ("--forget", forget)].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// The fractions given, the standard ones for those not given.
    var fractions: GroupSplitter.Fractions {
        let standard = GroupSplitter.Fractions.standard
        return .init(train: train ?? standard.train, holdout: holdout ?? standard.holdout,
                     validation: validation ?? standard.validation, test: test ?? standard.test, forget: forget ?? standard.forget)
    }

    func validate() throws {
        if splitColumn != nil, let drawn = drawingOptionsGiven.first {
            throw ValidationError("--split-column takes the splits from the rows file, so \(drawn) has nothing to do; give one or the other.")
        }
        let parts = fractions
        for (option, value) in [("--train", parts.train), ("--holdout", parts.holdout), ("--validation", parts.validation),
                                ("--test", parts.test), ("--forget", parts.forget)] where !(value.isFinite && value >= 0 && value <= 1) {
            throw ValidationError("\(option) \(value) is not a fraction; give a number from 0 to 1.")
        }
        let sum = parts.train + parts.holdout + parts.validation + parts.test
        guard abs(sum - 1) <= 1e-9 else {
            throw ValidationError("--train \(parts.train) + --holdout \(parts.holdout) + --validation \(parts.validation) + --test \(parts.test) = \((sum * 1e9).rounded() / 1e9), not 1; give fractions that add up to 1.")
        }
    }

    /// The split source for the library.
    func source() -> DataSetCreation.SplitSource {
        if let splitColumn { return .column(splitColumn) }
        return .drawn(fractions, seed: seed ?? 0)
    }
}

/// Files copied into the data set as they are, and the description.
struct DataCreateDocumentationOptions: ParsableArguments {
    @Option(name: .customLong("description"), help: ArgumentHelp("Free text for the manifest: where the data came from and how it was made.", valueName: "text"))
    var description: String?

    @Option(help: ArgumentHelp("A provenance document, copied under its own name.", valueName: "file"))
    var provenance: String?

    @Option(help: ArgumentHelp("A licence notice that travels with the data, copied under its own name.", valueName: "file"))
    var notice: String?

    @Option(help: ArgumentHelp("A per-row metadata file (e.g. the rows file itself), copied under its own name.", valueName: "file"))
    var metadata: String?
}
