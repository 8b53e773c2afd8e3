import Foundation
import NumericCore
import Stats

/// One model's signals (SPEC §4) on the attack pool and, when an attack needs them, on the
/// population rows and the forget rows' truth ratios.
///
/// The pool is P = D_f ∪ D_h in pool order (every D_f example first). All arrays are in `Double`.
public struct ModelSignals: Sendable, Equatable {
    /// The model's name in messages and reports: `target`, `shadow 3`, `gold 0`, `original`.
    public let name: String
    /// Output distributions on the pool's examples, one row per example, pool order.
    public let probabilities: [[Double]]
    /// φ = log(p_y + 1e-45) − log(Σ_{c≠y} p_c + 1e-45) per pool example (`LiRA.score`).
    public let lira: [Double]
    /// p_y, the probability of each pool example's true class.
    public let trueClassProbability: [Double]
    /// y, each pool example's true class (its label; "match" for a true pair).
    public let trueClasses: [Int]
    /// p_y on the population rows (rows no model under study trained on), when collected.
    public let population: [Double]?
    /// Truth ratios R of the pool's examples (SPEC §4), in pool order, when collected.
    public let truthRatios: [Double]?
    /// The model's accuracy on labelled rows no model under study trained on (for image–text
    /// matching: the test split's true pairs and as many mismatched pairs), when collected; the
    /// reference check compares it across models.
    public var utility: Double?

    /// Signals from output distributions; `trueClasses` names each pool row's true class and
    /// `populationTrueClasses` each population row's.
    /// - Throws: `AttackError` naming the model and the example index for a NaN or infinite
    ///   probability, a row without the true class, or a non-finite or negative truth ratio.
    public init(name: String, probabilities: [[Double]], trueClasses: [Int], population: [[Double]]? = nil,
                populationTrueClasses: [Int]? = nil, truthRatios: [Double]? = nil) throws {
        guard probabilities.count == trueClasses.count else {
            throw AttackError(description: "\(name): \(probabilities.count) output rows for \(trueClasses.count) pool examples; give one row per example")
        }
        self.name = name
        self.probabilities = probabilities
        lira = try Self.scores(probabilities, trueClasses, model: name, rows: "pool example")
        trueClassProbability = zip(probabilities, trueClasses).map { $0[$1] }
        self.trueClasses = trueClasses
        if let population {
            let classes = populationTrueClasses ?? [Int](repeating: 1, count: population.count)
            guard classes.count == population.count else {
                throw AttackError(description: "\(name): \(population.count) population rows for \(classes.count) true classes")
            }
            _ = try Self.scores(population, classes, model: name, rows: "population row")
            self.population = zip(population, classes).map { $0[$1] }
        } else {
            self.population = nil
        }
        if let index = truthRatios?.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw AttackError(description: "\(name): truth ratio \(truthRatios![index]) at forget example \(index) is not a finite non-negative number; check the model's outputs")
        }
        self.truthRatios = truthRatios
    }

    /// Signals given directly as true-class probabilities (two classes: p and 1 − p), as
    /// `miaudit attack score` reads them from arrays.
    public init(name: String, trueClassProbability: [Double], population: [Double]? = nil,
                truthRatios: [Double]? = nil) throws {
        try self.init(name: name, probabilities: trueClassProbability.map { [1 - $0, $0] },
                      trueClasses: [Int](repeating: 1, count: trueClassProbability.count),
                      population: population.map { $0.map { [1 - $0, $0] } }, truthRatios: truthRatios)
    }

    private static func scores(_ rows: [[Double]], _ classes: [Int], model: String, rows noun: String) throws -> [Double] {
        for (index, (row, label)) in zip(rows, classes).enumerated() {
            guard row.indices.contains(label) else {
                throw AttackError(description: "\(model): \(noun) \(index) has \(row.count) probabilities but its true class is \(label)")
            }
            if let bad = row.first(where: { !$0.isFinite }) {
                throw AttackError(description: "\(model) gave probability \(bad) for \(noun) \(index); the attacks need finite probabilities — check the model or its outputs")
            }
        }
        return zip(rows, classes).map { LiRA.score(probabilities: $0, trueClass: $1) }
    }
}

