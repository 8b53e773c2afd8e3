import Foundation
import Gate
import MembershipInference
import ModelAdapters
import ReferenceModels

/// Reports of schema 1 (`miaudit.audit-report/1`, before the attack registry), read so that stores
/// written by earlier versions can still be exported. Their `svm` and `shadow_audit` fields become
/// schema 2's `attacks` and `references`; the signed bytes in the store are never touched.
struct AuditReportV1: Decodable {
    static let schema = "miaudit.audit-report/1"

    /// U-LiRA's metrics beside the fields schema 2 keeps as its detail.
    struct ULiRA: Decodable {
        let online: AttackMetrics
        let offline: AttackMetrics
        let detail: ULiRADetail

        enum CodingKeys: String, CodingKey { case online, offline }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            online = try container.decode(AttackMetrics.self, forKey: .online)
            offline = try container.decode(AttackMetrics.self, forKey: .offline)
            detail = try ULiRADetail(from: decoder)
        }
    }

    struct UMIA: Decodable {
        let metrics: AttackMetrics
        let trainingExamples: Int
        let folds: Int?

        enum CodingKeys: String, CodingKey { case metrics, folds, trainingExamples = "training_examples" }
    }

    /// Forget quality's detail, with the truth-ratio settings schema 2 keeps elsewhere.
    struct ForgetQuality: Decodable {
        let view: String
        let perturbations: Int
        let detail: ForgetQualityDetail

        enum CodingKeys: String, CodingKey { case view, perturbations }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            view = try container.decode(String.self, forKey: .view)
            perturbations = try container.decode(Int.self, forKey: .perturbations)
            detail = try ForgetQualityDetail(from: decoder)
        }
    }

    struct ShadowAudit: Decodable {
        let method: String
        let forgetRows: Int
        let holdoutRows: Int
        let shadowModels: [ModelRecord]
        let goldModels: [ModelRecord]
        let ulira: ULiRA?
        let umia: UMIA?
        let umiaCrossValidated: UMIA?
        let forgetQuality: ForgetQuality?
        let nulls: [String: NullDistribution]

        enum CodingKeys: String, CodingKey {
            case method, ulira, umia, nulls
            case forgetRows = "forget_rows", holdoutRows = "holdout_rows", shadowModels = "shadow_models", goldModels = "gold_models"
            case umiaCrossValidated = "umia_cross_validated", forgetQuality = "forget_quality"
        }
    }

    let auditName: String
    let createdAt: String
    let tool: String
    let toolVersion: String
    let environment: [String: String]
    let seed: UInt64
    let spec: SpecRecord
    let dataSet: DataSetRecord
    let models: ModelsRecord
    let remediation: RemediationStep?
    let utility: UtilityComparison
    /// The SVM attack's result had the fields of schema 2's detail.
    let svm: SVMAttackDetail?
    let shadowAudit: ShadowAudit?
    let metrics: [String: ReportedMetric]
    let curves: [String: ROCPoints]
    let histograms: ScoreHistograms?
    let gate: GateVerdict
    let seconds: Double
    let previousDigest: String?
    let signerKeyID: String

    enum CodingKeys: String, CodingKey {
        case tool, environment, seed, spec, models, remediation, utility, svm, metrics, curves, histograms, gate, seconds
        case auditName = "audit_name", createdAt = "created_at", toolVersion = "tool_version", dataSet = "data_set"
        case shadowAudit = "shadow_audit", previousDigest = "previous_digest", signerKeyID = "signer_key_id"
    }

    /// The report in schema 2's shape (its `schema` field still says 1).
    func converted() throws -> AuditReport {
        var attacks: [String: AttackResult] = [:]
        let nulls = shadowAudit?.nulls ?? [:]
        func result(_ attack: any MembershipAttack, variants: [String: AttackMetrics], values: [String: Double] = [:],
                    detail: (any AttackDetail)?) throws -> AttackResult {
            AttackResult(attack: attack.name, title: attack.title, variants: variants, values: values,
                         nulls: nulls.filter { $0.key.hasPrefix(attack.name + ".") }, options: [:],
                         detail: try detail.map { try JSONValue(encoding: $0) })
        }
        if let svm {
            attacks["svm"] = try result(SVMMembershipAttack(), variants: [:],
                                        values: ["post_existence": svm.postExistence, "prior_to_post_ratio": svm.ratio].compactMapValues { $0 },
                                        detail: svm)
        }
        if let ulira = shadowAudit?.ulira {
            attacks["ulira"] = try result(ULiRAAttack(), variants: ["online": ulira.online, "offline": ulira.offline], detail: ulira.detail)
        }
        if let shadow = shadowAudit, shadow.umia != nil || shadow.umiaCrossValidated != nil {
            var variants: [String: AttackMetrics] = [:]
            variants["shadow"] = shadow.umia?.metrics
            variants["cross_validated"] = shadow.umiaCrossValidated?.metrics
            attacks["umia"] = try result(UMIAAttack(), variants: variants,
                                         detail: UMIADetail(shadowTrainingPairs: shadow.umia?.trainingExamples ?? 0,
                                                            folds: shadow.umiaCrossValidated?.folds ?? 0,
                                                            crossValidatedExamples: shadow.umiaCrossValidated?.trainingExamples ?? 0))
        }
        if let quality = shadowAudit?.forgetQuality {
            attacks["forget_quality"] = try result(ForgetQualityAttack(), variants: [:],
                                                   values: ["median_pvalue": quality.detail.medianPValue], detail: quality.detail)
        }
        let references = shadowAudit.map {
            ReferencesRecord(provider: "native", shadowMethod: $0.shadowModels.isEmpty ? nil : $0.method, shadowModels: $0.shadowModels,
                             goldModels: $0.goldModels, collapseAccuracy: ModelBankSettings().collapseAccuracy)
        }
        let truth = shadowAudit?.forgetQuality.map { TruthRatioRecord(view: $0.view, perturbations: $0.perturbations) }
        var report = AuditReport(
            auditName: auditName, createdAt: createdAt, tool: tool, toolVersion: toolVersion, environment: environment, seed: seed,
            spec: spec, dataSet: dataSet, models: models, remediation: remediation, utility: utility, references: references,
            signals: SignalsRecord(forgetRows: shadowAudit?.forgetRows ?? dataSet.splitRows["forget"] ?? 0,
                                   holdoutRows: shadowAudit?.holdoutRows ?? dataSet.splitRows["holdout"] ?? 0,
                                   populationRows: nil, truthRatio: truth, calibrationRows: nil),
            attacks: attacks, metrics: metrics, curves: curves, histograms: histograms, gate: gate, seconds: seconds,
            previousDigest: previousDigest, signerKeyID: signerKeyID)
        report.schema = Self.schema
        return report
    }
}
