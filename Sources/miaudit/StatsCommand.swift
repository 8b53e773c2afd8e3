import ArgumentParser
import AuditData
import Foundation
import Stats

/// `miaudit stats`: the Stats module's tests and metrics on `.npy` files.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Run the two-sample KS test or ROC metrics on .npy files.",
        subcommands: [KSStatsCommand.self, ROCStatsCommand.self])
}

extension KSAlternative: ExpressibleByArgument {}
extension KSMethodChoice: ExpressibleByArgument {}

/// `miaudit stats ks A.npy B.npy [--alternative …] [--method …] [--format text|json]`.
struct KSStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ks",
        abstract: "Two-sample Kolmogorov–Smirnov test, equal to scipy.stats.ks_2samp.",
        discussion: """
            Each file holds one sample (any numeric dtype, 1-D or one column). High p = the samples are \
            indistinguishable. 'auto' is exact when both samples have at most 10,000 values. \
            JSON fields: statistic, pvalue, log10_pvalue, n1, n2, method (the method used: exact or \
            asymp), saturated (D = 1: p is at its floor), alternative, statistic_location, statistic_sign.
            """)

    @Argument(help: ArgumentHelp("The first sample (.npy).", valueName: "A.npy")) var first: String
    @Argument(help: ArgumentHelp("The second sample (.npy).", valueName: "B.npy")) var second: String
    @Option(help: "two-sided, less or greater (scipy's meaning).") var alternative: KSAlternative = .twoSided
    @Option(help: "auto, exact or asymp.") var method: KSMethodChoice = .auto
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        try reportingErrors {
            let result = try KolmogorovSmirnov.test(try StatsInput.sample(first), try StatsInput.sample(second),
                                                    alternative: alternative, method: method, names: (first, second))
            switch format {
            case .json: print(try OutputFormat.json(StatsJSON.ks(result)))
            case .text:
                print(String(format: "D = %.6g at %@ (sign %+d), p = %.6g (log10 p = %.4f), n1 = %d, n2 = %d, %@ %@%@",
                             result.statistic, "\(result.statisticLocation)", result.statisticSign, result.pvalue,
                             result.log10PValue, result.n1, result.n2, result.alternative.rawValue, result.method.rawValue,
                             result.saturated ? ", saturated (samples fully separated)" : ""))
            }
        }
    }
}