/// The original model's outputs on rows of known membership (SPEC §5.1): members are a seeded
/// subset of D_r as large as the validation split, non-members the validation split; each side
/// is cut into a fitting half and an evaluation half.
public struct CalibrationSample: Sendable, Equatable {
    /// Rows (data-set row indices) in sample order, and whether each is a member.
    public struct Rows: Sendable, Equatable {
        public let fit: [Int]
        public let fitMembers: [Bool]
        public let evaluation: [Int]
        public let evaluationMembers: [Bool]
    }

    /// Output distributions of the fitting rows and of the evaluation rows, in `Rows` order.
    public let fit: [[Double]]
    public let fitMembers: [Bool]
    public let evaluation: [[Double]]
    public let evaluationMembers: [Bool]
    /// The true class of each fitting and each evaluation row ("match" for every row of pair data).
    public let fitClasses: [Int]
    public let evaluationClasses: [Int]

    /// A sample whose rows all have true class `trueClass` (pair data: "match").
    public init(fit: [[Double]], fitMembers: [Bool], evaluation: [[Double]], evaluationMembers: [Bool], trueClass: Int = 1) {
        self.init(fit: fit, fitMembers: fitMembers, fitClasses: [Int](repeating: trueClass, count: fit.count),
                  evaluation: evaluation, evaluationMembers: evaluationMembers,
                  evaluationClasses: [Int](repeating: trueClass, count: evaluation.count))
    }

    /// A sample with each row's true class (classification data).
    public init(fit: [[Double]], fitMembers: [Bool], fitClasses: [Int], evaluation: [[Double]], evaluationMembers: [Bool],
                evaluationClasses: [Int]) {
        self.fit = fit
        self.fitMembers = fitMembers
        self.fitClasses = fitClasses
        self.evaluation = evaluation
        self.evaluationMembers = evaluationMembers
        self.evaluationClasses = evaluationClasses
    }

    /// The sample's rows: the members are the first |validation| rows of a shuffled D_r, the
    /// non-members a shuffled validation split, both from `RandomSource(seed: runSeed)
    /// .derived("svm-attack")`; the first ⌊|validation| / 2⌋ of each side fit the attacker and the
    /// rest evaluate it.
    /// - Throws: `AttackError` with fewer than 4 validation rows or fewer retain rows than validation rows.
    public static func rows(retain: [Int], validation: [Int], runSeed: UInt64) throws -> Rows {
        guard validation.count >= 4, retain.count >= validation.count else {
            throw AttackError(description: "the SVM attack needs at least 4 validation rows and as many retain rows (got \(validation.count) and \(retain.count)); check the splits")
        }
        var generator = RandomSource(seed: runSeed).derived("svm-attack")
        var members = retain
        generator.shuffle(&members)
        members = Array(members.prefix(validation.count))
        var nonMembers = validation
        generator.shuffle(&nonMembers)
        let half = validation.count / 2
        return Rows(fit: Array(members.prefix(half)) + Array(nonMembers.prefix(half)),
                    fitMembers: [Bool](repeating: true, count: half) + [Bool](repeating: false, count: half),
                    evaluation: Array(members.dropFirst(half)) + Array(nonMembers.dropFirst(half)),
                    evaluationMembers: [Bool](repeating: true, count: members.count - half)
                        + [Bool](repeating: false, count: nonMembers.count - half))
    }
}

/// Which model an attack scores: the audited model, or gold model g as if it were the audited
/// model (to build the metric's null distribution, SPEC §8).
public enum ScoredModel: Sendable, Equatable, CustomStringConvertible {
    case target
    case gold(Int)

    public var description: String {
        switch self {
        case .target: "the audited model"
        case let .gold(g): "gold model \(g)"
        }
    }
}

