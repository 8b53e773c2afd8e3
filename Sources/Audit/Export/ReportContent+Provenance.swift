extension ReportContent {
    /// Where the report came from: store metadata, signer, tool, seed, data, spec and environment.
    static func provenanceSection(_ r: ExportedReport) -> ExportSection {
        let report = r.report
        let splits = report.dataSet.splitRows.keys.sorted().compactMap { key in report.dataSet.splitRows[key].map { "\(key) \($0)" } }
        var blocks: [ExportBlock] = [facts([
            ("Report id", ExportCell("\(r.id)")),
            ("Stored at", ExportCell(ExportFormat.utc(r.createdAt))),
            ("Audit finished", ExportCell(report.createdAt)),
            ("Audit time", ExportCell(ExportFormat.fixed(report.seconds, digits: 1) + " s")),
            ("Payload digest (SHA-256)", .code(r.digest)),
            ("Previous report digest", report.previousDigest.map(ExportCell.code) ?? ExportCell("none (first report in the store)")),
            ("Signer key id", .code(r.keyID)),
            ("Signer key fingerprint (SHA-256 of the public key)", .code(r.keyFingerprint)),
            ("Schema", .code(report.schema)),
            ("Tool", ExportCell("\(report.tool) \(report.toolVersion)")),
            ("Seed", ExportCell("\(report.seed)")),
            ("Data set", ExportCell(report.dataSet.name)),
            ("Data set digest (SHA-256)", .code(report.dataSet.sha256)),
            ("Data set rows", ExportCell("\(report.dataSet.rows) (\(splits.isEmpty ? "no splits recorded" : splits.joined(separator: ", ")))")),
            ("Spec path", .code(report.spec.path)),
            ("Spec SHA-256", .code(report.spec.sha256)),
        ])]
        if report.signerKeyID != r.keyID {
            blocks.append(.note("The payload names signer \(report.signerKeyID) but the store recorded \(r.keyID); verify the store.", .fail))
        }
        if let check = r.verification {
            blocks.append(.note("Verified when exported (\(ExportFormat.utc(check.checkedAt))): the signature is by the trusted key with "
                + "fingerprint \(check.trustedKeyFingerprint), the payload digest matches its bytes, and the link to the previous "
                + "report holds. Anyone can repeat the check with miaudit report verify \(r.id) --trusted-key KEY.pub.", .pass))
        } else {
            blocks.append(.paragraph("This export does not check the signature: verify the store against a public key you trust and "
                + "compare that key's fingerprint with the one above."))
        }
        blocks.append(.heading("Environment"))
        if report.environment.isEmpty {
            blocks.append(.paragraph("Not recorded."))
        } else {
            blocks.append(.table(ExportTable(headers: ["Key", "Value"], rows: report.environment.keys.sorted().map { key in
                [.code(key), ExportCell(report.environment[key] ?? "")]
            })))
        }
        blocks += [.heading("Audit spec (verbatim)"), .preformatted(report.spec.text)]
        return ExportSection(id: "provenance", title: "Provenance", blocks: blocks)
    }
}
