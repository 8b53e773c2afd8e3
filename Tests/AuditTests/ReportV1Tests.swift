import Foundation
import GRDB
import ReportStore
import Testing
@testable import Audit
@testable import MembershipInference

/// Stores written before the attack registry hold reports of schema 1; they still export.
/// Fixtures/report-v1.json: `miaudit audit audits/retrain.yaml --format json` from miaudit 0.1.0 at
/// schema 1 (commit 6aab7fb), with each ROC curve cut to 5 points and the spec text to 400 characters.
@Suite struct ReportV1Tests {
    static func storedV1() throws -> (SignedReport, [String: Any]) {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/report-v1", withExtension: "json"))
        let payload = try Data(contentsOf: url)
        let store = try SignedReportStore(writer: try DatabaseQueue(), columns: AuditReportStore.columns)
        let stored = try store.append(signingKey: SigningKey()) { link in try relinked(payload, link) }
        return (stored, try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any]))
    }

    /// `payload` with its chain link and signer replaced by this store's (textually, so no number is re-encoded).
    static func relinked(_ payload: Data, _ link: ChainLink) throws -> Data {
        var text = String(decoding: payload, as: UTF8.self)
        for (key, value) in [("previous_digest", link.previousDigest.map { "\"\($0)\"" } ?? "null"), ("signer_key_id", "\"\(link.keyID)\"")] {
            let range = try #require(text.range(of: "\"\(key)\":(null|\"[^\"]*\")", options: .regularExpression))
            text.replaceSubrange(range, with: "\"\(key)\":\(value)")
        }
        return Data(text.utf8)
    }

    @Test func aSchemaOneReportReadsIntoTheAttacksShape() throws {
        let (stored, raw) = try Self.storedV1()
        let report = try AuditReportStore.decode(stored, store: "memory")
        #expect(report.schema == "miaudit.audit-report/1")
        #expect(report.orderedAttacks.map(\.attack) == ["svm", "ulira", "umia", "forget_quality"])
        let shadow = try #require(raw["shadow_audit"] as? [String: Any])
        // The fixture's values as Python's json reads them (JSONSerialization may round through Decimal).
        #expect(report.attacks["ulira"]?.variants["online"]?.auc == 0.49052765251645675)
        #expect(report.attacks["forget_quality"]?.values["median_pvalue"] == 0.6009967938307185)
        #expect(report.attacks["ulira"]?.nulls["ulira.online.auc"]?.size == 8)
        #expect(report.references?.shadowModels.count == 16 && report.references?.goldModels.count == 8)
        #expect(report.signals.forgetRows == shadow["forget_rows"] as? Int)
        let svm = try #require(try report.attacks["svm"]?.detail?.decode(SVMAttackDetail.self))
        #expect(svm.postExistence == 0.46673298574619004)
        #expect(report.gate.outcome.rawValue == (raw["gate"] as? [String: Any])?["verdict"] as? String)
    }

    @Test func itExportsWithEveryAttacksSection() throws {
        let (stored, _) = try Self.storedV1()
        let exported = ExportedReport(report: try AuditReportStore.decode(stored, store: "memory"), stored: stored)
        let html = ReportExport.html(exported)
        for text in ["U-LiRA (per-example)", "Method level (each of the 16 shadows", "Median p over 8 gold models",
                     "E(D_f), original model (prior)", "16 (", "RMIA (relative membership inference): not run."] {
            #expect(html.contains(text), "missing \(text)")
        }
        #expect(ReportExport.markdown(exported).contains("| Variant | AUC \\[95% DeLong\\] |"))
    }

    @Test func anUnknownSchemaIsAClearError() throws {
        let store = try SignedReportStore(writer: try DatabaseQueue(), columns: AuditReportStore.columns)
        let payload = Data(#"{"audit_name":"x","gate":{"verdict":"pass"},"metrics":{},"previous_digest":null,"schema":"miaudit.audit-report/9","signer_key_id":""}"#.utf8)
        let stored = try store.append(signingKey: SigningKey()) { try Self.relinked(payload, $0) }
        #expect { _ = try AuditReportStore.decode(stored, store: "s.sqlite") } throws: {
            "\($0)".contains("s.sqlite: report 1 has schema miaudit.audit-report/9; this miaudit reads miaudit.audit-report/2 and miaudit.audit-report/1")
        }
    }
}
