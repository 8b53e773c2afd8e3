import ArgumentParser
import Audit
import Foundation
import Gate
import MembershipInference
import NumericCore
import ReportStore

/// Options every command that runs an audit spec shares.
struct AuditRunOptionGroup: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The report store (SQLite); created when missing.", valueName: "file"))
    var db: String = "reports/audits.sqlite"
    @Option(name: .long, help: ArgumentHelp("The private key that signs the reports (miaudit keys generate --out FILE).", valueName: "file"))
    var key: String = "keys/auditor.key"
    @Option(name: .long, help: "Output format: text (a summary table) or json (the signed report).")
    var format: OutputFormat = .text
    @OptionGroup var threadOptions: ThreadOptions

    /// The signing key, or a missing-input error that says how to make one.
    func signingKey() throws -> SigningKey {
        guard FileManager.default.fileExists(atPath: key) else {
            throw MissingInputError(description: "\(key): no such signing key; create one with miaudit keys generate --out \(key), or name yours with --key")
        }
        return try SigningKey.load(from: URL(fileURLWithPath: key))
    }

    /// The store, created (with its directory) when missing.
    func openStore() throws -> SignedReportStore {
        if !FileManager.default.fileExists(atPath: db) {
            let directory = URL(fileURLWithPath: db).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try checkWritableDestination(db)
        }
        return try AuditReportStore.open(db)
    }

    /// Reads the spec and names on standard error what weakens its verdict (e.g. too few gold models).
    func loadSpec(_ path: String) throws -> AuditSpec {
        let spec = try AuditSpec.load(from: URL(fileURLWithPath: path))
        for warning in spec.warnings { FileHandle.standardError.write(Data("miaudit: warning: \(path): \(warning)\n".utf8)) }
        return spec
    }

    /// What `audit` and `remediate` do first: apply the thread count, read the spec, load the key
    /// and open the store, in that order (a bad spec or a missing key stops before a store is
    /// created), then name the run on standard error.
    func prepare(_ spec: String, command: String) throws -> (spec: AuditSpec, key: SigningKey, store: SignedReportStore) {
        let threads = threadOptions.apply()
        let auditSpec = try loadSpec(spec)
        let key = try signingKey()
        let store = try openStore()
        FileHandle.standardError.write(Data("\(command) \(auditSpec.name): \(threads) thread(s)\n".utf8))
        return (auditSpec, key, store)
    }

    var runOptions: AuditRunOptions { AuditRunOptions(toolVersion: ToolInfo.version, environment: ToolInfo.environment) }

    /// Signs a checkpoint of the store's head and writes it beside the store, in
    /// `<store's directory>/checkpoints/<store name>-<reports>.json`; returns the line that says
    /// where it went. An auditor keeps a copy away from the store: `report verify --checkpoint FILE`
    /// then detects removed reports.
    func writeCheckpoint(_ store: SignedReportStore, signingKey: SigningKey) throws -> String {
        let checkpoint = try store.checkpoint(signingKey: signingKey)
        let parent = (db as NSString).deletingLastPathComponent
        let directory = (parent.isEmpty ? "" : parent + "/") + "checkpoints"
        let path = directory + "/" + URL(fileURLWithPath: db).deletingPathExtension().lastPathComponent + "-\(checkpoint.reports).json"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try checkpoint.fileBytes().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw OutputError(description: "\(path): cannot write the checkpoint (\(error.localizedDescription)); check the directory.",
                              exitStatus: .ioError)
        }
        return "checkpoint: \(path) (\(checkpoint.reports) report\(checkpoint.reports == 1 ? "" : "s"), head \(checkpoint.headDigest?.prefix(12) ?? "none")…); "
            + "keep a copy away from the store: miaudit report verify --all --checkpoint FILE --trusted-key \(key).pub finds removed reports"
    }
}

