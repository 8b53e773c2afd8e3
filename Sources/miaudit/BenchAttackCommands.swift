import ArgumentParser
import AuditData
import Foundation
import NumericCore
import SVM
import Stats

/// `miaudit bench lira`: times U-LiRA's per-example Gaussian fit and scoring (for benchmarks/lira_vs_numpy.py).
struct LiRABench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lira",
        abstract: "Time the U-LiRA Gaussian fit and online/offline scores on .npy inputs (for benchmarks/lira_vs_numpy.py).",
        discussion: """
            One timed call fits the in/out Gaussians (Stats.ShadowGaussians) and computes the online and \
            offline scores of the target. Both variance estimates are timed: per-example and pooled. The \
            inputs are read once, outside the timing; one untimed warm-up call, then --repeats timings, each \
            a loop of calls lasting at least 0.1 s. Single-threaded (no BLAS), so there is no --threads.
            """)

    @Argument(help: "Shadow LiRA scores φ, K × M float64 (.npy; row k = shadow k).") var shadowScores: String
    @Argument(help: "Keep matrix, K × M uint8 0/1 (.npy; 1 = shadow k trained on example x).") var keep: String
    @Argument(help: "Target model's LiRA scores, M values (.npy).") var target: String
    @Option(help: "Timed repeats (each long enough to last 0.1 s).") var repeats: Int = 7
    @Option(help: ArgumentHelp("Write the scores (rows: online and offline per-example, online and offline pooled) as a 4 × M float64 .npy.",
                               valueName: "path"))
    var scoresOut: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        try reportingErrors {
            if let scoresOut { try checkWritableDestination(scoresOut) }
            let inputs = try BenchInput.shadowInputs(scores: shadowScores, keep: keep, target: target)
            var report: [String: StatsJSON] = ["shadows": .int(inputs.scores.count), "examples": .int(inputs.target.count)]
            var written = [Double]()
            for variance in [LiRAVariance.perExample, .pooled] {
                let score = { try Self.scores(inputs, variance: variance) }
                let result = try score()  // warm-up
                written += result.online + result.offline
                report[variance.rawValue] = try BenchTiming.measure(repeats: repeats, score).json
            }
            if let scoresOut {
                try NPY.write(NPYArray(float64: written, shape: [4, inputs.target.count]), to: URL(fileURLWithPath: scoresOut))
            }
            switch format {
            case .json: print(try OutputFormat.json(StatsJSON.object(report)))
            case .text:
                print("U-LiRA fit and score, \(inputs.scores.count) shadows × \(inputs.target.count) examples:")
                for variance in [LiRAVariance.perExample, .pooled] {
                    guard case let .object(timing)? = report[variance.rawValue] else { continue }
                    print(BenchTiming.line(variance.rawValue, timing))
                }
            }
        }
    }

    /// The timed work: fit, then online and offline scores.
    static func scores(_ inputs: (scores: [[Double]], keep: [[Bool]], target: [Double]), variance: LiRAVariance) throws
        -> (online: [Double], offline: [Double]) {
        let fits = try ShadowGaussians(shadowScores: inputs.scores, keep: inputs.keep, variance: variance)
        return (try fits.onlineScores(targetScores: inputs.target), try fits.offlineScores(targetScores: inputs.target))
    }
}

