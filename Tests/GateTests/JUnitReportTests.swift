import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Gate
import Testing

/// Collects elements, their attributes and text with Foundation's `XMLParser`.
final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((elementName, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    /// Parses `xml`; nil when it is not well-formed.
    static func parse(_ xml: String) -> XMLCollector? {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = XMLCollector()
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }
}

@Suite struct JUnitReportTests {
    let tricky = #"auc <0.6> & "null" 'quoted'"#

    func results() throws -> [RuleResult] {
        [
            try GateRule(metric: "ulira.online.auc", .atMost, .fixed(0.6), name: tricky).evaluate(measured(0.5, 0.45, 0.55)),
            try GateRule(metric: "umia.shadow.accuracy", .atMost, .fixed(0.55)).evaluate(measured(0.7, 0.65, 0.75)),
            try GateRule(metric: "forget_quality.median_pvalue", .atLeast, .null).evaluate(measured(0.472, null: true)),
        ]
    }

    @Test func isWellFormedWithOneTestCasePerRuleAndCounts() throws {
        let xml = JUnitReport.xml(results: try results(), suiteName: "audit <a&b>")
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
        let parsed = try #require(XMLCollector.parse(xml))
        let suites = parsed.elements.filter { $0.name == "testsuite" }
        #expect(suites.count == 1)
        #expect(suites[0].attributes["name"] == "audit <a&b>")
        #expect(suites[0].attributes["tests"] == "3")
        #expect(suites[0].attributes["failures"] == "2")
        #expect(suites[0].attributes["errors"] == "0")
        let cases = parsed.elements.filter { $0.name == "testcase" }
        #expect(cases.map { $0.attributes["name"] } == [tricky, "umia.shadow.accuracy at_most 0.55", "forget_quality.median_pvalue at_least null"])
        let failures = parsed.elements.filter { $0.name == "failure" }
        #expect(failures.map { $0.attributes["type"] } == ["fail", "inconclusive"])
        #expect(failures[0].attributes["message"] == "umia.shadow.accuracy = 0.7 [0.65, 0.75] lies wholly above 0.55: fail.")
        #expect(parsed.text.contains("lies wholly at or below 0.6: pass."))
    }

    @Test func aBlockedGateAddsAFailedNoVerdictCase() throws {
        let reason = "the audited model does not resemble its shadows <φ & accuracy>"
        let parsed = try #require(XMLCollector.parse(JUnitReport.xml(results: try results(), blocked: reason)))
        let suite = try #require(parsed.elements.first { $0.name == "testsuite" })
        #expect(suite.attributes["tests"] == "4")
        #expect(suite.attributes["failures"] == "3")
        #expect(parsed.elements.filter { $0.name == "testcase" }.first?.attributes["name"] == "no verdict")
        let failures = parsed.elements.filter { $0.name == "failure" }
        #expect(failures.first?.attributes["type"] == "inconclusive")
        #expect(failures.first?.attributes["message"] == reason)
    }

    @Test func escapesMarkupQuotesAndForbiddenCharacters() {
        #expect(JUnitReport.escape(#"a<b & "c" 'd'>"#) == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;")
        #expect(JUnitReport.escape("line\nnext\ttab") == "line&#10;next&#9;tab")
        #expect(JUnitReport.escape("bell\u{7}") == "bell\u{FFFD}")
        #expect(JUnitReport.escape("ü ≤ 🙂") == "ü ≤ 🙂")
        let xml = JUnitReport.xml(results: [], suiteName: "x\u{1}y\nz")
        let parsed = XMLCollector.parse(xml)
        #expect(parsed?.elements.first { $0.name == "testsuite" }?.attributes["name"] == "x\u{FFFD}y\nz")
        #expect(parsed?.elements.first { $0.name == "testsuite" }?.attributes["tests"] == "0")
    }

    @Test func pythonsElementTreeReadsIt() throws {
        let check = """
            import sys, xml.etree.ElementTree as ET
            root = ET.fromstring(sys.stdin.read())
            suite = root.find('testsuite')
            print(suite.get('tests'), suite.get('failures'), len(suite.findall('testcase')), len(suite.findall('testcase/failure')))
            print(suite.findall('testcase')[0].get('name'))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", check]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return }  // no python3: XMLParser above is the check.
        input.fileHandleForWriting.write(Data(JUnitReport.xml(results: try results()).utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus != 127 else { return }
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: data, as: UTF8.self) == "3 2 3 2\n\(tricky)\n")
    }
}
