import Foundation
@testable import Gate
import Testing

/// The overall verdict and its exit code: 0 pass, 1 fail, 2 inconclusive unless the policy maps it to fail.
@Suite struct PolicyTests {
    let rules = [
        GateRule(metric: "ulira.online.auc", .atMost, .fixed(0.6)),
        GateRule(metric: "forget_quality.median_pvalue", .atLeast, .fixed(0.05)),
    ]

    func verdict(auc: MeasuredMetric, pvalue: MeasuredMetric, policy: GatePolicy = GatePolicy()) throws -> GateVerdict {
        try policy.evaluate(rules, on: ["ulira.online.auc": auc, "forget_quality.median_pvalue": pvalue])
    }

    @Test func allPassingExitsZero() throws {
        let verdict = try verdict(auc: measured(0.5, 0.45, 0.55), pvalue: measured(0.3))
        #expect(verdict.outcome == .pass)
        #expect(verdict.passes)
        #expect(verdict.exitCode == 0)
        #expect(verdict.results.map(\.outcome) == [.pass, .pass])
        #expect(verdict.results.map(\.rule) == rules)
    }

    @Test func anyFailureExitsOneEvenBesideAnInconclusive() throws {
        let verdict = try verdict(auc: measured(0.62, 0.57, 0.67), pvalue: measured(0.01))
        #expect(verdict.results.map(\.outcome) == [.inconclusive, .fail])
        #expect(verdict.outcome == .fail)
        #expect(verdict.exitCode == 1)
        let lenient = try self.verdict(auc: measured(0.62, 0.57, 0.67), pvalue: measured(0.01), policy: GatePolicy(inconclusiveFails: false))
        #expect(lenient.exitCode == 1)
    }

    @Test func inconclusiveFailsByDefault() throws {
        #expect(GatePolicy().inconclusiveFails)
        let verdict = try verdict(auc: measured(0.62, 0.57, 0.67), pvalue: measured(0.3))
        #expect(verdict.outcome == .inconclusive)
        #expect(!verdict.passes)
        #expect(verdict.exitCode == 1)
    }

    @Test func inconclusiveExitsTwoWhenThePolicySaysSo() throws {
        let verdict = try verdict(auc: measured(0.62, 0.57, 0.67), pvalue: measured(0.3), policy: GatePolicy(inconclusiveFails: false))
        #expect(verdict.outcome == .inconclusive)
        #expect(verdict.exitCode == 2)
    }

    /// A missing metric never passes: its rule is inconclusive, naming what was measured.
    @Test func aMissingMetricIsInconclusive() throws {
        let verdict = try GatePolicy().evaluate(rules, on: ["ulira.online.auc": measured(0.5)])
        let missing = try #require(verdict.results.last)
        #expect(missing.outcome == .inconclusive && missing.value == nil && missing.interval == nil)
        #expect(missing.explanation == "forget_quality.median_pvalue not measured cannot decide: it was not measured "
            + "(measured: ulira.online.auc): inconclusive.")
        #expect(verdict.outcome == .inconclusive && verdict.exitCode == 1)
        // The rule's own evaluation still refuses it.
        #expect(gateError { _ = try rules[1].evaluate(nil, available: ["ulira.online.auc"]) }
            == .missingMetric(rule: "forget_quality.median_pvalue at_least 0.05", metric: "forget_quality.median_pvalue", available: ["ulira.online.auc"]))
    }

    @Test func noRulesIsAUsageError() {
        let error = gateError { _ = try GatePolicy().evaluate([], on: ["ulira.online.auc": measured(0.5)]) }
        #expect(error == .noRules)
        #expect(error?.exitStatus == .usage)
    }

    @Test func theVerdictRoundTripsThroughJSON() throws {
        let verdict = try verdict(auc: measured(0.62, 0.57, 0.67), pvalue: measured(0.3))
        let data = try JSONEncoder().encode(verdict)
        #expect(try JSONDecoder().decode(GateVerdict.self, from: data) == verdict)
    }
}
