import Foundation
import Gate
import MembershipInference
import ModelAdapters
import ReferenceModels

/// The signed payload of one audit (SPEC §8). It is encoded once as canonical JSON (sorted keys,
/// no whitespace) and those bytes are what the store keeps, signs and digests.
///
/// Everything in it but `created_at`, `seconds` and the models' `from_cache`/`seconds` fields is a
/// function of the spec, the data, the seed and the thread count.
public struct AuditReport: Codable, Equatable, Sendable {
    public static let currentSchema = "miaudit.audit-report/2"

    public var schema: String = Self.currentSchema
    /// `audit_name`: the spec's name (a query column).
    public var auditName: String
    /// UTC time the audit finished, ISO 8601.
    public var createdAt: String
    public var tool: String
    public var toolVersion: String
    /// OS, CPU, thread counts and library versions.
    public var environment: [String: String]
    public var seed: UInt64
    /// The spec verbatim, its path and SHA-256.
    public var spec: SpecRecord
    public var dataSet: DataSetRecord
    public var models: ModelsRecord
    /// Set when the audit is a step of `miaudit remediate`.
    public var remediation: RemediationStep?
    public var utility: UtilityComparison
    /// The shadow and gold models, when the audit used any.
    public var references: ReferencesRecord?
    /// What the attacks were given: pool sizes, population, truth-ratio settings.
    public var signals: SignalsRecord
    /// Whether the audited model resembles its reference models (SPEC §5.2).
    public var resemblance: ReferenceResemblance?
    /// Each attack's result by registry name: metrics per score variant, values, nulls, options, detail.
    public var attacks: [String: AttackResult]
    /// Every measured metric by its gate name (a query column).
    public var metrics: [String: ReportedMetric]
    /// ROC curves by `<attack>.<variant>`: `ulira.online`, `umia.shadow`, `rmia.offline`, ….
    public var curves: [String: ROCPoints]
    /// LiRA scores φ of D_f vs D_h under the audited, original and gold models.
    public var histograms: ScoreHistograms?
    public var gate: GateVerdict
    /// Wall-clock seconds of the audit.
    public var seconds: Double
    /// The digest of the report before this one in the store (nil for the first).
    public var previousDigest: String?
    /// `ed25519:` and the first 16 hex digits of SHA-256 of the signer's public key.
    public var signerKeyID: String

    public init(auditName: String, createdAt: String, tool: String, toolVersion: String, environment: [String: String],
                seed: UInt64, spec: SpecRecord, dataSet: DataSetRecord, models: ModelsRecord, remediation: RemediationStep?,
                utility: UtilityComparison, references: ReferencesRecord?, signals: SignalsRecord,
                resemblance: ReferenceResemblance? = nil, attacks: [String: AttackResult],
                metrics: [String: ReportedMetric], curves: [String: ROCPoints], histograms: ScoreHistograms?,
                gate: GateVerdict, seconds: Double, previousDigest: String?, signerKeyID: String) {
        self.auditName = auditName
        self.createdAt = createdAt
        self.tool = tool
        self.toolVersion = toolVersion
        self.environment = environment
        self.seed = seed
        self.spec = spec
        self.dataSet = dataSet
        self.models = models
        self.remediation = remediation
        self.utility = utility
        self.references = references
        self.signals = signals
        self.resemblance = resemblance
        self.attacks = attacks
        self.metrics = metrics
        self.curves = curves
        self.histograms = histograms
        self.gate = gate
        self.seconds = seconds
        self.previousDigest = previousDigest
        self.signerKeyID = signerKeyID
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, environment, seed, spec, models, remediation, utility, references, signals, resemblance, attacks, metrics, curves
        case histograms, gate, seconds
        case auditName = "audit_name", createdAt = "created_at", toolVersion = "tool_version", dataSet = "data_set"
        case previousDigest = "previous_digest", signerKeyID = "signer_key_id"
    }

    /// Encodes every field; `previous_digest` is written as `null` for the first report (the
    /// store's chain check reads it), the other optionals are left out when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(auditName, forKey: .auditName)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(tool, forKey: .tool)
        try container.encode(toolVersion, forKey: .toolVersion)
        try container.encode(environment, forKey: .environment)
        try container.encode(seed, forKey: .seed)
        try container.encode(spec, forKey: .spec)
        try container.encode(dataSet, forKey: .dataSet)
        try container.encode(models, forKey: .models)
        try container.encodeIfPresent(remediation, forKey: .remediation)
        try container.encode(utility, forKey: .utility)
        try container.encodeIfPresent(references, forKey: .references)
        try container.encode(signals, forKey: .signals)
        try container.encodeIfPresent(resemblance, forKey: .resemblance)
        try container.encode(attacks, forKey: .attacks)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(curves, forKey: .curves)
        try container.encodeIfPresent(histograms, forKey: .histograms)
        try container.encode(gate, forKey: .gate)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(previousDigest, forKey: .previousDigest)
        try container.encode(signerKeyID, forKey: .signerKeyID)
    }
}

