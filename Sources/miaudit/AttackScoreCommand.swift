import ArgumentParser
import AuditData
import Foundation
import MembershipInference
import Stats

/// `miaudit attack score`: U-LiRA, U-MIA and RMIA from arrays of reference-model outputs, for an
/// auditor who trained reference models elsewhere.
struct AttackScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score an audited model with U-LiRA, U-MIA and RMIA from supplied .npy arrays (no model is trained).",
        discussion: """
            Each array (.npy, float32 or float64) holds p(x | θ), the probability a model gives \
            example x's true class (a classifier: softmax(logits)[label]; image–text matching: p(match) \
            of the true pair). For unlearning, reference k "trained on x" means it trained on x and \
            then applied the audited method. Scores: higher = looks trained on; the AUC of D_f vs D_h \
            is ideally 0.5.
              --reference-outputs  K × M: each reference (shadow) model on the pool
              --keep               K × M: 1 where reference k trained on x, else 0
              --target-outputs     M: the audited model on the pool
              --labels             M: 1 for D_f (members), 0 for D_h
              --reference-population, --target-population
                                   K × Z and Z: RMIA's rows no reference trained on
              --gold-outputs, --gold-population
                                   G × M and G × Z: models retrained without D_f,
                                   each scored as if audited: the null distributions
              miaudit attack score --reference-outputs refs.npy \\
                --keep keep.npy --target-outputs target.npy \\
                --labels labels.npy --reference-population refs_pop.npy \\
                --target-population target_pop.npy
            Settings (--setting KEY=VALUE):
            \(attackSettingsHelp)
            """)

    @Option(help: ArgumentHelp("Reference models' p(x | θ_k) on the pool, K × M.", valueName: "file"))
    var referenceOutputs: String
    @Option(help: ArgumentHelp("Membership of each pool example in each reference model, K × M, 0/1.", valueName: "file"))
    var keep: String
    @Option(help: ArgumentHelp("The audited model's p(x | θ) on the pool, M.", valueName: "file"))
    var targetOutputs: String
    @Option(help: ArgumentHelp("1 for D_f (members), 0 for D_h, M.", valueName: "file"))
    var labels: String
    @Option(help: ArgumentHelp("Reference models' p(z | θ_k) on population rows, K × Z (RMIA).", valueName: "file"))
    var referencePopulation: String?
    @Option(help: ArgumentHelp("The audited model's p(z | θ) on population rows, Z (RMIA).", valueName: "file"))
    var targetPopulation: String?
    @Option(help: ArgumentHelp("Gold models' p(x | θ_g) on the pool, G × M: the nulls.", valueName: "file"))
    var goldOutputs: String?
    @Option(help: ArgumentHelp("Gold models' p(z | θ_g) on population rows, G × Z.", valueName: "file"))
    var goldPopulation: String?
    @Option(name: .long, parsing: .upToNextOption,
            help: "Attacks to run (default: ulira and umia, and rmia when population outputs are given).")
    var attacks: [String] = []
    @Option(name: .customLong("setting"), help: ArgumentHelp("An attack setting, KEY=VALUE (repeatable).", valueName: "key=value"))
    var settings: [String] = []
    @Option(name: .long, help: "The run seed (U-MIA's folds derive from it).")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    /// The attacks that can run on arrays: those that need no more than shadows, golds and population outputs.
    static let supported: SignalNeeds = [.shadows, .golds, .population]

    func validate() throws {
        _ = try attackOptionValues(settings)
        if (referencePopulation == nil) != (targetPopulation == nil) {
            throw ValidationError("give --reference-population and --target-population together (RMIA's population rows).")
        }
        if goldPopulation != nil, goldOutputs == nil { throw ValidationError("--gold-population needs --gold-outputs.") }
        for name in attacks {
            guard let attack = AttackRegistry.named(name) else {
                throw ValidationError("--attacks: '\(name)' is not an attack; use \(AttackRegistry.names.joined(separator: ", ")).")
            }
            guard Self.supported.isSuperset(of: attack.needs) else {
                throw ValidationError("--attacks: \(attack.name) needs signals arrays cannot carry here (the original's outputs or truth ratios); run it with miaudit attack \(attack.name) or an audit spec.")
            }
            if attack.needs.contains(.population), referencePopulation == nil {
                throw ValidationError("--attacks: \(attack.name) needs --reference-population and --target-population.")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let chosen = attacks.isEmpty
                ? AttackRegistry.all.filter { Self.supported.isSuperset(of: $0.needs) && (referencePopulation != nil || !$0.needs.contains(.population)) }
                : attacks.compactMap(AttackRegistry.named)
            let table = try loadTable(withGoldPopulation: chosen.contains { $0.needs.contains(.population) })
            let suite = try AttackSuite.run(chosen, on: table, options: try attackOptionValues(settings))
            switch format {
            case .json:
                print(try OutputFormat.json(AttackScoreReport(
                    references: table.shadows.count, examples: table.labels.count, members: table.memberCount,
                    golds: table.golds.count, populationRows: table.populationSize, results: suite.results,
                    metrics: suite.measurements.mapValues(ScoredMetric.init))))
            case .text:
                print("\(table.shadows.count) reference models × \(table.labels.count) examples (\(table.memberCount) members)"
                      + (table.populationSize.map { ", \($0) population rows" } ?? "")
                      + (table.golds.isEmpty ? "" : ", \(table.golds.count) gold models for the nulls"))
                for result in suite.results {
                    print("")
                    print(result.title)
                    for line in AttackText.lines(result, attack: AttackRegistry.named(result.attack)) { print(line) }
                }
            }
        }
    }

    /// The arrays as a signal table, checked against each other.
    func loadTable(withGoldPopulation: Bool) throws -> SignalTable {
        let references = try BenchInput.rows(referenceOutputs)
        let (k, m) = (references.count, references[0].count)
        let membership = try Self.flags(keep, shape: [k, m], against: referenceOutputs)
        let target = try StatsInput.sample(targetOutputs)
        let memberLabels = try StatsInput.labels(labels)
        guard target.count == m, memberLabels.count == m else {
            throw StatsError.badShape(input: target.count == m ? labels : targetOutputs,
                                      problem: "it has \(target.count == m ? memberLabels.count : target.count) values but \(referenceOutputs) has \(m) examples",
                                      fix: "give one value per pool example, in the same order")
        }
        var referencePopulationRows: [[Double]]?, targetPopulationRows: [Double]?
        if let referencePopulation, let targetPopulation {
            let rows = try BenchInput.rows(referencePopulation)
            guard rows.count == k else {
                throw StatsError.badShape(input: referencePopulation, problem: "it has \(rows.count) rows but \(referenceOutputs) has \(k) references",
                                          fix: "give one row per reference model")
            }
            let targetRows = try StatsInput.sample(targetPopulation)
            guard targetRows.count == rows[0].count else {
                throw StatsError.badShape(input: targetPopulation, problem: "it has \(targetRows.count) values but \(referencePopulation) has \(rows[0].count) population rows",
                                          fix: "give the audited model's output on every population row")
            }
            (referencePopulationRows, targetPopulationRows) = (rows, targetRows)
        }
        func probabilities(_ values: [Double], _ file: String) throws -> [Double] {
            if let bad = values.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                throw StatsError.badShape(input: file, problem: "value \(bad) is \(values[bad]), not a probability in [0, 1]",
                                          fix: "give p(x | θ), the probability of the true class (softmax the logits first)")
            }
            return values
        }
        let shadows = try references.indices.map { index in
            try ModelSignals(name: "reference \(index)", trueClassProbability: try probabilities(references[index], referenceOutputs),
                             population: try referencePopulationRows.map { try probabilities($0[index], referencePopulation ?? "") })
        }
        var golds: [ModelSignals] = []
        if let goldOutputs {
            let rows = try BenchInput.rows(goldOutputs, width: m, widthSource: referenceOutputs)
            let population = try goldPopulation.map { try BenchInput.rows($0, width: targetPopulationRows?.count, widthSource: targetPopulation ?? "") }
            if withGoldPopulation, population == nil {
                throw ValidationError("RMIA's nulls need --gold-population (each gold model on the population rows) beside --gold-outputs.")
            }
            if let population, population.count != rows.count {
                throw StatsError.badShape(input: goldPopulation ?? "", problem: "it has \(population.count) rows but \(goldOutputs) has \(rows.count) gold models",
                                          fix: "give one row per gold model")
            }
            golds = try rows.indices.map { g in
                try ModelSignals(name: "gold \(g)", trueClassProbability: try probabilities(rows[g], goldOutputs),
                                 population: try population.map { try probabilities($0[g], goldPopulation ?? "") })
            }
        }
        return try SignalTable(
            labels: memberLabels,
            target: try ModelSignals(name: "the audited model", trueClassProbability: try probabilities(target, targetOutputs),
                                     population: try targetPopulationRows.map { try probabilities($0, targetPopulation ?? "") }),
            shadows: shadows, membership: membership, golds: golds, seed: seed)
    }

    /// A K × M 0/1 array as rows of flags.
    static func flags(_ path: String, shape: [Int], against other: String) throws -> [[Bool]] {
        let array = try NPY.read(url: URL(fileURLWithPath: path))
        guard array.shape == shape else {
            throw StatsError.badShape(input: path, problem: "it has shape \(array.shape) but \(other) has \(shape)",
                                      fix: "give one 0/1 flag per reference model and pool example")
        }
        let values = array.doubles()
        if let bad = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw StatsError.badShape(input: path, problem: "entry \(bad) is \(values[bad]), not 0 or 1", fix: "mark kept entries 1 and the others 0")
        }
        return (0..<shape[0]).map { k in values[(k * shape[1])..<((k + 1) * shape[1])].map { $0 == 1 } }
    }
}

/// A metric of `attack score`: value, interval and null summary.
struct ScoredMetric: Encodable {
    let value: Double
    let interval: [Double]?
    let null: NullDistribution?

    init(_ measurement: MetricMeasurement) {
        value = measurement.value
        interval = measurement.interval
        null = measurement.null
    }
}

/// What `miaudit attack score --format json` prints.
struct AttackScoreReport: Encodable {
    let references: Int
    let examples: Int
    let members: Int
    let golds: Int
    let populationRows: Int?
    let results: [AttackResult]
    let metrics: [String: ScoredMetric]

    enum CodingKeys: String, CodingKey {
        case references, examples, members, golds, results, metrics
        case populationRows = "population_rows"
    }
}