/// `miaudit audit SPEC`: one audit, one signed report, the gate's exit code.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Run an audit spec (YAML): every attack, the gate, and one signed report in the store.",
        discussion: """
            The spec names the data, the original model, the audited model (an adapter, or the original with \
            an unlearning method applied), the shadows, the gold models, the attacks and the gate rules; see \
            audits/*.yaml. The report is signed with --key and appended to the hash chain in --db in one \
            transaction: an interrupted audit leaves the store as it was. Prints a summary table and the verdict.
            Exit status: 0 the gate passes, 1 it fails (or is inconclusive under the default policy), 2 \
            inconclusive when the spec sets inconclusive_fails: false; 64 usage, 65 a bad spec or data, 66 a \
            missing file, 73/74 output errors.
            --save-outputs DIR writes every answer of every model (original, target, shadows, gold models) \
            with DIR/supplied.yaml, a spec that audits from those outputs alone and trains nothing \
            (docs/supplied-outputs.md).
              miaudit keys generate --out keys/auditor.key
              miaudit audit audits/retrain.yaml
              miaudit audit audits/retrain.yaml --save-outputs /tmp/retrain-outputs
              miaudit audit /tmp/retrain-outputs/supplied.yaml
            """)

    @Argument(help: ArgumentHelp("The audit spec (YAML).", valueName: "spec"))
    var spec: String
    @Option(name: .long, help: ArgumentHelp("Also write a target the spec unlearns to this safetensors file.", valueName: "file"))
    var targetOut: String?
    @Option(name: .long, help: ArgumentHelp("Also write every model's answers, and a spec that audits from them alone, to this directory.",
                                            valueName: "dir"))
    var saveOutputs: String?
    @Flag(name: .long, help: "Train nothing: fail with the list of models missing from the cache (after miaudit models train).")
    var requireCached = false
    @OptionGroup var options: AuditRunOptionGroup

    func run() throws {
        var exitCode: Int32 = 0
        try reportingErrors {
            let (auditSpec, key, store) = try options.prepare(spec, command: "audit")
            if requireCached {
                let missing = try ModelPlanner.plan(auditSpec).missing
                if !missing.isEmpty {
                    let shown = missing.prefix(20).map { "\($0.name) \($0.key.prefix(16)) at \($0.location)" }.joined(separator: "; ")
                    throw AuditError("\(spec): --require-cached, but \(missing.count) model(s) are not in the cache: \(shown)"
                                     + (missing.count > 20 ? "; and \(missing.count - 20) more" : "")
                                     + "; train them with miaudit models train \(spec) (see miaudit models plan \(spec))", status: .noInput)
                }
            }
            if let targetOut { try checkWritableDestination(targetOut) }
            var runOptions = options.runOptions
            runOptions.targetOutput = targetOut.map { URL(fileURLWithPath: $0) }
            runOptions.saveOutputs = saveOutputs.map { URL(fileURLWithPath: $0, isDirectory: true) }
            let view = AuditProgressView()
            let report = try AuditReport(try AuditPipeline.run(auditSpec, options: runOptions, progress: view.update), options: runOptions)
            view.finish()
            if let saveOutputs {
                FileHandle.standardError.write(Data("wrote every model's outputs to \(saveOutputs); audit from them alone with: miaudit audit \(saveOutputs)/supplied.yaml\n".utf8))
            }
            let (stored, signed) = try AuditReportStore.append(report, to: store, signingKey: key)
            switch options.format {
            case .json: print(AuditSummary.json(stored, db: options.db))
            case .text:
                for line in AuditSummary.lines(signed) { print(line) }
                print(AuditSummary.stored(stored, signed, db: options.db))
            }
            let checkpoint = try options.writeCheckpoint(store, signingKey: key)
            if options.format == .json {
                FileHandle.standardError.write(Data((checkpoint + "\n").utf8))
            } else {
                print(checkpoint)
            }
            exitCode = signed.gate.exitCode
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// `miaudit remediate SPEC`: audit, then MultiDelete, then retraining until the gate passes.
struct RemediateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remediate",
        abstract: "Audit a deletion claim and repair the model until the gate passes: MultiDelete, then retraining.",
        discussion: """
            docs/method.md §7's workflow. Step 1 audits the spec's target. When its gate does not pass, step 2 applies \
            multidelete-calibrated to the original (forgetting the forget split) and audits that model with \
            shadows that apply the same method; when that does not pass either, step 3 retrains on the retain \
            split and audits again. On a classification data set, where MultiDelete's multimodal losses do \
            not apply, step 2 applies neggrad instead. Each step is a signed report in the chain naming the step before it; each \
            remedy's model is written to --models. The exit status is the last step's gate (0 pass, 1 fail, 2 \
            inconclusive when the spec allows it).
              miaudit remediate audits/fake-deletion.yaml
            """)

    @Argument(help: ArgumentHelp("The audit spec (YAML) of the claim.", valueName: "spec"))
    var spec: String
    @Option(name: .long, help: ArgumentHelp("Directory for the remedies' models.", valueName: "dir"))
    var models: String = "reports/remediation"
    @OptionGroup var options: AuditRunOptionGroup

    func run() throws {
        var exitCode: Int32 = 0
        try reportingErrors {
            let (auditSpec, key, store) = try options.prepare(spec, command: "remediate")
            let steps = try RemediationRun.run(auditSpec, options: options, key: key, store: store, models: models)
            if options.format == .json {
                print("[" + steps.map { String(decoding: $0.stored.payload, as: UTF8.self) }.joined(separator: ",") + "]")
            } else {
                for line in AuditSummary.narrative(steps) + AuditSummary.steps(steps) { print(line) }
            }
            let checkpoint = try options.writeCheckpoint(store, signingKey: key)
            if options.format == .json {
                FileHandle.standardError.write(Data((checkpoint + "\n").utf8))
            } else {
                print(checkpoint)
            }
            exitCode = steps.last?.report.gate.exitCode ?? 1
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// The remediation with progress and per-step summaries on standard error.
enum RemediationRun {
    static func run(_ spec: AuditSpec, options: AuditRunOptionGroup, key: SigningKey, store: SignedReportStore,
                    models: String) throws -> [RemediationStepResult] {
        let view = AuditProgressView()
        let directory = URL(fileURLWithPath: models)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "\(models): cannot create the models directory (\(error.localizedDescription)); choose another --models")
        }
        return try Remediation.run(spec, options: options.runOptions, store: store, signingKey: key, modelsDirectory: directory,
                                   progress: view.update) { step in
            view.finish()
            var lines = ["", "step \(step.report.remediation?.step ?? 0): \(step.report.remediation?.action ?? "")"]
            lines += AuditSummary.lines(step.report) + [AuditSummary.stored(step.stored, step.report, db: options.db)]
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}

/// Stage lines and a model progress bar on standard error.
final class AuditProgressView: @unchecked Sendable {
    private let lock = NSLock()
    private var stage = ""
    private var bar: ProgressBar?

    func update(_ progress: AuditProgress) {
        lock.withLock {
            if progress.stage != stage {
                bar?.finish()
                bar = nil
                stage = progress.stage
                let what = progress.stage == "models" && progress.note.isEmpty
                    ? "training or reading \(progress.total) shadow and gold models (cache hits are instant)" : progress.note
                FileHandle.standardError.write(Data("  \(progress.stage): \(what)\n".utf8))
            }
            if progress.stage == "models" {
                if bar == nil { bar = ProgressBar(title: "  models", total: progress.total) }
                bar?.update(progress.done, note: progress.note)
            }
        }
    }

    func finish() {
        lock.withLock {
            bar?.finish()
            bar = nil
            stage = ""
        }
    }
}

/// Text summaries of audit reports.
enum AuditSummary {
    static func lines(_ report: AuditReport) -> [String] {
        var lines: [String] = []
        let target = report.models.target
        let forget = report.dataSet.splitRows["forget"] ?? 0, holdout = report.dataSet.splitRows["holdout"] ?? 0
        lines.append("audit \(report.auditName): \(target.modelID) (\(target.kind)) on \(report.dataSet.name), \(forget) forget vs \(holdout) holdout rows, seed \(report.seed)")
        if let references = report.references {
            let trained = (references.shadowModels + references.goldModels).filter { !$0.fromCache }.count
            if references.profile == "fast" {
                lines.append("models: fast profile, \(references.goldModels.count) gold models as the references (no shadows); \(trained) trained now, the rest from the cache")
            } else {
                lines.append("models: \(references.shadowModels.count) shadows applying \(references.shadowMethod ?? "-"), \(references.goldModels.count) gold; \(trained) trained now, the rest from the cache")
            }
        }
        // Two lines per rule, so a terminal or CI log of 80 columns shows it unwrapped:
        // "FAIL ulira.online.auc at_most null: 0.730 [0.689, 0.772]" then the bound and p-values.
        for result in report.gate.results {
            var bound: String
            switch result.rule.bound {
            case let .fixed(value): bound = "\(result.rule.direction.symbol) \(format(value))"
            case .null:
                if let test = result.test {
                    let typical = test.scale == .probit ? format(test.typicalValue) : "\(format(test.mean)) ± \(format(test.standardDeviation))"
                    bound = "\(result.rule.direction.symbol) null: retraining \(typical), G=\(test.goldModels)"
                    bound += "; p \(formatP(test.pvalue)) (Holm \(formatP(test.adjustedPValue)))"
                } else if let null = result.null {
                    bound = result.rule.direction == .atMost
                        ? "≤ null p95 \(format(null.percentile95)) (max \(format(null.maximum)), n=\(null.size))"
                        : "≥ null p5 \(format(null.percentile5)) (min \(format(null.minimum)), n=\(null.size))"
                } else {
                    bound = "null (not calibrated)"
                }
            }
            let interval = result.interval.map { " [\(format($0[0])), \(format($0[1]))]" } ?? ""
            lines.append("\(result.outcome.rawValue.uppercased()) \(result.rule.displayName): \(result.value.map(format) ?? "not measured")\(interval)")
            lines.append("  \(bound)")
        }
        if let resemblance = report.resemblance { lines.append("reference check: \(resemblance.explanation)") }
        if let blocked = report.gate.blocked { lines.append("no verdict: \(blocked)") }
        for result in report.gate.results where result.outcome == .inconclusive {
            lines.append("inconclusive: \(result.explanation)")
        }
        for sentence in report.gate.results.compactMap(\.powerSentence) { lines.append("power: \(sentence)") }
        let u = report.utility
        lines.append(String(format: u.audited.isClassification
                                ? "utility: test accuracy %.3f (original %.3f); forget accuracy %.3f vs holdout %.3f"
                                : "utility: test ITM %.3f (original %.3f); forget match %.3f vs holdout %.3f",
                            u.audited.testITMAccuracy, u.original?.testITMAccuracy ?? .nan,
                            u.audited.forgetMatchAccuracy, u.audited.holdoutMatchAccuracy))
        if let svm = try? report.attacks["svm"]?.detail?.decode(SVMAttackDetail.self) {
            lines.append(String(format: "SVM attack: existence %.3f before, %.3f after, holdout %.3f; attacker AUC %.3f%@",
                                svm.priorExistence, svm.postExistence, svm.holdoutExistence, svm.attackerAUC,
                                svm.attackerHasPower ? "" : " (no power: the post value proves nothing)"))
        }
        lines.append("verdict: \(report.gate.outcome.rawValue.uppercased()) (exit \(report.gate.exitCode))" + String(format: "; %.1f s", report.seconds))
        return lines
    }

    /// The signed report's JSON with where it was stored in front: `{"stored": {"db", "digest",
    /// "id", "key_id"}, …the report's fields as signed…}`. The report's own bytes are kept as they
    /// are (no re-encoding), so its numbers are exactly the signed ones; `report export --format
    /// json` gives the signed bytes alone.
    static func json(_ stored: SignedReport, db: String) -> String {
        let payload = String(decoding: stored.payload, as: UTF8.self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let location = try? encoder.encode(StoredReportLocation(db: db, digest: stored.digest, id: stored.id, keyID: stored.keyID))
        guard let location, payload.hasPrefix("{") else { return payload }
        let rest = payload.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
        return "{\"stored\":" + String(decoding: location, as: UTF8.self) + (rest == "}" ? "" : ",") + rest
    }

    static func stored(_ stored: SignedReport, _ report: AuditReport, db: String) -> String {
        "report \(stored.id) in \(db): digest \(stored.digest.prefix(16))…, signed by \(stored.keyID)"
    }

    /// One row per remediation step.
    /// What a remediation found, in words: the claim's verdict first, then each remedy's.
    static func narrative(_ steps: [RemediationStepResult]) -> [String] {
        guard let claim = steps.first else { return [] }
        var lines: [String]
        switch claim.report.gate.outcome {
        case .pass: lines = ["the deletion claim passed: the audit does not detect the forget set in the claimed model"]
        case .fail: lines = ["the deletion claim failed: the audit detects the forget set in the claimed model"]
        case .inconclusive: lines = ["the deletion claim is undecided: the evidence neither supports nor refutes it"]
        }
        for step in steps.dropFirst() {
            let action = step.report.remediation?.action ?? "remedy"
            let number = step.report.remediation?.step ?? 0
            switch step.report.gate.outcome {
            case .pass: lines.append("remediation step \(number) (\(action)): the remediated model passes")
            case .fail: lines.append("remediation step \(number) (\(action)): the remediated model still fails")
            case .inconclusive: lines.append("remediation step \(number) (\(action)): undecided")
            }
        }
        return lines
    }

    static func steps(_ steps: [RemediationStepResult]) -> [String] {
        let classification = steps.first?.report.utility.audited.isClassification ?? false
        // At most 80 columns; each step's model is named in the narrative and its report.
        var rows = [["step", "action", "verdict", "U-LiRA", "forget p", classification ? "test acc" : "test ITM", "report"]]
        for step in steps {
            let report = step.report
            let auc = report.metrics["ulira.online.auc"].map { format($0.value) } ?? "-"
            let p = report.metrics["forget_quality.median_pvalue"].map { String(format: "%.3g", $0.value) } ?? "-"
            rows.append(["\(report.remediation?.step ?? 0)", report.remediation?.action ?? "-",
                         report.gate.outcome.rawValue.uppercased(), auc, p, format(report.utility.audited.testITMAccuracy),
                         "\(step.stored.id) \(step.stored.digest.prefix(8))"])
        }
        return table(rows)
    }

    static func format(_ value: Double) -> String { String(format: abs(value) < 0.001 && value != 0 ? "%.3g" : "%.3f", value) }

    /// A p-value with three significant digits.
    static func formatP(_ value: Double) -> String { String(format: "%.3g", value) }

    static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
    }
}

/// Where `audit --format json` stored its report.
struct StoredReportLocation: Encodable {
    let db: String
    let digest: String
    let id: Int64
    let keyID: String

    enum CodingKeys: String, CodingKey {
        case db, digest, id
        case keyID = "key_id"
    }
}
