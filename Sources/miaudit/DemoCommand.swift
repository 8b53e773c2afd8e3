import ArgumentParser
import Audit
import Foundation
import ReportStore

/// `miaudit demo`: the README's main job — a fake deletion audited, caught and repaired.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The main job: audit a fake deletion on the bundled data, repair it, and write signed reports and HTML pages.",
        discussion: """
            Runs miaudit remediate on audits/fake-deletion.yaml: the original model (trained on the bundled \
            emoji-cldr data when reports/demo/original.safetensors is missing) claims to have deleted the forget \
            split but changed nothing. Step 1 audits that claim with every attack (SVM, U-LiRA and U-MIA with 16 \
            shadows, forget quality against 16 gold models) and should fail; step 2 applies multidelete-calibrated; \
            step 3, if needed, retrains. Each step is a signed report in --db; each is exported as HTML beside \
            the models in --output, and the chain is verified with the key's public half. The signing key is \
            created when missing. Shadows and gold models are cached in audits/cache, so a second run takes \
            seconds per step instead of minutes. Exit status 0 when every step ran and the chain verifies, \
            whatever the verdicts (they are the demo's findings); use miaudit remediate or audit to gate a release.
            """)

    @Option(name: .long, help: ArgumentHelp("The audit spec of the fake deletion.", valueName: "file"))
    var spec: String = "audits/fake-deletion.yaml"
    @Option(name: .long, help: ArgumentHelp("Directory for the remedies' models and the HTML pages.", valueName: "dir"))
    var output: String = "reports/demo"
    @OptionGroup var options: AuditRunOptionGroup

    func run() throws {
        var exitCode: Int32 = 0
        try reportingErrors {
            let start = ContinuousClock.now
            let threads = options.threadOptions.apply()
            print("miaudit \(ToolInfo.version) demo: remediate \(spec) with \(threads) BLAS thread(s)")
            let key = try demoKey()
            let auditSpec = try options.loadSpec(spec)
            let store = try options.openStore()
            let steps = try RemediationRun.run(auditSpec, options: options, key: key, store: store, models: output)
            // Pages of an earlier run with more steps would describe a chain this run did not make.
            let stale = ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? [])
                .filter { $0.hasPrefix("step") && $0.hasSuffix(".html") }
            for name in stale { try? FileManager.default.removeItem(atPath: (output as NSString).appendingPathComponent(name)) }
            let verification = try store.verifyAll(trustedKeys: [key.verifyingKey])
            let checked = verification.isValid ? ExportVerification(trustedKey: key.verifyingKey, checkedAt: Date()) : nil
            var pages: [String] = []
            for step in steps {
                let action = step.report.remediation?.action ?? "audit"
                let page = (output as NSString).appendingPathComponent("step\(step.report.remediation?.step ?? 0)-\(action).html")
                try ExportReportCommand.render(step.stored, format: .html, db: options.db, verification: checked)
                    .write(to: URL(fileURLWithPath: page), options: .atomic)
                pages.append(page)
            }
            print("")
            for line in AuditSummary.narrative(steps) { print(line) }
            print("")
            for line in AuditSummary.steps(steps) { print(line) }
            print("")
            let final = steps.last
            print("outcome: \(final?.report.gate.outcome.rawValue.uppercased() ?? "none") after \(steps.count) step(s)"
                  + (final?.model.map { "; the last step's model is \($0.path)" } ?? ""))
            print("reports: \(options.db) (\(verification.checkedReports) report(s); chain and signatures "
                  + (verification.isValid ? "verified with \(options.key).pub)" : "NOT valid: \(verification.problems.count) problem(s))"))
            for page in pages { print("html: \(page)") }
            print(try options.writeCheckpoint(store, signingKey: key))
            print("next: miaudit report list; miaudit report verify --all --trusted-key \(options.key).pub; "
                  + "miaudit report export ID --format md --out FILE")
            print(String(format: "demo finished in %.1f s", seconds(since: start)))
            // The demo's own status: it ran every step and the chain verifies. The verdicts are its
            // findings, printed above; `miaudit remediate` is the command whose exit code gates.
            exitCode = verification.isValid && final != nil ? 0 : 1
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    /// The demo's signing key, created on first use.
    func demoKey() throws -> SigningKey {
        if FileManager.default.fileExists(atPath: options.key) { return try options.signingKey() }
        let url = URL(fileURLWithPath: options.key)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let key = try SigningKey.generate(to: url)
        print("created the signing key \(options.key) (\(key.keyID)); its public half is \(options.key).pub")
        return key
    }
}