/// `miaudit stats roc --scores S.npy --labels L.npy [--threshold T] [--bootstrap B --seed N] [--format json]`.
struct ROCStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roc",
        abstract: "ROC metrics of membership scores: AUC, balanced accuracy, advantage, TPR at low FPR.",
        discussion: """
            Higher score = member; predicted member when score >= threshold. Labels: 1 = member, 0 = not \
            (integer, float or bool .npy). TPR at FPR <= t is null when there are fewer than 1/t non-members. \
            JSON fields: auc, auc_standard_error (DeLong), auc_below_chance, balanced_accuracy, \
            balanced_accuracy_threshold, advantage, positives, negatives, tpr_at_fpr."0.1"|"0.01"|"0.001" \
            (tpr, achieved_fpr, threshold, true_positives, false_positives, positives, negatives), and with \
            --threshold balanced_accuracy_at_threshold, with --bootstrap auc_bootstrap (lower, upper, confidence).
            """)

    @Option(help: ArgumentHelp("Per-example scores (.npy).", valueName: "file")) var scores: String
    @Option(help: ArgumentHelp("Per-example labels, 1 = member (.npy).", valueName: "file")) var labels: String
    @Option(help: "The scores' natural threshold, for balanced accuracy at it.") var threshold: Double?
    @Option(help: "Bootstrap replicates for an AUC interval (0 = none).") var bootstrap: Int = 0
    @Option(help: "The bootstrap's seed.") var seed: UInt64 = 0
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func validate() throws {
        if bootstrap < 0 || bootstrap == 1 {
            throw ValidationError("--bootstrap \(bootstrap) is not a replicate count; give 0 (no interval) or at least 2, such as 1000.")
        }
    }

    func run() throws {
        try reportingErrors {
            let values = try StatsInput.sample(scores)
            let members = try StatsInput.labels(labels)
            let metrics = try ROCMetrics(scores: values, labels: members, settings: ROCMetricsSettings(naturalThreshold: threshold),
                                         scoresInput: scores, labelsInput: labels)
            let interval = bootstrap > 0
                ? try AUCInterval.bootstrap(scores: values, labels: members, replicates: bootstrap, seed: seed) : nil
            switch format {
            case .json: print(try OutputFormat.json(StatsJSON.roc(metrics, bootstrap: interval)))
            case .text:
                print(String(format: "AUC %.4f%@, balanced accuracy %.4f, advantage %.4f (%d members, %d non-members)",
                             metrics.areaUnderCurve, metrics.areaUnderCurveBelowChance ? " (below chance)" : "",
                             metrics.balancedAccuracy, metrics.advantage, metrics.curve.positives, metrics.curve.negatives))
                for target in metrics.truePositiveRateAtTargets {
                    guard let point = target.point else {
                        print("TPR at FPR <= \(target.target): undefined (needs \(target.requiredNegatives) non-members)")
                        continue
                    }
                    print(String(format: "TPR at FPR <= %@: %.4f (FPR %.4f, threshold %@, TP %d, FP %d)", "\(target.target)",
                                 point.truePositiveRate, point.falsePositiveRate, "\(point.threshold)",
                                 point.truePositives, point.falsePositives))
                }
                if let natural = metrics.naturalThresholdPoint {
                    print(String(format: "balanced accuracy at threshold %@: %.4f (TPR %.4f, FPR %.4f)", "\(natural.threshold)",
                                 natural.balancedAccuracy, natural.truePositiveRate, natural.falsePositiveRate))
                }
                if let interval { print(String(format: "AUC %.0f%% bootstrap interval [%.4f, %.4f]", 100 * interval.confidence, interval.lower, interval.upper)) }
            }
        }
    }
}

/// `miaudit bench ks A.npy B.npy [--method exact] [--repeats 7]`: times the KS test in process
/// (files read once, untimed), for benchmarks/ks_vs_scipy.py.
struct KSBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ks", abstract: "Time the two-sample KS test on two .npy samples (for benchmarks/ks_vs_scipy.py).")

    @Argument(help: "The first sample (.npy).") var first: String
    @Argument(help: "The second sample (.npy).") var second: String
    @Option(help: "auto, exact or asymp.") var method: KSMethodChoice = .exact
    @Option(help: "Timed repeats (each long enough to last 0.1 s).") var repeats: Int = 7
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        try reportingErrors {
            let a = try StatsInput.sample(first), b = try StatsInput.sample(second)
            let result = try KolmogorovSmirnov.test(a, b, method: method)  // warm-up
            var inner = 1
            while true {
                let start = ContinuousClock.now
                for _ in 0..<inner { _ = try KolmogorovSmirnov.test(a, b, method: method) }
                if seconds(since: start) >= 0.1 { break }
                inner *= 2
            }
            var times = [Double]()
            for _ in 0..<max(1, repeats) {
                let start = ContinuousClock.now
                for _ in 0..<inner { _ = try KolmogorovSmirnov.test(a, b, method: method) }
                times.append(seconds(since: start) / Double(inner))
            }
            let sorted = times.sorted()
            let report: [String: StatsJSON] = [
                "n1": .int(a.count), "n2": .int(b.count), "method": .string(result.method.rawValue),
                "inner_reps": .int(inner), "seconds": .array(times.map { .number($0) }),
                "min": .number(sorted[0]), "median": .number(sorted[sorted.count / 2]),
                "statistic": .number(result.statistic), "pvalue": .number(result.pvalue),
            ]
            switch format {
            case .json: print(try OutputFormat.json(StatsJSON.object(report)))
            case .text:
                print(String(format: "%d vs %d, %@: min %.3f ms, median %.3f ms (%d calls per timing), p = %.6g",
                             a.count, b.count, result.method.rawValue, 1e3 * sorted[0], 1e3 * sorted[sorted.count / 2],
                             inner, result.pvalue))
            }
        }
    }
}

