import ArgumentParser
import Audit
import Diagnostics
import Foundation
import MembershipInference
import NumericCore
import ReportStore

/// `miaudit report`: list, show and verify the signed reports in a store.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "List, show, verify and export the signed audit reports in a report store.",
        subcommands: [ListReportsCommand.self, ShowReportCommand.self, VerifyReportsCommand.self, CheckpointCommand.self, ExportReportCommand.self,
                      AppendReportCommand.self])
}

/// An input file that does not exist (sysexits 66).
struct MissingInputError: ReportableError {
    let description: String
    var exitStatus: SysExit { .noInput }
}

/// `--db FILE`: the report store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The report store (SQLite).", valueName: "file"))
    var db: String = "reports/audits.sqlite"

    /// Opens the store for reading only; it must exist (a missing file is exit 66, not a new empty
    /// store). Reading never changes the file: verifying evidence must not alter it.
    func openExisting() throws -> SignedReportStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MissingInputError(description: "\(db): no such report store; check --db or store a report first.")
        }
        return try AuditReportStore.openForReading(db)
    }
}

/// `miaudit report list [--db FILE]`.
struct ListReportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the stored reports: id, time, audit name, verdict, digest prefix and key id.")

    @Option(name: .long, help: "Output format: text (a table) or json (one object per report).")
    var format: OutputFormat = .text
    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            let reports = try store.openExisting().list()
            if format == .json {
                struct Row: Encodable {
                    let id: Int64, createdAt: String, auditName: String?, verdict: String?, digest: String, keyID: String
                    enum CodingKeys: String, CodingKey {
                        case id, verdict, digest
                        case createdAt = "created_at", auditName = "audit_name", keyID = "key_id"
                    }
                }
                let formatter = ISO8601DateFormatter()
                print(try OutputFormat.json(reports.map {
                    Row(id: $0.id, createdAt: formatter.string(from: $0.createdAt), auditName: $0.auditName, verdict: $0.verdict,
                        digest: $0.digest, keyID: $0.keyID)
                }))
                return
            }
            guard !reports.isEmpty else {
                print("no reports in \(store.db)")
                return
            }
            let formatter = ISO8601DateFormatter()
            let rows = [["id", "time (UTC)", "audit", "verdict", "digest", "key id"]] + reports.map {
                ["\($0.id)", formatter.string(from: $0.createdAt), $0.auditName ?? "-", $0.verdict ?? "-",
                 String($0.digest.prefix(12)), $0.keyID]
            }
            let widths = (0 ..< 6).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let padded = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                print(padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }
}

/// `miaudit report show ID [--db FILE]`.
struct ShowReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a report's signed payload as indented JSON (keys sorted, numbers exactly as signed).")

    @Argument(help: "The report id (see miaudit report list).")
    var id: Int64
    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            let opened = try store.openExisting()
            guard let report = try opened.report(id: id) else { throw ReportStoreError.noSuchReport(path: store.db, id: id) }
            guard (try? JSONDecoder().decode(JSONValue.self, from: report.payload)) != nil else {
                throw PayloadError(description: "\(store.db): report \(id)'s payload is not JSON; run miaudit report verify \(id).")
            }
            // Re-indented as stored, never re-encoded: a 64-bit seed keeps every digit.
            print(PrettyJSON.indent(report.payload))
        }
    }
}

