import ArgumentParser
import AuditData
import Diagnostics
import Foundation
import MatchingTask
import NeuralNet
import NumericCore

/// `--threads`: the BLAS thread count, which (with the seed) fixes a run's bytes.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "BLAS threads (default: the number of cores). The same seed and thread count give identical bytes.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256, got \(threads).")
        }
    }

    /// Applies the setting and returns the thread count in force.
    @discardableResult
    func apply() -> Int {
        let count = threads ?? ProcessInfo.processInfo.activeProcessorCount
        BLAS.setThreadCount(count)
        return count
    }
}

/// `--data DIR`: a data-set directory. Without it the bundled emoji-cldr data set is used, and
/// the command says so on stderr: a model is never scored on data nobody chose without a word.
struct DataOptions: ParsableArguments {
    /// The data set used when `--data` is not given.
    static let bundled = "fixtures/emoji-cldr"

    @Option(name: .customLong("data"),
            help: ArgumentHelp("Data-set directory holding manifest.json (default: the bundled \(DataOptions.bundled), with a note on stderr).",
                               valueName: "dir"))
    var given: String?

    /// The directory in use: `--data`, or the bundled data set.
    var data: String { given ?? Self.bundled }

    /// Loads the data set, first noting on stderr when `--data` was not given.
    func load() throws -> (PairDataSet, MatchingData) {
        let dataSet = try loadDataSet()
        return (dataSet, MatchingData(dataSet))
    }

    /// Loads the data set alone, with the same note.
    func loadDataSet() throws -> PairDataSet {
        noteDefault()
        return try PairDataSet.load(directory: URL(fileURLWithPath: data))
    }

    /// Says on stderr that the bundled data set is in use, when `--data` was not given.
    func noteDefault() {
        guard given == nil else { return }
        FileHandle.standardError.write(Data("miaudit: note: no --data given, so the bundled data set \(Self.bundled) is used; pass --data DIR to choose\n".utf8))
    }
}

/// Runs a command body, turning user-caused errors into one line on stderr and a sysexits status.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ReportableError {
        FileHandle.standardError.write(Data("miaudit: \(error.description)\n".utf8))
        throw ExitCode(error.exitStatus.rawValue)
    }
}

/// Loads a model file, naming the file when it is missing.
func loadModel(_ path: String) throws -> (model: FusionModel, metadata: [String: String]) {
    try FusionModel.load(from: URL(fileURLWithPath: path))
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// A usage error with the sysexits status 64, for checks that need the loaded data.
struct UsageError: ReportableError {
    let description: String
    var exitStatus: SysExit { .usage }
}

/// Fails early, before long work, when `path`'s directory does not exist or is not writable.
func checkWritableDestination(_ path: String) throws {
    let directory = (URL(fileURLWithPath: path).deletingLastPathComponent().path as NSString).standardizingPath
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
          FileManager.default.isWritableFile(atPath: directory) else {
        throw OutputError(description: "\(path): cannot create a file in \(directory); check that the directory exists and is writable.")
    }
}

/// An output that cannot be created (sysexits 73 unless another status is given).
struct OutputError: ReportableError {
    let description: String
    var exitStatus: SysExit = .cannotCreate

    func withStatus(_ status: SysExit) -> OutputError {
        OutputError(description: description, exitStatus: status)
    }
}

/// Checks that a model's input widths match a data set's.
func checkCompatible(_ model: FusionModel, dataSet: PairDataSet, modelPath: String) throws {
    if let problem = model.architecture.inputMismatch(imageFeatures: dataSet.images.columns,
                                                      textFeatures: dataSet.texts.columns, source: dataSet.manifestPath) {
        throw ModelFileError(path: modelPath, problem: problem, fix: "use a model trained on this data set")
    }
}

/// `path` made absolute against the current directory, with `.` and `..` resolved.
func absolutePath(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