/// Everything attacks score: the signals of the audited model, of the reference models and of
/// the original, with the pool's labels and the shadows' membership. Attacks read nothing else,
/// so they run the same on models miaudit trained, on supplied outputs and on arrays.
public struct SignalTable: Sendable {
    /// One per pool example, pool order: true for D_f ("trained on, then unlearned"), false for D_h.
    public let labels: [Bool]
    /// The audited model.
    public let target: ModelSignals
    /// The original model (before unlearning), when collected.
    public let original: ModelSignals?
    /// Shadow models (SPEC §5.2), in shadow order.
    public let shadows: [ModelSignals]
    /// `membership[k][x]`: true when shadow k trained on pool example x (then applied the
    /// audited method to it); K × |P|.
    public let membership: [[Bool]]
    /// Gold models retrained on D_r (never saw any pool example), in gold order.
    public let golds: [ModelSignals]
    /// The original's outputs on rows of known membership (the SVM attack's training data).
    public let calibration: CalibrationSample?
    /// The run seed: attacks derive their own seeds from it (`RandomSource.derivedSeed(seed, label)`).
    public let seed: UInt64

    /// - Throws: `AttackError` when a model's signals do not cover the pool, the membership shape
    ///   differs from K × |P|, or the pool lacks either class.
    public init(labels: [Bool], target: ModelSignals, original: ModelSignals? = nil, shadows: [ModelSignals] = [],
                membership: [[Bool]] = [], golds: [ModelSignals] = [], calibration: CalibrationSample? = nil,
                seed: UInt64) throws {
        guard labels.contains(true), labels.contains(false) else {
            throw AttackError(description: "the pool needs forget (member) and holdout (non-member) examples, got \(labels.filter { $0 }.count) and \(labels.filter { !$0 }.count); check the splits or the labels")
        }
        for model in [target] + [original].compactMap({ $0 }) + shadows + golds {
            guard model.lira.count == labels.count else {
                throw AttackError(description: "\(model.name) has signals for \(model.lira.count) examples but the pool has \(labels.count); give every model's outputs on every pool example")
            }
            if let ratios = model.truthRatios, ratios.count != labels.count {
                throw AttackError(description: "\(model.name) has \(ratios.count) truth ratios for \(labels.count) pool examples; give one per pool example")
            }
        }
        let withPopulation = ([target] + shadows + golds).compactMap(\.population).map(\.count)
        if let first = withPopulation.first, withPopulation.contains(where: { $0 != first }) {
            throw AttackError(description: "the models' population outputs differ in length (\(Set(withPopulation).sorted())); give every model the same population rows")
        }
        guard membership.count == shadows.count, membership.allSatisfy({ $0.count == labels.count }) else {
            throw AttackError(description: "the membership (keep) matrix must be \(shadows.count) × \(labels.count), one row per shadow and one column per pool example")
        }
        self.labels = labels
        self.target = target
        self.original = original
        self.shadows = shadows
        self.membership = membership
        self.golds = golds
        self.calibration = calibration
        self.seed = seed
    }

    /// The signals of `model`.
    /// - Precondition: a gold index is within `golds`.
    public func signals(of model: ScoredModel) -> ModelSignals {
        switch model {
        case .target: return target
        case let .gold(g):
            precondition(golds.indices.contains(g), "gold \(g) outside 0..<\(golds.count)")
            return golds[g]
        }
    }

    /// The table with the gold models as the references (the fast profile): every pool example is
    /// out for each of them, since they were retrained on D_r.
    public func goldReferenced() throws -> SignalTable {
        try SignalTable(labels: labels, target: target, original: original, shadows: golds,
                        membership: golds.map { _ in [Bool](repeating: false, count: labels.count) }, golds: golds,
                        calibration: calibration, seed: seed)
    }

    /// Gold model `g` as the audited model and the other gold models as its references: how a
    /// gold-referenced attack scores gold model g for its null distribution (leave-one-out).
    public func goldLeftOut(_ g: Int) throws -> SignalTable {
        let others = golds.indices.filter { $0 != g }.map { golds[$0] }
        return try SignalTable(labels: labels, target: golds[g], original: original, shadows: others,
                               membership: others.map { _ in [Bool](repeating: false, count: labels.count) }, golds: others,
                               calibration: calibration, seed: seed)
    }

    /// The number of population rows, or nil when none were collected.
    public var populationSize: Int? { target.population?.count }
    /// The number of D_f examples (the pool's first `memberCount` examples are D_f).
    public var memberCount: Int { labels.filter { $0 }.count }
}