/// `miaudit report verify [ID | --all] --trusted-key PUB … [--db FILE]`.
struct VerifyReportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check reports' signatures, digests, columns and hash chain against trusted public keys.",
        usage: "miaudit report verify [<id> | --all] --trusted-key <file> ... [--checkpoint <file> ...] [--db <file>]",
        discussion: """
            With an ID, checks that report and its link to the one before it; with --all (the default \
            when no ID is given), every report and the whole chain, including reports removed from the end. \
            Only the keys named with --trusted-key are trusted, never the key a report carries. \
            Prints each problem on one line. Exit status: 0 when every check passes, 1 when any fails; \
            64 usage, 65 a malformed key file or a file that is not a report store, 66 a missing store, \
            key or report.
            With --checkpoint FILE (repeatable; written by miaudit report checkpoint, or by audit, remediate \
            and demo under the store's checkpoints/ directory), the checkpoint's signature must be by a trusted \
            key and the store must still hold the head it witnessed: removed newest reports, an emptied or \
            truncated store and a lost WAL all fail.
              miaudit report verify --all --trusted-key keys/auditor.key.pub
              miaudit report verify --all --trusted-key keys/auditor.key.pub --checkpoint reports/checkpoints/audits-3.json
            """)

    @Argument(help: "The report to verify (default: all).")
    var id: Int64?
    @Flag(name: .long, help: "Verify every report and the chain.")
    var all = false
    @Option(name: .customLong("trusted-key"), help: ArgumentHelp("A trusted public key file (NAME.pub); repeat for several.", valueName: "file"))
    var trustedKeys: [String] = []
    @Option(name: .customLong("checkpoint"), help: ArgumentHelp("A checkpoint the store must still contain; repeat for several.", valueName: "file"))
    var checkpoints: [String] = []
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if id != nil, all { throw ValidationError("give a report ID or --all, not both.") }
        if trustedKeys.isEmpty {
            throw ValidationError("name at least one --trusted-key NAME.pub; verification trusts only the keys you name.")
        }
    }

    func run() throws {
        var valid = true
        try reportingErrors {
            let keys = try trustedKeys.map { try VerifyingKey.load(from: URL(fileURLWithPath: $0)) }
            let witnessed = try checkpoints.map { path in
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                    throw MissingInputError(description: "\(path): the checkpoint cannot be read (\(error.localizedDescription)); check the path.")
                }
                let checkpoint = try StoreCheckpoint.read(data, path: path)
                guard try checkpoint.isSigned(byOneOf: keys) else {
                    throw ReportStoreError.malformedCheckpoint(path: path, problem: "is not signed by any --trusted-key (it names \(checkpoint.keyID))")
                }
                return (path: path, checkpoint: checkpoint)
            }
            let opened: SignedReportStore
            do {
                opened = try store.openExisting()
            } catch let error as ReportableError where !witnessed.isEmpty {
                // A store emptied to nothing or truncated is itself what a checkpoint exists to catch.
                for (path, checkpoint) in witnessed where checkpoint.reports > 0 {
                    print("checkpoint \(path) witnessed \(checkpoint.reports) report(s) at \(checkpoint.createdAt), but the store cannot be read: \(error.description)")
                }
                valid = false
                return
            }
            let result = try id.map { try opened.verify(id: $0, trustedKeys: keys) } ?? opened.verifyAll(trustedKeys: keys)
            var checkpointProblems: [String] = []
            for (path, checkpoint) in witnessed { checkpointProblems += try opened.check(checkpoint, path: path) }
            for problem in checkpointProblems { print(problem) }
            if !witnessed.isEmpty, checkpointProblems.isEmpty {
                print("the store holds the head of \(witnessed.count) checkpoint\(witnessed.count == 1 ? "" : "s") (\(witnessed.map { "\($0.checkpoint.reports) reports" }.joined(separator: ", ")))")
            }
            if !checkpointProblems.isEmpty { valid = false }
            for problem in result.problems { print(problem.description) }
            let scope = id.map { "report \($0)" } ?? "\(result.checkedReports) report\(result.checkedReports == 1 ? "" : "s")"
            if result.isValid {
                print("verified \(scope) in \(store.db): every check passes")
            } else {
                print("\(scope) in \(store.db): \(result.problems.count) problem\(result.problems.count == 1 ? "" : "s")")
            }
            valid = valid && result.isValid
        }
        if !valid { throw ExitCode(1) }
    }
}

