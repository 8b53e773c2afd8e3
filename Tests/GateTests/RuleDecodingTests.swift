import Foundation
@testable import Gate
import Testing

/// Rules as audit specs write them; every mistake is an error naming the field.
@Suite struct RuleDecodingTests {
    @Test func decodesFixedAndNullBounds() throws {
        #expect(try decodeRule(#"{"metric": "ulira.online.auc", "at_most": 0.6}"#) == GateRule(metric: "ulira.online.auc", .atMost, .fixed(0.6)))
        #expect(try decodeRule(#"{"metric": "ulira.online.auc", "at_most": "null"}"#) == GateRule(metric: "ulira.online.auc", .atMost, .null))
        #expect(try decodeRule(#"{"metric": "ulira.online.auc", "at_most": null}"#) == GateRule(metric: "ulira.online.auc", .atMost, .null))
        #expect(try decodeRule(#"{"metric": "forget_quality.median_pvalue", "at_least": 0.05, "name": "FQ"}"#)
            == GateRule(metric: "forget_quality.median_pvalue", .atLeast, .fixed(0.05), name: "FQ"))
        #expect(try decodeRule(#"{"metric": "utility.test_itm_accuracy_drop", "at_most": 1}"#).bound == .fixed(1))
    }

    @Test func roundTripsThroughJSON() throws {
        for rule in [GateRule(metric: "a", .atMost, .null), GateRule(metric: "b", .atLeast, .fixed(0.05), name: "B")] {
            let data = try JSONEncoder().encode(rule)
            #expect(try JSONDecoder().decode(GateRule.self, from: data) == rule)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(GateRule(metric: "a", .atMost, .null)), as: UTF8.self)
        #expect(text == #"{"at_most":"null","metric":"a"}"#)
    }

    @Test func unknownKeysAreErrorsNamingTheKey() {
        let error = gateError { _ = try decodeRule(#"{"metric": "ulira.online.auc", "at_mots": 0.6}"#) }
        #expect(error == .unknownKey(field: "<top level>", key: "at_mots"))
        #expect(error?.description == "gate rule <top level>: unknown key 'at_mots'; a rule has 'metric', one of 'at_most' or "
            + "'at_least', and optionally 'name'.")
        #expect(error?.exitStatus == .usage)
    }

    @Test func errorsInAListNameTheRulesIndex() {
        let json = #"[{"metric": "a", "at_most": 0.6}, {"metric": "b", "at_most": 0.6, "severity": "high"}]"#
        let error = gateError { _ = try JSONDecoder().decode([GateRule].self, from: Data(json.utf8)) }
        #expect(error == .unknownKey(field: "[1]", key: "severity"))
    }

    @Test func wrongTypesAreErrorsNamingTheField() {
        #expect(gateError { _ = try decodeRule(#"{"metric": 3, "at_most": 0.6}"#) } == .invalidField(
            field: "metric", problem: #"is not a non-empty string; name the metric, e.g. "ulira.online.auc""#))
        #expect(gateError { _ = try decodeRule(#"{"metric": "a", "at_most": "0.6"}"#) } == .invalidField(
            field: "at_most", problem: #"is neither a number nor "null"; give e.g. 0.6 or "null""#))
        #expect(gateError { _ = try decodeRule(#"{"metric": "a", "at_least": true}"#) } == .invalidField(
            field: "at_least", problem: #"is neither a number nor "null"; give e.g. 0.6 or "null""#))
        #expect(gateError { _ = try decodeRule(#"{"metric": "a", "at_most": 0.6, "name": 7}"#) } == .invalidField(
            field: "name", problem: "is not a string; give a display name or leave it out"))
        #expect(gateError { _ = try decodeRule(#"["a"]"#) } == .invalidField(
            field: "<top level>", problem: #"is not an object; write {"metric": NAME, "at_most": BOUND}"#))
    }

    @Test func aRuleNeedsAMetricAndExactlyOneBound() {
        #expect(gateError { _ = try decodeRule(#"{"at_most": 0.6}"#) } == .invalidField(
            field: "metric", problem: #"is missing; name the metric, e.g. "ulira.online.auc""#))
        #expect(gateError { _ = try decodeRule(#"{"metric": "a"}"#) } == .invalidField(
            field: "<top level>", problem: #"has no bound; add "at_most" or "at_least" with a number or "null""#))
        #expect(gateError { _ = try decodeRule(#"{"metric": "a", "at_most": 0.6, "at_least": 0.1}"#) } == .invalidField(
            field: "<top level>", problem: #"has both "at_most" and "at_least"; write one rule per bound"#))
        #expect(gateError { _ = try decodeRule(#"{"metric": "", "at_most": 0.6}"#) } != nil)
    }

    @Test func rulesDescribeThemselves() {
        #expect(GateRule(metric: "ulira.online.auc", .atMost, .null).description == "ulira.online.auc at_most null")
        #expect(GateRule(metric: "fq", .atLeast, .fixed(0.05)).displayName == "fq at_least 0.05")
        #expect(GateRule(metric: "fq", .atLeast, .fixed(0.05), name: "forget quality").displayName == "forget quality")
    }
}