/// `miaudit bench svm`: times libsvm's RBF C-SVC fit and probability prediction (for benchmarks/svm_vs_sklearn.py).
struct SVMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svm",
        abstract: "Time the RBF C-SVC fit (with probability estimates) and prediction on .npy inputs (for benchmarks/svm_vs_sklearn.py).",
        discussion: """
            Settings as in docs/method.md §5.1: C = 3, γ = 1/features, probability estimates on (libsvm's 5-fold \
            Platt fit, seeded with srand(--seed)). Fit and predict (P(label 1) for every predict row) are \
            timed separately after one untimed warm-up each; --repeats timings, each a loop lasting at least \
            0.1 s (a single fit usually does). libsvm is single-threaded, so there is no --threads.
            """)

    @Argument(help: "Training features, n × d float64 (.npy).") var trainFeatures: String
    @Argument(help: "Training labels, n values 0/1 (.npy).") var trainLabels: String
    @Argument(help: "Features to predict, m × d float64 (.npy).") var predictFeatures: String
    @Option(help: "Seed for libsvm's probability cross-validation (srand).") var seed: UInt32 = 0
    @Option(help: "Timed repeats.") var repeats: Int = 5
    @Option(help: ArgumentHelp("Write the decision values and P(label 1) of the predict rows as a 2 × m float64 .npy.",
                               valueName: "path"))
    var scoresOut: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        try reportingErrors {
            if let scoresOut { try checkWritableDestination(scoresOut) }
            let train = try BenchInput.rows(trainFeatures)
            let labels = try StatsInput.labels(trainLabels).map { $0 ? 1 : 0 }
            let predict = try BenchInput.rows(predictFeatures, width: train[0].count, widthSource: trainFeatures)
            guard labels.count == train.count else {
                throw StatsError.badShape(input: trainLabels, problem: "it has \(labels.count) labels for \(train.count) rows in \(trainFeatures)",
                                          fix: "save one label per training row")
            }
            let fit = { try Self.fit(train, labels, seed: seed, labelsPath: trainLabels) }
            let svm = try fit()  // warm-up
            let fitTiming = try BenchTiming.measure(repeats: repeats, fit)
            let probabilities = svm.probabilityOfPositive(predict)  // warm-up
            let predictTiming = try BenchTiming.measure(repeats: repeats) { svm.probabilityOfPositive(predict) }
            if let scoresOut {
                try NPY.write(NPYArray(float64: svm.decisionValues(predict) + probabilities, shape: [2, predict.count]),
                              to: URL(fileURLWithPath: scoresOut))
            }
            let report: [String: StatsJSON] = [
                "train_rows": .int(train.count), "predict_rows": .int(predict.count), "features": .int(train[0].count),
                "support_vectors": .int(svm.supportVectorCount), "gamma": .number(svm.settings.gamma ?? .nan),
                "cost": .number(svm.settings.cost), "seed": .int(Int(seed)), "libsvm_version": .int(LibSVMInfo.version),
                "fit": fitTiming.json, "predict": predictTiming.json,
            ]
            switch format {
            case .json: print(try OutputFormat.json(StatsJSON.object(report)))
            case .text:
                print("RBF C-SVC, \(train.count) train × \(train[0].count) features, \(predict.count) predict rows, "
                      + "\(svm.supportVectorCount) support vectors:")
                for (name, timing) in [("fit", fitTiming), ("predict", predictTiming)] {
                    guard case let .object(fields) = timing.json else { continue }
                    print(BenchTiming.line(name, fields))
                }
            }
        }
    }

    /// The timed fit, with libsvm's complaints turned into a one-line data error naming the labels file.
    static func fit(_ features: [[Double]], _ labels: [Int], seed: UInt32, labelsPath: String) throws -> SupportVectorMachine {
        do {
            return try SupportVectorMachine(features: features, labels: labels, settings: SVMSettings(), seed: seed)
        } catch let error as SVMError {
            throw StatsError.badShape(input: labelsPath, problem: error.description,
                                      fix: "check the labels (0 and 1, both present) and the features")
        }
    }
}

/// Timing shared by the attack benchmarks: `--repeats` timings of a loop lasting at least 0.1 s.
struct BenchTiming {
    /// Seconds per call, one entry per timing.
    let secondsPerCall: [Double]
    /// Calls per timing.
    let innerRepeats: Int

    var minimum: Double { secondsPerCall.min() ?? .nan }
    var median: Double { secondsPerCall.sorted()[secondsPerCall.count / 2] }

    var json: StatsJSON {
        .object(["seconds": .array(secondsPerCall.map(StatsJSON.number)), "min": .number(minimum), "median": .number(median),
                 "inner_reps": .int(innerRepeats)])
    }