extension AuditReport {
    /// The report of a pipeline run, not yet signed (`previous_digest` and `signer_key_id` are
    /// filled in when it is stored).
    /// - Throws: `AuditError` when the run has no gate (its spec had no rules).
    public init(_ run: AuditRun, options: AuditRunOptions) throws {
        guard let gate = run.gate else {
            throw AuditError("the audit \(run.spec.name) has no gate rules, so it cannot be a report; add gate.rules", status: .usage)
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let spec = run.spec
        self.init(auditName: spec.name, createdAt: formatter.string(from: Date()), tool: options.tool, toolVersion: options.toolVersion,
                  environment: options.environment, seed: spec.seed,
                  spec: SpecRecord(path: spec.source.path, sha256: spec.source.sha256, text: spec.source.text),
                  dataSet: run.dataSet, models: run.models, remediation: options.remediation, utility: run.utility,
                  references: run.references, signals: run.signals, resemblance: run.resemblance,
                  attacks: Dictionary(uniqueKeysWithValues: run.attacks.results.map { ($0.attack, $0) }),
                  metrics: run.metrics.mapValues(ReportedMetric.init),
                  curves: try ROCPoints.curves(run.attacks.scores, labels: run.signals.labels),
                  histograms: run.histograms, gate: gate, seconds: run.seconds, previousDigest: nil, signerKeyID: "")
    }

    /// The attacks' results in registry order, then any this build does not know, by name.
    public var orderedAttacks: [AttackResult] {
        let known = AttackRegistry.names
        return known.compactMap { attacks[$0] } + attacks.keys.filter { !known.contains($0) }.sorted().compactMap { attacks[$0] }
    }
}

/// The reference models an audit used (SPEC §5.2, §5.5) and where they came from.
public struct ReferencesRecord: Codable, Equatable, Sendable {
    /// `native` (trained by miaudit), `supplied` or `external`.
    public var provider: String
    /// The method every shadow applied, as its cache key spells it; nil without shadows.
    public var shadowMethod: String?
    public var shadowModels: [ModelRecord]
    public var goldModels: [ModelRecord]
    /// Validation ITM accuracy at or below which a model counted as collapsed and was retrained.
    public var collapseAccuracy: Double
    /// "fast" when the gold models were every attack's references (docs/profiles.md); absent for
    /// the full profile.
    public var profile: String?

    public init(provider: String, shadowMethod: String?, shadowModels: [ModelRecord], goldModels: [ModelRecord], collapseAccuracy: Double,
                profile: String? = nil) {
        self.provider = provider
        self.shadowMethod = shadowMethod
        self.shadowModels = shadowModels
        self.goldModels = goldModels
        self.collapseAccuracy = collapseAccuracy
        self.profile = profile
    }

    /// Models whose training collapsed and were retrained (SPEC §5.2).
    public var collapsedAttempts: Int { (shadowModels + goldModels).reduce(0) { $0 + $1.collapsed } }

    enum CodingKeys: String, CodingKey {
        case provider
        case shadowMethod = "shadow_method", shadowModels = "shadow_models", goldModels = "gold_models"
        case collapseAccuracy = "collapse_accuracy", profile
    }
}

/// What the attacks were given.
public struct SignalsRecord: Codable, Equatable, Sendable {
    /// |D_f| and |D_h|: the pool, D_f first.
    public var forgetRows: Int
    public var holdoutRows: Int
    /// Population rows (validation and test) when an attack used them.
    public var populationRows: Int?
    /// The truth ratio's settings when forget quality ran.
    public var truthRatio: TruthRatioRecord?
    /// Rows of the SVM attacker's sample when it ran.
    public var calibrationRows: Int?

    public init(forgetRows: Int, holdoutRows: Int, populationRows: Int?, truthRatio: TruthRatioRecord?, calibrationRows: Int?) {
        self.forgetRows = forgetRows
        self.holdoutRows = holdoutRows
        self.populationRows = populationRows
        self.truthRatio = truthRatio
        self.calibrationRows = calibrationRows
    }

    /// The pool's labels: D_f (true) first.
    public var labels: [Bool] { [Bool](repeating: true, count: forgetRows) + [Bool](repeating: false, count: holdoutRows) }

    enum CodingKeys: String, CodingKey {
        case forgetRows = "forget_rows", holdoutRows = "holdout_rows", populationRows = "population_rows"
        case truthRatio = "truth_ratio", calibrationRows = "calibration_rows"
    }
}

/// How truth ratios were formed: the paraphrase view (or the caption when the data set has none)
/// and k perturbations.
public struct TruthRatioRecord: Codable, Equatable, Sendable {
    public var view: String
    public var perturbations: Int
}

public struct SpecRecord: Codable, Equatable, Sendable {
    public var path: String
    public var sha256: String
    /// The spec file's text, verbatim.
    public var text: String

