import AuditData
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import MatchingTask
import ModelAdapters
import NumericCore
import ReportStore
@testable import ReferenceModels
import Stats
import Testing
@testable import Audit
@testable import Gate
@testable import MembershipInference

/// The report the export tests render: real attack results on seeded synthetic LiRA scores, in
/// which the forget set sits 1.2 above the holdout set under the audited model (the attacks
/// detect it), and a gate with a passing, a failing and an inconclusive rule.
enum Fixture {
    static let forgetCount = 60, holdoutCount = 60
    static let specText = "name: \"demo <b>& 'quoted'\"\ngate:\n  - metric: ulira.online.auc\n    at_most: null\n"
    static let failingRuleName = "U-MIA accuracy <&> 'strict'"
    static let publicKey = Data((0..<32).map { UInt8($0 * 7 % 256) })
    static let createdAt = Date(timeIntervalSince1970: 1_750_000_000)

    static var labels: [Bool] { [Bool](repeating: true, count: forgetCount) + [Bool](repeating: false, count: holdoutCount) }

    /// Gaussian scores, shifted by `shift` on the forget rows.
    static func scores(_ generator: inout RandomSource, shift: Double) -> [Double] {
        labels.map { ($0 ? shift : 0) + generator.nextGaussian() }
    }

    static func curve(_ scores: [Double]) throws -> ROCPoints {
        let curve = try ROCCurve(scores: scores, labels: labels)
        return ROCPoints(fpr: (0..<curve.count).map(curve.falsePositiveRate), tpr: (0..<curve.count).map(curve.truePositiveRate),
                         auc: curve.areaUnderCurve)
    }

    static func histogram(_ model: String, count: Int, _ scores: [Double], edges: [Double]) -> ModelHistogram {
        func counts(_ values: ArraySlice<Double>) -> [Int] {
            (0..<(edges.count - 1)).map { bin in
                values.filter { $0 >= edges[bin] && ($0 < edges[bin + 1] || bin == edges.count - 2 && $0 <= edges[bin + 1]) }.count
            }
        }
        return ModelHistogram(model: model, modelCount: count, forget: counts(scores.prefix(forgetCount)),
                              holdout: counts(scores.suffix(holdoutCount)))
    }

    static func utility(_ itm: Double, forget: Double) -> ModelUtility {
        ModelUtility(testITMAccuracy: itm, testMatchAccuracy: itm + 0.05, forgetMatchAccuracy: forget, forgetMismatchedMatchRate: 0.08,
                     retainMatchAccuracy: 0.91, holdoutMatchAccuracy: 0.61,
                     testRecall: MatchingUtility.Recall(imageToText: ["1": 0.21, "5": 0.48, "10": 0.63],
                                                        textToImage: ["1": 0.19, "5": 0.45, "10": 0.6]))
    }

    static func modelRecord(_ kind: String, _ index: Int, attempts: Int = 1, fromCache: Bool) -> ModelRecord {
        ModelRecord(kind: kind, index: index, key: String(repeating: "ab", count: 32), attempts: attempts,
                    validationAccuracies: [Double](repeating: 0.74, count: attempts), trainSeed: UInt64(index), unlearnSeed: 0,
                    seconds: 1.5, fromCache: fromCache)
    }