/// `miaudit report checkpoint [--db FILE] [--key FILE] [--out FILE]`.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a small statement of the store's head (report count, newest digest, time, key id) to keep elsewhere.",
        discussion: """
            As transparency logs publish their tree heads: keep the checkpoint away from the store (or give it to \
            the audited party), and miaudit report verify --checkpoint FILE later fails if the store no longer \
            holds that head or anything before it. The store is opened read-only. audit, remediate and demo \
            write one after every run under the store's checkpoints/ directory.
              miaudit report checkpoint --key keys/auditor.key --out /media/backup/audits-checkpoint.json
              miaudit report verify --all --trusted-key keys/auditor.key.pub --checkpoint /media/backup/audits-checkpoint.json
            """)

    @Option(name: .long, help: ArgumentHelp("The private key that signs the checkpoint.", valueName: "file"))
    var key: String = "keys/auditor.key"
    @Option(name: .long, help: ArgumentHelp("Write the checkpoint here (replaced atomically) instead of to standard output.", valueName: "file"))
    var out: String?
    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            guard FileManager.default.fileExists(atPath: key) else {
                throw MissingInputError(description: "\(key): no such signing key; name yours with --key")
            }
            let signingKey = try SigningKey.load(from: URL(fileURLWithPath: key))
            let checkpoint = try store.openExisting().checkpoint(signingKey: signingKey)
            let bytes = try checkpoint.fileBytes()
            guard let out else {
                FileHandle.standardOutput.write(bytes)
                return
            }
            if out == "-" {
                FileHandle.standardOutput.write(bytes)
                return
            }
            try checkWritableDestination(out)
            do {
                try bytes.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw OutputError(description: "\(out): cannot write (\(error.localizedDescription)); check the directory.", exitStatus: .ioError)
            }
            print("wrote a checkpoint of \(store.db) to \(out): \(checkpoint.reports) report(s), head \(checkpoint.headDigest?.prefix(12) ?? "none")…, signed by \(checkpoint.keyID)")
        }
    }
}

/// The formats `report export` writes.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case html, md, json, junit
}

/// `miaudit report export ID --format html|md|json|junit --out FILE [--db FILE]`.
struct ExportReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a stored audit report as HTML, Markdown, JSON or JUnit XML.",
        discussion: """
            html: one self-contained page (inline CSS and SVG, no scripts): verdict, gate rules, every attack \
            with intervals and nulls, ROC curves (linear and log-log), score histograms of D_f vs D_h under the \
            audited, original and gold models, utility, provenance and the signer's key fingerprint. md: the \
            same tables in Markdown. json: the signed payload bytes exactly as stored (their SHA-256 is the \
            report's digest). junit: one test case per gate rule, for CI systems. With --trusted-key, the \
            report is verified first (signature by a trusted key, digest, link to the previous report): a \
            report that fails is not exported (exit 1), and the HTML and Markdown say it was verified. \
            Without it the page says the export did not check the signature.
            """)

    @Argument(help: "The report id (see miaudit report list).")
    var id: Int64
    @Option(name: .long, help: "html, md, json or junit.")
    var format: ExportFormat
    @Option(name: .long, help: ArgumentHelp("The file to write (replaced atomically); - for standard output.", valueName: "file"))
    var out: String
    @Option(name: .customLong("trusted-key"), help: ArgumentHelp("Verify the report against this public key (NAME.pub) before exporting; repeat for several.", valueName: "file"))
    var trustedKeys: [String] = []
    @OptionGroup var store: StoreOptions

    func run() throws {
        var verified = true
        try reportingErrors {
            if out != "-" { try checkWritableDestination(out) }
            let keys = try trustedKeys.map { try VerifyingKey.load(from: URL(fileURLWithPath: $0)) }
            let opened = try store.openExisting()
            guard let stored = try opened.report(id: id) else { throw ReportStoreError.noSuchReport(path: store.db, id: id) }
            var verification: ExportVerification?
            if !keys.isEmpty {
                let result = try opened.verify(id: id, trustedKeys: keys)
                guard result.isValid, let key = keys.first(where: { $0.keyID == stored.keyID }) else {
                    for problem in result.problems { print(problem.description) }
                    print("report \(id) in \(store.db) does not verify against the trusted keys; nothing exported")
                    verified = false
                    return
                }
                verification = ExportVerification(trustedKey: key, checkedAt: Date())
            }
            let bytes = try Self.render(stored, format: format, db: store.db, verification: verification)
            if out == "-" {
                FileHandle.standardOutput.write(bytes)
                return
            }
            do {
                try bytes.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw OutputError(description: "\(out): cannot write (\(error.localizedDescription)); check the directory.", exitStatus: .ioError)
            }
            print("wrote report \(id) as \(format.rawValue) to \(out)" + (verification == nil ? "" : " (verified first)"))
        }
        if !verified { throw ExitCode(1) }
    }

    static func render(_ stored: SignedReport, format: ExportFormat, db: String,
                       verification: ExportVerification? = nil) throws -> Data {
        if format == .json { return stored.payload }
        var exported = ExportedReport(report: try AuditReportStore.decode(stored, store: db), stored: stored)
        exported.verification = verification
        switch format {
        case .html: return Data(ReportExport.html(exported).utf8)
        case .md: return Data(ReportExport.markdown(exported).utf8)
        case .junit: return Data(ReportExport.junit(exported).utf8)
        case .json: return stored.payload
        }
    }
}