    public init(path: String, sha256: String, text: String) {
        self.path = path
        self.sha256 = sha256
        self.text = text
    }
}

public struct DataSetRecord: Codable, Equatable, Sendable {
    public var name: String
    /// SHA-256 over the data set's manifest and files.
    public var sha256: String
    public var rows: Int
    /// Rows per role: forget, holdout, retain, validation, test.
    public var splitRows: [String: Int]

    public init(name: String, sha256: String, rows: Int, splitRows: [String: Int]) {
        self.name = name
        self.sha256 = sha256
        self.rows = rows
        self.splitRows = splitRows
    }

    enum CodingKeys: String, CodingKey { case name, sha256, rows, splitRows = "split_rows" }
}

public struct ModelsRecord: Codable, Equatable, Sendable {
    /// The original model as its adapter names it (digest of the file).
    public var original: AdapterIdentity
    /// The audited model.
    public var target: AdapterIdentity
    /// How the target was made when the spec unlearned it: method, seed and what the method reported.
    public var targetUnlearning: TargetUnlearningRecord?
    /// The method the shadows applied.
    public var shadowMethod: String?

    public init(original: AdapterIdentity, target: AdapterIdentity, targetUnlearning: TargetUnlearningRecord?, shadowMethod: String?) {
        self.original = original
        self.target = target
        self.targetUnlearning = targetUnlearning
        self.shadowMethod = shadowMethod
    }

    enum CodingKeys: String, CodingKey {
        case original, target
        case targetUnlearning = "target_unlearning", shadowMethod = "shadow_method"
    }
}

public struct TargetUnlearningRecord: Codable, Equatable, Sendable {
    public var method: String
    /// The method's settings as its cache key spells them.
    public var settings: String
    public var seed: UInt64
    public var seconds: Double

    public init(method: String, settings: String, seed: UInt64, seconds: Double) {
        self.method = method
        self.settings = settings
        self.seed = seed
        self.seconds = seconds
    }
}

/// One step of `miaudit remediate` (SPEC §7).
public struct RemediationStep: Codable, Equatable, Sendable {
    /// 1 for the audit of the claimed model, 2 after MultiDelete, 3 after retraining.
    public var step: Int
    /// `audit-claim`, `multidelete-calibrated` or `retrain`.
    public var action: String
    /// The digest of the report of the step before (nil for step 1).
    public var previousStepDigest: String?

    public init(step: Int, action: String, previousStepDigest: String?) {
        self.step = step
        self.action = action
        self.previousStepDigest = previousStepDigest
    }

    enum CodingKeys: String, CodingKey { case step, action, previousStepDigest = "previous_step_digest" }
}

/// A metric as the gate saw it.
public struct ReportedMetric: Codable, Equatable, Sendable {
    public var value: Double
    /// [lower, upper]; equal to [value, value] for a metric without an interval.
    public var interval: [Double]
    public var null: NullSummary?

    public init(value: Double, interval: [Double], null: NullSummary?) {
        self.value = value
        self.interval = interval
        self.null = null
    }
}

/// An ROC curve as (FPR, TPR) points from (0, 0) to (1, 1), one per distinct threshold.
public struct ROCPoints: Codable, Equatable, Sendable {
    public var fpr: [Double]
    public var tpr: [Double]
    public var auc: Double

    public init(fpr: [Double], tpr: [Double], auc: Double) {
        self.fpr = fpr
        self.tpr = tpr
        self.auc = auc
    }
}

/// Histograms of the LiRA score φ on D_f and D_h, on shared bin edges.
public struct ScoreHistograms: Codable, Equatable, Sendable {
    /// Bin edges, increasing; counts[i] counts edges[i] ≤ φ < edges[i+1] (the last bin is closed).
    public var edges: [Double]
    /// One entry per model: `audited`, `original`, `gold` (all gold models pooled).
    public var models: [ModelHistogram]

    public init(edges: [Double], models: [ModelHistogram]) {
        self.edges = edges
        self.models = models
    }
}

public struct ModelHistogram: Codable, Equatable, Sendable {
    public var model: String
    /// How many models the counts pool (G for gold, else 1).
    public var modelCount: Int
    public var forget: [Int]
    public var holdout: [Int]

    public init(model: String, modelCount: Int, forget: [Int], holdout: [Int]) {
        self.model = model
        self.modelCount = modelCount
        self.forget = forget
        self.holdout = holdout
    }

    enum CodingKeys: String, CodingKey { case model, forget, holdout, modelCount = "model_count" }
}
