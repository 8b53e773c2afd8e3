import Foundation
import Gate
import MembershipInference
import NumericCore
import ReferenceModels
import Stats
import Unlearning

/// Whether the fast profile (gold models only) reaches the full profile's verdicts (docs/profiles.md).
///
/// On the gate study's targets and models (every one cached by `miaudit results gate`): for each
/// audit seed, the first G gold models of its pool calibrate both profiles, and each target is
/// audited twice with the default rules of each profile and the default gate policy: the full
/// profile with the 16 shadows applying the target's method (U-LiRA online, U-MIA shadow-trained and
/// cross-validated, forget quality), the fast profile with the G gold models as references
/// (U-LiRA and RMIA offline, U-MIA cross-validated, forget quality; each gold model's null value
/// against the others). Targets: the retrained models, the pool's other gold models (exact
/// retrains never used for calibration), and each method applied with several unlearning seeds.
/// No reference check blocks either verdict here, so the two rule sets are compared as they are.
public enum ProfileStudy {
    public struct Settings: Sendable {
        public var gate: GateStudy.Settings
        /// Gold models that calibrate both profiles; the pool's others are audited as exact retrains.
        public var calibrationGolds = 16

        public init(gate: GateStudy.Settings) {
            self.gate = gate
        }
    }

    /// How many targets of a group got each pair of verdicts.
    public struct Cell: Codable, Sendable, Equatable {
        public let group: String
        public let full: String
        public let fast: String
        public var count: Int
    }

    public struct Result: Codable, Sendable {
        public let dataSet: String
        public let dataSetDigest: String
        public let auditSeeds: [UInt64]
        public let calibrationGolds: Int
        public let shadows: Int
        public let cells: [Cell]
        /// Targets whose verdicts differ: group, audit seed, target seed, both verdicts and the
        /// fast profile's failing rules.
        public let disagreements: [String]
        public let modelsTrained: Int
        public let seconds: Double

        enum CodingKeys: String, CodingKey {
            case cells, disagreements, seconds, shadows
            case dataSet = "data_set", dataSetDigest = "data_set_sha256", auditSeeds = "audit_seeds"
            case calibrationGolds = "calibration_golds", modelsTrained = "models_trained"
        }

        /// The groups in study order.
        public var groups: [String] { cells.map(\.group).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } } }

        /// Targets of `group` whose two verdicts agree, and all of them.
        public func agreement(_ group: String) -> (agree: Int, total: Int) {
            let cells = self.cells.filter { $0.group == group }
            return (cells.filter { $0.full == $0.fast }.reduce(0) { $0 + $1.count }, cells.reduce(0) { $0 + $1.count })
        }
    }

    public static func run(_ settings: Settings, progress: @escaping @Sendable (AuditProgress) -> Void = { _ in }) throws -> Result {
        let start = ContinuousClock.now
        let gate = settings.gate
        let g = settings.calibrationGolds
        guard gate.goldModels > g, g >= 2 else {
            throw AuditError("the profile study calibrates on \(g) of each pool's \(gate.goldModels) gold models and audits the rest; "
                             + "use a pool larger than the calibration set", status: .usage)
        }
        let context = try StudyContext(gate, population: true, progress: progress)
        let policy = GatePolicy()
        var cells: [String: Cell] = [:]
        var disagreements: [String] = []
        func tally(_ group: String, _ full: GateVerdict, _ fast: GateVerdict, _ label: String) {
            let key = "\(group)|\(full.outcome.rawValue)|\(fast.outcome.rawValue)"
            cells[key, default: Cell(group: group, full: full.outcome.rawValue, fast: fast.outcome.rawValue, count: 0)].count += 1
            if full.outcome != fast.outcome {
                func notPassed(_ verdict: GateVerdict) -> String {
                    let rules = verdict.results.filter { $0.outcome != .pass }.map(\.rule.metric)
                    return rules.isEmpty ? "every rule passed" : rules.joined(separator: ", ") + " not passed"
                }
                disagreements.append("\(label): full \(full.outcome.rawValue) (\(notPassed(full))), fast \(fast.outcome.rawValue) (\(notPassed(fast)))")
            }
        }
        let splits = context.splits
        for seed in gate.auditSeeds {
            let pool = try StudyContext.obtain(context.bank, context.collector,
                                               ReferencePlan.goldJobs(count: gate.goldModels, retain: splits.retain, seed: seed),
                                               "audit seed \(seed): gold models", population: true, progress: progress)
            context.trained += pool.trained
            let calibration = Array(pool.signals.prefix(g)), leftOut = Array(pool.signals.dropFirst(g))
            let keep = try KeepMatrix(shadows: gate.shadows, examples: splits.pool.count, seed: seed)
            for group in ["retrain"] + gate.methods {
                let method = try UnlearningMethods.named(group)
                let shadows = try StudyContext.obtain(context.bank, context.collector,
                                                      ReferencePlan.shadowJobs(pool: splits.pool, retain: splits.retain, keep: keep,
                                                                               method: method, seed: seed),
                                                      "audit seed \(seed): \(group) shadows", progress: progress)
                context.trained += shadows.trained
                var targets = context.targets.filter { $0.group == group }.map { (group: $0.group, label: "\($0.group) seed \($0.seed)", signals: $0.signals) }
                if group == "retrain" {
                    targets += leftOut.enumerated().map { (group: "gold, left out", label: "gold \(g + $0.offset)", signals: $0.element) }
                }
                progress(AuditProgress(stage: "audit seed \(seed): profiles", done: 0, total: 1, note: "\(group), \(targets.count) targets"))
                for target in targets {
                    let full = try SignalTable(labels: splits.pool.labels, target: target.signals, shadows: shadows.signals,
                                               membership: keep.rows, golds: calibration, seed: seed)
                    let fullSuite = try AttackSuite.run([ULiRAAttack(), UMIAAttack(), ForgetQualityAttack()], on: full)
                    let fast = try SignalTable(labels: splits.pool.labels, target: target.signals, golds: calibration, seed: seed)
                    let fastSuite = try AttackSuite.run([ULiRAAttack(), UMIAAttack(), ForgetQualityAttack(), RMIAAttack()], on: fast,
                                                        references: .golds)
                    tally(target.group,
                          try policy.evaluate(AuditMetricNames.defaultRules, on: AuditMetrics.attackMetrics(fullSuite)),
                          try policy.evaluate(AuditMetricNames.fastRules, on: AuditMetrics.attackMetrics(fastSuite)),
                          "audit seed \(seed), \(target.label)")
                }
            }
        }
        let order = ["retrain", "gold, left out"] + gate.methods
        let outcomes = RuleOutcome.allCases.map(\.rawValue)
        let sorted = cells.values.sorted {
            (order.firstIndex(of: $0.group) ?? .max, outcomes.firstIndex(of: $0.full) ?? 0, outcomes.firstIndex(of: $0.fast) ?? 0)
                < (order.firstIndex(of: $1.group) ?? .max, outcomes.firstIndex(of: $1.full) ?? 0, outcomes.firstIndex(of: $1.fast) ?? 0)
        }
        return Result(dataSet: context.dataSet.manifest.name, dataSetDigest: context.dataSet.digest, auditSeeds: gate.auditSeeds,
                      calibrationGolds: g, shadows: gate.shadows, cells: sorted, disagreements: disagreements,
                      modelsTrained: context.trained, seconds: AuditPipeline.seconds(since: start))
    }
}