    /// Attack results from the real attacks on a synthetic signal table (8 shadows, 3 gold models),
    /// the SVM attack's made by hand (without power), with curves and histograms.
    static func attacks() throws -> ([String: AttackResult], [String: ROCPoints], ScoreHistograms) {
        var generator = RandomSource(seed: 7)
        let keep = try KeepMatrix(shadows: 8, examples: forgetCount + holdoutCount, seed: 7)
        func model(_ name: String, _ phi: [Double], ratios: [Double]? = nil) throws -> ModelSignals {
            try ModelSignals(name: name, trueClassProbability: phi.map { 1 / (1 + exp(-$0)) }, truthRatios: ratios)
        }
        func ratios() -> [Double] { (0..<(forgetCount + holdoutCount)).map { _ in 1 + generator.nextUnitDouble() } }
        let shadows = try keep.rows.enumerated().map { k, row in try model("shadow \(k)", row.map { ($0 ? 1.0 : 0.0) + generator.nextGaussian() }) }
        let target = scores(&generator, shift: 1.2), gold = scores(&generator, shift: 0), original = scores(&generator, shift: 1.5)
        let golds = try (0..<3).map { g in try model("gold \(g)", g == 0 ? gold : scores(&generator, shift: 0), ratios: ratios()) }
        let table = try SignalTable(labels: labels, target: try model("target", target, ratios: ratios()), shadows: shadows,
                                    membership: keep.rows, golds: golds, seed: 3)
        let suite = try AttackSuite.run([ULiRAAttack(), UMIAAttack(), ForgetQualityAttack()], on: table,
                                        options: AttackOptionValues(["folds": .integer(5)]))
        var results = Dictionary(uniqueKeysWithValues: suite.results.map { ($0.attack, $0) })
        let svm = SVMAttackDetail(priorExistence: 0.71, postExistence: 0.64, ratio: 0.71 / 0.64, holdoutExistence: 0.52,
                                  attackerAUC: 0.53, attackerAUCInterval: [0.47, 0.59], attackerHasPower: false,
                                  trainingMembers: 30, trainingNonMembers: 30)
        results["svm"] = AttackResult(attack: "svm", title: SVMMembershipAttack().title, variants: [:],
                                      values: ["post_existence": 0.64, "prior_to_post_ratio": 0.71 / 0.64], nulls: [:], options: [:],
                                      detail: try JSONValue(encoding: svm))
        let curves = ["ulira.online": try curve(target), "umia.cross_validated": try curve(original)]
        let edges = stride(from: -4.0, through: 5.0, by: 1.0).map { $0 }
        let histograms = ScoreHistograms(edges: edges, models: [
            histogram("audited", count: 1, target, edges: edges), histogram("original", count: 1, original, edges: edges),
            histogram("gold", count: 3, gold, edges: edges),
        ])
        return (results, curves, histograms)
    }

    static let references = ReferencesRecord(
        provider: "native", shadowMethod: "none{}",
        shadowModels: (0..<8).map { modelRecord("shadow", $0, attempts: $0 == 3 ? 2 : 1, fromCache: $0 < 6) },
        goldModels: (0..<3).map { modelRecord("gold", $0, fromCache: true) }, collapseAccuracy: 0.55)

    static let signals = SignalsRecord(forgetRows: forgetCount, holdoutRows: holdoutCount, populationRows: nil,
                                       truthRatio: TruthRatioRecord(view: "paraphrase", perturbations: 5), calibrationRows: 48)

    /// The gate over the attacks' metrics: U-LiRA against a null of 8 gold models (the prediction
    /// test), U-MIA against a strict fixed bound (fails), forget quality against a null of 3 gold
    /// models (too few to calibrate: inconclusive), and utility (passes).
    static func gate(_ attacks: [String: AttackResult]) throws -> (GateVerdict, [String: ReportedMetric]) {
        let ulira = try #require(attacks["ulira"]?.variants["online"]), umia = try #require(attacks["umia"]?.variants["shadow"])
        let fq = try #require(attacks["forget_quality"]?.values["median_pvalue"])
        let accuracy = try #require(umia.balancedAccuracyAtNaturalThreshold)
        let measured: [String: MeasuredMetric] = [
            "ulira.online.auc": MeasuredMetric(value: ulira.auc, interval: ulira.aucInterval, nullValues: [0.51, 0.47, 0.55, 0.49, 0.6, 0.52, 0.5, 0.53]),
            "umia.shadow.accuracy": MeasuredMetric(value: accuracy, interval: [accuracy - 0.05, accuracy + 0.05]),
            "forget_quality.median_pvalue": MeasuredMetric(value: fq, nullValues: [0.4, 0.62, 0.33], scale: .probit),
            "utility.test_itm_accuracy_drop": MeasuredMetric(value: 0.01),
        ]
        let rules = [
            GateRule(metric: "ulira.online.auc", .atMost, .null),
            GateRule(metric: "umia.shadow.accuracy", .atMost, .fixed(0.05), name: failingRuleName),
            GateRule(metric: "forget_quality.median_pvalue", .atLeast, .null),
            GateRule(metric: "utility.test_itm_accuracy_drop", .atMost, .fixed(0.02), name: "test accuracy drop"),
        ]
        return (try GatePolicy().evaluate(rules, on: measured), measured.mapValues(ReportedMetric.init))
    }