/// `miaudit report append --db FILE --key KEY --payload FILE.json` (for testing and tooling).
struct AppendReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "For testing and tooling: sign a JSON payload and append it to the store.",
        discussion: """
            Not for audits (their reports are written by the audit itself). The payload must be a JSON \
            object; previous_digest and signer_key_id are filled in from the chain head and the key when \
            absent, and must match them when present. It is stored as canonical JSON (sorted keys, no \
            whitespace). Creates the store when missing.
            """,
        shouldDisplay: false)

    @Option(name: .long, help: ArgumentHelp("The report store (SQLite); created when missing.", valueName: "file"))
    var db: String = "reports/audits.sqlite"
    @Option(name: .long, help: ArgumentHelp("The private signing key (mode 0600).", valueName: "file"))
    var key: String
    @Option(name: .long, help: ArgumentHelp("The JSON object to sign and store.", valueName: "file"))
    var payload: String

    func run() throws {
        try reportingErrors {
            let signingKey = try SigningKey.load(from: URL(fileURLWithPath: key))
            guard FileManager.default.fileExists(atPath: payload) else {
                throw MissingInputError(description: "\(payload): no such payload file; check --payload.")
            }
            let bytes: Data
            do {
                bytes = try Data(contentsOf: URL(fileURLWithPath: payload))
            } catch {
                throw PayloadError(description: "\(payload): cannot be read (\(error.localizedDescription)); check its permissions.",
                                   exitStatus: .ioError)
            }
            guard case var .object(fields)? = try? JSONDecoder().decode(JSONValue.self, from: bytes) else {
                throw PayloadError(description: "\(payload): not a JSON object; a report payload is one JSON object.")
            }
            if !FileManager.default.fileExists(atPath: db) { try checkWritableDestination(db) }
            let store = try AuditReportStore.open(db)
            let report = try store.append(signingKey: signingKey) { link in
                if fields["previous_digest"] == nil { fields["previous_digest"] = link.previousDigest.map(JSONValue.string) ?? .null }
                if fields["signer_key_id"] == nil { fields["signer_key_id"] = .string(link.keyID) }
                return try CanonicalJSON.encode(JSONValue.object(fields))
            }
            print("appended report \(report.id) digest \(report.digest) signed by \(report.keyID)")
        }
    }
}

/// A payload that is not what a report must be (sysexits 65 unless another status is given).
struct PayloadError: ReportableError {
    let description: String
    var exitStatus: SysExit = .data
}

/// Indents compact JSON text without parsing its values, so numbers print exactly as stored.
enum PrettyJSON {
    static func indent(_ json: Data) -> String {
        var out = [UInt8]()
        out.reserveCapacity(json.count * 2)
        var depth = 0
        var inString = false, escaped = false
        let bytes = [UInt8](json)
        func newline() {
            out.append(0x0A)
            out.append(contentsOf: [UInt8](repeating: 0x20, count: 2 * depth))
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            defer { index += 1 }
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let closing = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if index + 1 < bytes.count, bytes[index + 1] == closing {
                    out.append(closing)
                    index += 1
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: [byte, 0x20])
            case 0x20, 0x0A, 0x0D, 0x09:
                break
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
