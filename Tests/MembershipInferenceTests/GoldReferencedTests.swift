import Foundation
import Stats
import Testing
@testable import MembershipInference

/// The fast profile's attacks: the gold models are the references (every example out), only the
/// offline and reference-free variants exist, and gold model g's null value comes from the attack
/// fitted on the other gold models.
@Suite struct GoldReferencedTests {
    @Test func uliraOfflineAgainstTheGoldModelsEqualsTheOutGaussiansOfTheGoldsAndLeavesEachGoldOutForItsNull() throws {
        let table = try SyntheticSignals.table(shadows: 0, golds: 12, examples: 160, population: 50, leaks: true, seed: 4)
        let suite = try AttackSuite.run([ULiRAAttack(), RMIAAttack(), UMIAAttack()], on: table, references: .golds)
        // Only the variants that need no "in" reference are measured.
        #expect(Set(suite.scores.keys) == ["ulira.offline", "rmia.offline", "umia.cross_validated"])
        #expect(suite.measurements["ulira.online.auc"] == nil && suite.measurements["umia.shadow.auc"] == nil)

        // The audited model's scores: the out Gaussians of all 12 gold models.
        let allOut = table.golds.map { _ in [Bool](repeating: false, count: 160) }
        let gaussians = try ShadowGaussians(shadowScores: table.golds.map(\.lira), keep: allOut)
        #expect(suite.scores["ulira.offline"] == (try gaussians.offlineScores(targetScores: table.target.lira)))

        // Gold 5's null value: scored by the Gaussians of the other 11.
        let others = table.golds.indices.filter { $0 != 5 }
        let leftOut = try ShadowGaussians(shadowScores: others.map { table.golds[$0].lira }, keep: others.map { _ in allOut[0] })
        let scores = try leftOut.offlineScores(targetScores: table.golds[5].lira)
        let auc = try ROCCurve(scores: scores, labels: table.labels).areaUnderCurve
        let null = try #require(suite.measurements["ulira.offline.auc"]?.null)
        #expect(null.values.count == 12)
        #expect(null.values[5] == auc)
        // The leaking target stands out from its own out Gaussians; exact retrains do not.
        #expect(try #require(suite.measurements["ulira.offline.auc"]?.value) > 0.75)
        #expect(null.values.allSatisfy { $0 < 0.65 })
        #expect(try #require(suite.measurements["rmia.offline.auc"]?.value) > 0.75)
    }

    @Test func aGoldReferencedAttackNeedsTwoGoldModelsAndRMIAItsPopulation() throws {
        let one = try SyntheticSignals.table(shadows: 0, golds: 1, examples: 40, population: 10, leaks: false)
        #expect {
            _ = try AttackSuite.run([ULiRAAttack()], on: one, references: .golds)
        } throws: { "\($0)".contains("needs at least 2 of them") }
        let noPopulation = try SyntheticSignals.table(shadows: 0, golds: 4, examples: 40, population: 0, leaks: false)
        #expect {
            _ = try AttackSuite.run([RMIAAttack()], on: noPopulation, references: .golds)
        } throws: { "\($0)".contains("rmia needs outputs on population rows") }
        // The full profile's path is unchanged: with shadows, online variants are measured as before.
        let full = try SyntheticSignals.table(shadows: 8, golds: 4, examples: 40, leaks: true)
        #expect(try AttackSuite.run([ULiRAAttack()], on: full).measurements["ulira.online.auc"] != nil)
    }
}
