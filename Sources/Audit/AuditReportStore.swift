import AuditData
import Foundation
import NumericCore
import ReportStore

/// How audit reports go into a `SignedReportStore`.
public enum AuditReportStore {
    /// The query columns of audit payloads: `gate.verdict`, `audit_name`, `metrics`, and the chain
    /// link each report records, `previous_digest` (null for the first) and `signer_key_id`.
    public static let columns = JSONFieldColumns(
        verdictPath: ["gate", "verdict"], auditNamePath: ["audit_name"], metricsPath: ["metrics"],
        previousDigestPath: ["previous_digest"], keyIDPath: ["signer_key_id"])

    /// Opens (creating when missing) the store at `path`.
    public static func open(_ path: String) throws -> SignedReportStore {
        try SignedReportStore(path: URL(fileURLWithPath: path), columns: columns)
    }

    /// Opens the existing store at `path` for reading only (`SignedReportStore(readingOnly:)`):
    /// the file's bytes stay as they were.
    public static func openForReading(_ path: String) throws -> SignedReportStore {
        try SignedReportStore(readingOnly: URL(fileURLWithPath: path), columns: columns)
    }

    /// Fills in the chain link, encodes the report canonically, signs it and appends it in one
    /// transaction. Returns the stored row and the report exactly as signed.
    public static func append(_ report: AuditReport, to store: SignedReportStore,
                              signingKey: SigningKey) throws -> (stored: SignedReport, report: AuditReport) {
        var signed = report
        let stored = try store.append(signingKey: signingKey) { link in
            signed.previousDigest = link.previousDigest
            signed.signerKeyID = link.keyID
            return try CanonicalJSON.encode(signed)
        }
        return (stored, signed)
    }

    /// The audit report in a stored payload; a report of schema 1 is read into schema 2's shape.
    /// - Throws: `AuditError` (65) when the payload is not an audit report of a known schema.
    public static func decode(_ stored: SignedReport, store: String) throws -> AuditReport {
        do {
            struct Schema: Decodable { let schema: String }
            let schema = try JSONDecoder().decode(Schema.self, from: stored.payload).schema
            switch schema {
            case AuditReport.currentSchema: return try JSONDecoder().decode(AuditReport.self, from: stored.payload)
            case AuditReportV1.schema: return try JSONDecoder().decode(AuditReportV1.self, from: stored.payload).converted()
            default:
                throw AuditError("\(store): report \(stored.id) has schema \(schema); this miaudit reads \(AuditReport.currentSchema) and \(AuditReportV1.schema)")
            }
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError("\(store): report \(stored.id) is not an audit report (\(error)); miaudit report show \(stored.id) prints its payload")
        }
    }
}

/// One step of a remediation, as stored.
public struct RemediationStepResult: Sendable {
    public let report: AuditReport
    public let stored: SignedReport
    /// The step's model file, when the step made one.
    public let model: URL?
}

/// SPEC §7's workflow: audit the claimed model; on a failed gate apply `multidelete-calibrated`
/// to the original and audit again; if that fails too, retrain and audit again. Every step is a
/// signed report in the chain, and each names the step before it.
public enum Remediation {
    /// The remedies, in the order they are tried.
    public static let escalation = ["multidelete-calibrated", "retrain"]
    /// The remedies when an external trainer makes the models: its MultiDelete goes by the plain
    /// method name (docs/adapter-protocol.md), and its models stay in the spec's cache.
    public static let externalEscalation = ["multidelete", "retrain"]
    /// The remedies on a classification data set, where MultiDelete's multimodal losses do not
    /// apply: gradient ascent on the forget rows with descent on the retained ones, then retraining.
    public static let classificationEscalation = ["neggrad", "retrain"]

    /// The remedies for `spec`: by who trains the models and by the data set's task.
    public static func remedies(for spec: AuditSpec) -> [String] {
        if spec.original.byTrainer { return externalEscalation }
        let manifest = URL(fileURLWithPath: spec.data).appendingPathComponent(DataSetManifest.fileName)
        if let data = try? Data(contentsOf: manifest), let decoded = try? DataSetManifest.decode(data, path: manifest.path),
           decoded.task == DataSetManifest.classification {
            return classificationEscalation
        }
        return escalation
    }

    /// Runs the workflow, storing each step's report as soon as it is done.
    /// - Parameters:
    ///   - modelsDirectory: where each remedy's model is written (`step2-multidelete-calibrated.safetensors`, …).
    ///   - stepDone: called after each step is stored.
    public static func run(_ spec: AuditSpec, options: AuditRunOptions, store: SignedReportStore, signingKey: SigningKey,
                           modelsDirectory: URL, progress: @escaping @Sendable (AuditProgress) -> Void = { _ in },
                           stepDone: (RemediationStepResult) -> Void = { _ in }) throws -> [RemediationStepResult] {
        var steps: [RemediationStepResult] = []
        let external = spec.original.byTrainer
        let actions = ["audit-claim"] + remedies(for: spec)
        for (index, action) in actions.enumerated() {
            var stepSpec = spec
            var stepOptions = options
            var model: URL?
            if index > 0 {
                stepSpec.target = .unlearn(UnlearnTarget(method: action, seed: AuditSeeds.remedy(spec.seed, action: action)))
                stepSpec.shadows.method = nil
                if !external {
                    model = modelsDirectory.appendingPathComponent("step\(index + 1)-\(action).safetensors")
                    stepOptions.targetOutput = model
                }
            }
            stepOptions.remediation = RemediationStep(step: index + 1, action: action, previousStepDigest: steps.last?.stored.digest)
            let report = try AuditReport(try AuditPipeline.run(stepSpec, options: stepOptions, progress: progress), options: stepOptions)
            let (stored, signed) = try AuditReportStore.append(report, to: store, signingKey: signingKey)
            let result = RemediationStepResult(report: signed, stored: stored, model: model)
            steps.append(result)
            stepDone(result)
            if signed.gate.exitCode == 0 { break }
        }
        return steps
    }
}