/// Reading samples and labels from `.npy` files.
enum StatsInput {
    /// A 1-D (or one-column) numeric array as doubles.
    static func sample(_ path: String) throws -> [Double] {
        let array = try NPY.read(url: URL(fileURLWithPath: path))
        guard array.shape.count <= 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
            throw StatsError.badShape(input: path, problem: "it has shape \(array.shape), not one value per example",
                                      fix: "save a 1-D array with one value per example")
        }
        return array.doubles()
    }

    /// Labels as members (1 / true) and non-members (0 / false), from integer, float or bool arrays
    /// (NPY reads NumPy bool arrays as bytes 0 and 1).
    static func labels(_ path: String) throws -> [Bool] {
        let array = try NPY.read(url: URL(fileURLWithPath: path))
        guard array.shape.count <= 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
            throw StatsError.badShape(input: path, problem: "it has shape \(array.shape), not one label per example",
                                      fix: "save a 1-D array with one label per example")
        }
        return try array.doubles().enumerated().map { index, value in
            guard value == 0 || value == 1 else { throw StatsError.invalidLabel(input: path, index: index, value: value) }
            return value == 1
        }
    }
}

/// JSON output with explicit nulls, and null in place of non-finite numbers.
indirect enum StatsJSON: Encodable {
    case number(Double), int(Int), bool(Bool), string(String), null
    case array([StatsJSON]), object([String: StatsJSON])

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .number(value): if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
        case let .int(value): try container.encode(value)
        case let .bool(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case .null: try container.encodeNil()
        case let .array(values): try container.encode(values)
        case let .object(values): try container.encode(values)
        }
    }

    static func ks(_ result: KSTestResult) -> StatsJSON {
        .object(["statistic": .number(result.statistic), "pvalue": .number(result.pvalue),
                 "log10_pvalue": .number(result.log10PValue), "n1": .int(result.n1), "n2": .int(result.n2),
                 "method": .string(result.method.rawValue), "saturated": .bool(result.saturated),
                 "alternative": .string(result.alternative.rawValue),
                 "statistic_location": .number(result.statisticLocation), "statistic_sign": .int(result.statisticSign)])
    }

    static func point(_ point: OperatingPoint) -> StatsJSON {
        .object(["tpr": .number(point.truePositiveRate), "achieved_fpr": .number(point.falsePositiveRate),
                 "threshold": .number(point.threshold), "true_positives": .int(point.truePositives),
                 "false_positives": .int(point.falsePositives), "positives": .int(point.positives),
                 "negatives": .int(point.negatives), "balanced_accuracy": .number(point.balancedAccuracy)])
    }

    static func roc(_ metrics: ROCMetrics, bootstrap: ConfidenceInterval?) -> StatsJSON {
        var targets = [String: StatsJSON]()
        for target in metrics.truePositiveRateAtTargets { targets["\(target.target)"] = target.point.map(point) ?? .null }
        var fields: [String: StatsJSON] = [
            "auc": .number(metrics.areaUnderCurve),
            "auc_standard_error": metrics.areaUnderCurveStandardError.map(StatsJSON.number) ?? .null,
            "auc_below_chance": .bool(metrics.areaUnderCurveBelowChance),
            "balanced_accuracy": .number(metrics.balancedAccuracy),
            "balanced_accuracy_threshold": .number(metrics.balancedAccuracyPoint.threshold),
            "advantage": .number(metrics.advantage), "positives": .int(metrics.curve.positives),
            "negatives": .int(metrics.curve.negatives), "tpr_at_fpr": .object(targets),
        ]
        if let natural = metrics.naturalThresholdPoint { fields["balanced_accuracy_at_threshold"] = point(natural) }
        if let bootstrap {
            fields["auc_bootstrap"] = .object(["lower": .number(bootstrap.lower), "upper": .number(bootstrap.upper),
                                               "confidence": .number(bootstrap.confidence)])
        }
        return .object(fields)
    }
}