    /// Doubles the calls per timing until one loop lasts 0.1 s, then times `repeats` loops.
    static func measure<T>(repeats: Int, _ body: () throws -> T) throws -> BenchTiming {
        var inner = 1
        while true {
            let start = ContinuousClock.now
            for _ in 0..<inner { _ = try body() }
            if seconds(since: start) >= 0.1 { break }
            inner *= 2
        }
        var times = [Double]()
        for _ in 0..<max(1, repeats) {
            let start = ContinuousClock.now
            for _ in 0..<inner { _ = try body() }
            times.append(seconds(since: start) / Double(inner))
        }
        return BenchTiming(secondsPerCall: times, innerRepeats: inner)
    }

    /// One text line: "name: min … ms, median … ms (n calls per timing)".
    static func line(_ name: String, _ fields: [String: StatsJSON]) -> String {
        guard case let .number(minimum)? = fields["min"], case let .number(median)? = fields["median"],
              case let .int(inner)? = fields["inner_reps"] else { return name }
        return String(format: "%@: min %.3f ms, median %.3f ms (%d calls per timing)", name, 1e3 * minimum, 1e3 * median, inner)
    }
}

/// Reading the attack benchmarks' `.npy` inputs.
enum BenchInput {
    /// A 2-D numeric array as rows of doubles; `width` (when given) is the number of columns required.
    static func rows(_ path: String, width: Int? = nil, widthSource: String = "") throws -> [[Double]] {
        let array = try NPY.read(url: URL(fileURLWithPath: path))
        guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] > 0 else {
            throw StatsError.badShape(input: path, problem: "it has shape \(array.shape), not rows × features",
                                      fix: "save a non-empty 2-D array with one row per example")
        }
        if let width, array.shape[1] != width {
            throw StatsError.badShape(input: path, problem: "it has \(array.shape[1]) features but \(widthSource) has \(width)",
                                      fix: "give both files the same feature columns")
        }
        let values = array.doubles()
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw StatsError.badShape(input: path, problem: "value \(index) is \(values[index])",
                                      fix: "replace non-finite values first")
        }
        let columns = array.shape[1]
        return (0..<array.shape[0]).map { Array(values[($0 * columns)..<(($0 + 1) * columns)]) }
    }

    /// Shadow scores (K × M), a K × M 0/1 keep matrix and M target scores, checked against each other.
    static func shadowInputs(scores: String, keep: String, target: String) throws
        -> (scores: [[Double]], keep: [[Bool]], target: [Double]) {
        let phi = try rows(scores)
        let flags = try NPY.read(url: URL(fileURLWithPath: keep))
        guard flags.shape == [phi.count, phi[0].count] else {
            throw StatsError.badShape(input: keep, problem: "it has shape \(flags.shape) but \(scores) has [\(phi.count), \(phi[0].count)]",
                                      fix: "save one keep flag per shadow score (K × M)")
        }
        guard flags.dtype.isInteger else {
            throw StatsError.badShape(input: keep, problem: "its dtype is \(flags.dtype.rawValue), not an integer 0/1 type",
                                      fix: "save it with keep.astype(np.uint8)")
        }
        let values = try flags.int64s()
        if let index = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw StatsError.badShape(input: keep, problem: "flag \(index) is \(values[index]), not 0 or 1",
                                      fix: "mark kept entries 1 and the others 0")
        }
        let columns = phi[0].count
        let keepRows = (0..<phi.count).map { k in values[(k * columns)..<((k + 1) * columns)].map { $0 == 1 } }
        let targetScores = try StatsInput.sample(target)
        guard targetScores.count == columns else {
            throw StatsError.badShape(input: target, problem: "it has \(targetScores.count) scores for \(columns) examples in \(scores)",
                                      fix: "save one target score per example (column)")
        }
        return (phi, keepRows, targetScores)
    }
}