    static var keyID: String { "ed25519:" + sha256Hex(publicKey).prefix(16) }

    static func report() throws -> ExportedReport {
        let (attacks, curves, histograms) = try attacks()
        let (gate, metrics) = try gate(attacks)
        let identity = { (name: String) in AdapterIdentity(kind: "native", modelID: name, digest: "sha256:" + String(repeating: "0f", count: 32),
                                                           classes: ["no-match", "match"]) }
        let report = AuditReport(
            auditName: "emoji <forget> & \"audit\"", createdAt: "2025-06-15T15:06:12Z", tool: "miaudit", toolVersion: "0.6.0",
            environment: ["os": "Debian 12", "cpu": "x86_64 <2 cores>", "blas_threads": "2"], seed: 42,
            spec: SpecRecord(path: "audits/demo.yaml", sha256: String(repeating: "c3", count: 32), text: specText),
            dataSet: DataSetRecord(name: "emoji-cldr-small", sha256: String(repeating: "d4", count: 32), rows: 324,
                                   splitRows: ["forget": 60, "holdout": 60, "retain": 140, "test": 40, "validation": 24]),
            models: ModelsRecord(original: identity("original.safetensors"), target: identity("claimed <deleted>.safetensors"),
                                 targetUnlearning: TargetUnlearningRecord(method: "none", settings: "none", seed: 5, seconds: 0.1),
                                 shadowMethod: "none"),
            remediation: RemediationStep(step: 1, action: "audit-claim", previousStepDigest: nil),
            utility: UtilityComparison(audited: utility(0.74, forget: 0.88), original: utility(0.75, forget: 0.9)),
            references: references, signals: signals, attacks: attacks, metrics: metrics, curves: curves, histograms: histograms,
            gate: gate, seconds: 12.5,
            previousDigest: String(repeating: "9e", count: 32), signerKeyID: keyID)
        return ExportedReport(report: report, id: 7, digest: String(repeating: "5a", count: 32), keyID: keyID, publicKey: publicKey,
                              createdAt: createdAt)
    }

    /// The same report with no attack run and no charts.
    static func emptyReport() throws -> ExportedReport {
        var exported = try report()
        exported.report.attacks = [:]
        exported.report.references = nil
        exported.report.curves = [:]
        exported.report.histograms = nil
        exported.report.remediation = nil
        exported.report.utility = UtilityComparison(audited: utility(0.74, forget: 0.88), original: nil)
        return exported
    }
}

/// Elements and their attributes, collected with Foundation's `XMLParser`.
private final class ExportXMLCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((elementName, attributes))
    }

    /// The collected elements, or nil when `xml` is not well-formed.
    static func parse(_ xml: String) -> ExportXMLCollector? {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = ExportXMLCollector()
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }

    func named(_ name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

/// Every `<svg …>…</svg>` block of `html`, in order.
private func svgBlocks(_ html: String) -> [String] {
    var blocks: [String] = [], rest = html[...]
    while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
        blocks.append(String(rest[start.lowerBound..<end.upperBound]))
        rest = rest[end.upperBound...]
    }
    return blocks
}

