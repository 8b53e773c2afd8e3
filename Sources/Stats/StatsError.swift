import Diagnostics
import NumericCore

/// A problem with data handed to the Stats module that the user can fix.
///
/// Every message is one sentence of the form "<input>: <problem>; <how to fix>." and every case exits
/// with `SysExit.data` (65). Callers name the inputs (a file path, or a role such as "scores").
public enum StatsError: ReportableError, Equatable {
    /// An input that must hold at least one value is empty.
    case emptySample(input: String)
    /// An input holds NaN at `index`.
    case notANumber(input: String, index: Int)
    /// All labels belong to one class, so rates against the other class are undefined.
    case singleClass(input: String, onlyPositives: Bool)
    /// Two inputs that pair up element by element have different lengths.
    case mismatchedLengths(first: String, firstCount: Int, second: String, secondCount: Int)
    /// A label that is not 0 or 1 (or false/true).
    case invalidLabel(input: String, index: Int, value: Double)
    /// A setting outside its valid range, such as a confidence of 1.5.
    case invalidSetting(name: String, value: String, expected: String)
    /// An input whose shape does not fit, such as a keep matrix with a ragged row.
    case badShape(input: String, problem: String, fix: String = "make the inputs agree in shape")
    /// A class with fewer examples than cross-validation folds, so some fold would hold none of it.
    case tooFewForFolds(input: String, positives: Bool, count: Int, folds: Int)

    public var exitStatus: SysExit { .data }

    public var description: String {
        switch self {
        case let .emptySample(input):
            "\(input): holds no values; pass at least one value."
        case let .notANumber(input, index):
            "\(input): value \(index) is NaN; remove or replace non-numbers before testing."
        case let .singleClass(input, onlyPositives):
            "\(input): every label is \(onlyPositives ? "1 (member)" : "0 (non-member)"); "
                + "supply both members (1) and non-members (0)."
        case let .mismatchedLengths(first, firstCount, second, secondCount):
            "\(first) has \(firstCount) values but \(second) has \(secondCount); pass one label per score."
        case let .invalidLabel(input, index, value):
            "\(input): label \(index) is \(value), not 0 or 1; encode members as 1 and non-members as 0."
        case let .invalidSetting(name, value, expected):
            "\(name) is \(value); use \(expected)."
        case let .badShape(input, problem, fix):
            "\(input): \(problem); \(fix)."
        case let .tooFewForFolds(input, positives, count, folds):
            "\(input): only \(count) \(positives ? "members (1)" : "non-members (0)") for \(folds)-fold cross-validation; "
                + "supply at least \(folds) examples of each class, or use fewer folds."
        }
    }
}

extension StatsError {
    /// Throws `.emptySample` or `.notANumber` for `values`.
    static func checkSample(_ values: [Double], input: String) throws {
        guard !values.isEmpty else { throw StatsError.emptySample(input: input) }
        if let index = values.firstIndex(where: { $0.isNaN }) {
            throw StatsError.notANumber(input: input, index: index)
        }
    }

    /// Throws unless `scores` and `labels` have equal, non-zero lengths, no NaN and both classes.
    static func checkScoresAndLabels(_ scores: [Double], _ labels: [Bool],
                                     scoresInput: String, labelsInput: String) throws {
        try checkSample(scores, input: scoresInput)
        guard scores.count == labels.count else {
            throw StatsError.mismatchedLengths(first: scoresInput, firstCount: scores.count,
                                               second: labelsInput, secondCount: labels.count)
        }
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        if positives == 0 || positives == labels.count {
            throw StatsError.singleClass(input: labelsInput, onlyPositives: positives > 0)
        }
    }

    /// Throws `.invalidSetting` unless `0 < confidence < 1`.
    static func checkConfidence(_ confidence: Double, name: String = "confidence") throws {
        guard confidence > 0, confidence < 1 else {
            throw StatsError.invalidSetting(name: name, value: "\(confidence)", expected: "a level strictly between 0 and 1, such as 0.95")
        }
    }
}
