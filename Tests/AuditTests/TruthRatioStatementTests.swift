import Testing
@testable import Audit

/// The forget-quality section says how its truth ratios were formed, so that a data set without a
/// paraphrase view is visible in the report rather than silently measured on its captions.
@Suite struct TruthRatioStatementTests {
    @Test func eachViewIsStatedAndAMissingParaphraseViewIsExplained() {
        let caption = ReportContent.truthRatioSentence(TruthRatioRecord(view: "caption", perturbations: 5))
        #expect(caption.contains("the data set has no paraphrase view"))
        #expect(caption.contains("own caption"))
        #expect(caption.contains("5 texts of other groups"))
        let paraphrase = ReportContent.truthRatioSentence(TruthRatioRecord(view: "paraphrase", perturbations: 5))
        #expect(paraphrase.contains("paraphrase view") && !paraphrase.contains("no paraphrase"))
        let classes = ReportContent.truthRatioSentence(TruthRatioRecord(view: "classes", perturbations: 0))
        #expect(classes.contains("R = mean over the other classes of p_c, divided by p_y"))
    }

    @Test func theStatementSitsInTheForgetQualitySectionOfAnExport() throws {
        // A report whose signals record the caption view: the attacks section's forget-quality part says so.
        var exported = try Fixture.report()
        exported.report.signals.truthRatio = TruthRatioRecord(view: "caption", perturbations: 5)
        let document = ReportContent.document(exported)
        let attacks = try #require(document.sections.first { $0.id == "attacks" })
        let paragraphs = attacks.blocks.compactMap { block -> String? in
            if case let .paragraph(text) = block { return text }
            return nil
        }
        #expect(paragraphs.contains { $0.contains("no paraphrase view") })
    }
}

/// A remediation step's report speaks of the remediated model, not of the deletion claim.
@Suite struct RemediationWordingTests {
    @Test func aLaterStepIsWordedAsARemediationAndTheFirstAsTheClaim() throws {
        let gate = try Fixture.report().report.gate
        let later = ReportContent.verdictSentence(gate, remediation: RemediationStep(step: 3, action: "retrain", previousStepDigest: nil))
        #expect(later.hasPrefix("Remediation step 3 (retrain): "))
        #expect(later.contains("remediated model") && !later.contains("deletion claim"))
        let first = ReportContent.verdictSentence(gate, remediation: RemediationStep(step: 1, action: "audit-claim", previousStepDigest: nil))
        #expect(first.contains("deletion claim"))
    }
}