/// The (x, y) points of a polyline's `points` attribute.
private func points(_ attribute: String?) -> [(x: Double, y: Double)] {
    (attribute ?? "").split(separator: " ").compactMap { pair in
        let xy = pair.split(separator: ",").compactMap { Double($0) }
        return xy.count == 2 ? (xy[0], xy[1]) : nil
    }
}

@Suite struct ReportExportTests {
    @Test func htmlIsOneSelfContainedPage() throws {
        let html = ReportExport.html(try Fixture.report())
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        for forbidden in ["<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "@font-face"] {
            #expect(!html.lowercased().contains(forbidden), "HTML holds \(forbidden)")
        }
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func everyChartParsesAsXML() throws {
        let exported = try Fixture.report()
        let blocks = svgBlocks(ReportExport.html(exported))
        // Linear and log-log ROC, one histogram per model.
        #expect(blocks.count == 2 + (exported.report.histograms?.models.count ?? 0))
        for block in blocks {
            #expect(ExportXMLCollector.parse(block) != nil, "not well-formed: \(block.prefix(200))")
        }
    }

    @Test func htmlShowsVerdictRulesKeyAndEscapedStrings() throws {
        let exported = try Fixture.report()
        let html = ReportExport.html(exported)
        #expect(exported.report.gate.outcome == .fail)
        #expect(html.contains("<span class=\"badge badge-fail\">FAIL</span>"))
        #expect(html.contains("The audit detects the forget set: the deletion claim is not supported."))
        for result in exported.report.gate.results {
            #expect(html.contains(Markup.escape(result.rule.displayName)), "missing rule \(result.rule.displayName)")
        }
        #expect(html.contains("U-MIA accuracy &lt;&amp;&gt; &#39;strict&#39;"))
        #expect(!html.contains(Fixture.failingRuleName))
        #expect(html.contains("emoji &lt;forget&gt; &amp; &quot;audit&quot;"))
        #expect(html.contains("<pre>name: &quot;demo &lt;b&gt;&amp; &#39;quoted&#39;&quot;\ngate:"))
        #expect(!html.contains("<b>&"))
        let fingerprint = sha256Hex(Fixture.publicKey)
        let grouped = stride(from: 0, to: 64, by: 4).map { offset in
            String(fingerprint.dropFirst(offset).prefix(4))
        }.joined(separator: " ")
        #expect(exported.keyFingerprint == grouped)
        #expect(html.contains(grouped) && html.contains(Fixture.keyID))
        #expect(html.contains("2025-06-15 15:06:40 UTC"))
    }

    @Test func htmlHasEverySectionInOrder() throws {
        let html = ReportExport.html(try Fixture.report())
        let ids = ["gate", "attacks", "roc", "histograms", "utility", "remediation", "models", "provenance"]
        let positions = ids.compactMap { html.range(of: "<section id=\"\($0)\">")?.lowerBound }
        #expect(positions.count == ids.count)
        #expect(positions == positions.sorted())
        for text in ["U-LiRA (per-example)", "Method level (each of the 8 shadows", "cross-validated", "Median p over 3 gold models",
                     "The SVM attacker has no power", "8 (6 from the cache)", "3 (3 from the cache)",
                     "Collapsed attempts (retrained with fresh seeds)</td><td>1</td>", "audit-claim", "Test recall@10, text → image",
                     "<td>Test ITM accuracy</td><td>0.740</td><td>0.750</td><td>-0.010</td>",
                     "undefined (too few D_h examples)"] {
            #expect(html.contains(text), "missing \(text)")
        }
    }

    @Test func nilSectionsSayNotRun() throws {
        let exported = try Fixture.emptyReport()
        let html = ReportExport.html(exported), markdown = ReportExport.markdown(exported)
        for attack in ["U-LiRA (per-example)", "U-MIA (population)", "Forget quality (KS test against the gold models)", "SVM black-box attack",
                       "RMIA (relative membership inference)", "Score histograms", "Shadow and gold models"] {
            #expect(html.contains("\(attack): not run."), "HTML: \(attack)")
            #expect(markdown.contains("\(Markup.markdown(attack)): not run."), "Markdown: \(attack)")
        }
        #expect(html.contains("ROC curves: not run (no attack recorded a curve)."))
        #expect(!html.contains("<svg"))
        #expect(!html.contains("id=\"remediation\""))
        #expect(html.contains("The original model&#39;s utility was not measured."))
    }

    @Test func rocPolylineHasOnePointPerCurvePoint() throws {
        let exported = try Fixture.report()
        let blocks = svgBlocks(ReportExport.html(exported))
        let series = ReportContent.rocSeries(exported.report.curves)
        #expect(series.map(\.name) == ["U-LiRA online", "U-MIA cross-validated"])
        for block in blocks.prefix(2) {
            let polylines = try #require(ExportXMLCollector.parse(block)).named("polyline")
            #expect(polylines.count == series.count)
            for (polyline, curve) in zip(polylines, series) {
                #expect(polyline["data-series"] == curve.name)
                #expect(points(polyline["points"]).count == curve.falsePositiveRates.count)
            }
        }
    }

    @Test func logLogAxesClampSmallRatesToTheMinimum() throws {
        let curve = ROCSeries(name: "clamped", falsePositiveRates: [0, 0.0005, 0.01, 1], truePositiveRates: [0, 0.002, 0.1, 1])
        let area = ROCChart.area
        let logLog = try #require(ExportXMLCollector.parse(SVGChart.roc([curve], scale: .logLog, title: "t")))
        let drawn = points(logLog.named("polyline").first?["points"])
        #expect(drawn.count == 4)
        // (0, 0) and (0.0005, ·) sit on the axis minimum; 0.002 is one third of a decade above it.
        #expect(drawn[0].x == area.left && drawn[0].y == area.bottom)
        #expect(drawn[1].x == area.left)
        #expect(abs(drawn[1].y - (area.bottom - log10(2) / 3 * area.height)) < 0.006)
        #expect(abs(drawn[2].x - (area.left + area.width / 3)) < 0.006 && abs(drawn[2].y - (area.bottom - 2 * area.height / 3)) < 0.006)
        #expect(drawn[3].x == area.right && drawn[3].y == area.top)
        let linear = try #require(ExportXMLCollector.parse(SVGChart.roc([curve], scale: .linear, title: "t")))
        let straight = points(linear.named("polyline").first?["points"])
        #expect(abs(straight[2].x - (area.left + 0.01 * area.width)) < 0.006)
        let html = ReportExport.html(try Fixture.report())
        #expect(html.contains("rates below 0.001, including 0, are drawn at 0.001"))
    }

    @Test func histogramBarsAreDensities() throws {
        // Bins [0, 1), [1, 2), [2, 4]: D_f 10 examples, D_h 20, so counts alone would mislead.
        let edges = [0.0, 1, 2, 4], forget = [2, 6, 2], holdout = [5, 5, 10]
        #expect(SVGChart.densities(counts: forget, edges: edges) == [0.2, 0.6, 0.1])
        #expect(SVGChart.densities(counts: holdout, edges: edges) == [0.25, 0.25, 0.25])
        let chart = HistogramChart(edges: edges, forget: forget, holdout: holdout, title: "h")
        // Largest density 0.6; nice step 0.2, so the y axis tops out at 0.6.
        #expect(abs(chart.yAxis.top - 0.6) < 1e-12 && abs(chart.yAxis.step - 0.2) < 1e-12)
        let parsed = try #require(ExportXMLCollector.parse(chart.svg()))
        let bars = parsed.named("rect").filter { $0["class"]?.hasPrefix("bar ") == true }
        let height = HistogramChart.area.height, width = HistogramChart.area.width
        func attribute(_ set: String, _ name: String) -> [String] { bars.filter { $0["class"] == "bar \(set)" }.compactMap { $0[name] } }
        #expect(attribute("forget", "height") == [0.2, 0.6, 0.1].map { svgNumber($0 / 0.6 * height) })
        #expect(attribute("forget", "height") == ["53.33", "160.00", "26.67"])
        #expect(attribute("holdout", "height") == ["66.67", "66.67", "66.67"])
        #expect(attribute("forget", "width") == [0.25, 0.25, 0.5].map { svgNumber($0 * width) })
        #expect(attribute("forget", "y") == ["158.67", "52.00", "185.33"])
    }

    @Test func markdownHasEveryTableAndNoCharts() throws {
        let markdown = ReportExport.markdown(try Fixture.report())
        for header in ["| Rule | Measured \\[interval\\] | Bound | Outcome | Explanation |",
                       "| Metric | Value \\[interval\\] | Null (gold models) |",
                       "| Variant | AUC \\[95% DeLong\\] | Balanced accuracy |",
                       "| Metric | Audited | Meaning |",
                       "| Gold model | KS D | p | log10 p |",
                       "| Null of | Audited | Null 95th percentile | Null min | Null max |",
                       "| Measure | Audited | Original | Change |",
                       "| Role | Adapter | Model | Digest |",
                       "| Key | Value |"] {
            #expect(markdown.contains(header), "missing table \(header)")
        }
        #expect(markdown.contains("The HTML export of this report has the charts"))
        #expect(markdown.contains("U-MIA accuracy &lt;&amp;&gt; 'strict'"))
        #expect(markdown.contains("**Verdict: FAIL**"))
        #expect(markdown.contains("```\n" + Fixture.specText + "```"))
        #expect(!markdown.contains("<svg"))
    }

    @Test func junitHasOneTestCasePerRule() throws {
        let exported = try Fixture.report()
        let xml = ReportExport.junit(exported)
        let parsed = try #require(ExportXMLCollector.parse(xml))
        let results = exported.report.gate.results
        #expect(parsed.named("testcase").map { $0["name"] } == results.map(\.rule.displayName))
        // Failed and inconclusive rules are both failures (the default policy fails inconclusive ones).
        #expect(Set(results.map(\.outcome)) == [.pass, .fail, .inconclusive])
        #expect(parsed.named("failure").map { $0["type"] } == results.filter { $0.outcome != .pass }.map(\.outcome.rawValue))
        // One suite per remediation step, stamped with the report's creation time (UTC, no zone).
        let suite = try #require(parsed.named("testsuite").first)
        #expect(suite["name"] == "\(exported.report.auditName) step 1 audit-claim")
        #expect(exported.report.createdAt.hasSuffix("Z"))
        #expect(suite["timestamp"] == String(exported.report.createdAt.dropLast()))
        var plain = exported
        plain.report.remediation = nil
        let plainSuite = try #require(ExportXMLCollector.parse(ReportExport.junit(plain))?.named("testsuite").first)
        #expect(plainSuite["name"] == exported.report.auditName)
    }

    @Test func renderingIsDeterministic() throws {
        let first = try Fixture.report(), second = try Fixture.report()
        #expect(first == second)
        #expect(ReportExport.html(first) == ReportExport.html(second))
        #expect(ReportExport.markdown(first) == ReportExport.markdown(second))
        #expect(ReportExport.junit(first) == ReportExport.junit(second))
    }

    @Test func storedReportCarriesTheSignersKey() throws {
        let exported = try Fixture.report()
        let store = try SignedReportStore(writer: try DatabaseQueue(), columns: JSONFieldColumns())
        let key = SigningKey()
        let stored = try store.append(payload: try CanonicalJSON.encode(exported.report), signingKey: key)
        let fromStore = ExportedReport(report: exported.report, stored: stored)
        #expect(fromStore.keyID == key.keyID && fromStore.digest == stored.digest && fromStore.id == stored.id)
        // The key id is the fingerprint's first 16 hex digits.
        #expect(fromStore.keyFingerprint.replacingOccurrences(of: " ", with: "").prefix(16) == key.keyID.dropFirst("ed25519:".count))
        #expect(ReportExport.html(fromStore).contains(fromStore.keyFingerprint))
    }
}
