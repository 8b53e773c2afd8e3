import Foundation
import NumericCore
import Testing
@testable import MembershipInference

@Suite struct RMIAAttackTests {
    static func references(_ c: AttackReference.RMIACase) throws -> RMIAReferences {
        try RMIAReferences(pool: c.refPool, membership: c.keep.map { $0.map { $0 == 1 } }, population: c.refPop)
    }

    static func close(_ actual: [Double], _ expected: [Double]) -> Bool {
        actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) <= 1e-9 }
    }

    /// numpy reference: Fixtures/make_attack_reference.py, written from the paper.
    @Test func scoresMatchTheNumpyReference() throws {
        for c in try AttackReference.load().rmia {
            let references = try Self.references(c)
            let online = try references.online(target: c.targetPool, targetPopulation: c.targetPop, gamma: c.gamma)
            #expect(Self.close(online, c.online), "\(c.name) online")
            #expect(online.map { Int(($0 * Double(c.targetPop.count)).rounded()) } == c.onlineCounts, "\(c.name) online counts")
            let offline = try references.offline(target: c.targetPool, targetPopulation: c.targetPop, a: c.a, gamma: c.gamma)
            #expect(Self.close(offline, c.offline), "\(c.name) offline at a = \(c.a)")
            for extra in c.extraOffline {
                #expect(Self.close(try references.offline(target: c.targetPool, targetPopulation: c.targetPop, a: extra.a, gamma: c.gamma),
                                   extra.offline), "\(c.name) offline at a = \(extra.a)")
            }
            let tuning = try references.tuneOfflineA(gamma: c.gamma)
            #expect(tuning?.a == c.tunedA, "\(c.name) tuned a")
            if let tuning, let aucs = c.tuningAucs, let tuned = c.offlineTuned {
                #expect(zip(tuning.aucs, aucs).allSatisfy { abs($0 - $1) <= 1e-12 }, "\(c.name) tuning AUCs")
                #expect(tuning.examples == c.tunedExamples)
                #expect(Self.close(try references.offline(target: c.targetPool, targetPopulation: c.targetPop, a: tuning.a, gamma: c.gamma),
                                   tuned))
            }
        }
    }

    /// The same scores through the attack: p(x | θ) in a signal table, the tuned a, γ from the options.
    @Test func theAttackScoresTheTableAsTheReferenceDoes() throws {
        let c = try #require(try AttackReference.load().rmia.first { $0.name == "k8" })
        let shadows = try c.refPool.indices.map { k in
            try ModelSignals(name: "reference \(k)", trueClassProbability: c.refPool[k], population: c.refPop[k])
        }
        let table = try SignalTable(labels: c.labels.map { $0 == 1 },
                                    target: try ModelSignals(name: "target", trueClassProbability: c.targetPool, population: c.targetPop),
                                    shadows: shadows, membership: c.keep.map { $0.map { $0 == 1 } }, seed: 0)
        let suite = try AttackSuite.run([RMIAAttack()], on: table)
        // p → [1 − p, p] → p again is exact for these values.
        #expect(Self.close(try #require(suite.scores["rmia.online"]), c.online))
        #expect(Self.close(try #require(suite.scores["rmia.offline"]), try #require(c.offlineTuned)))
        let detail = try #require(try suite.results[0].detail?.decode(RMIADetail.self))
        #expect(detail.offlineA == c.tunedA && detail.references == 8 && detail.populationRows == c.targetPop.count && detail.gamma == 1)
        let fixed = try AttackSuite.run([RMIAAttack()], on: table, options: AttackOptionValues([
            "rmia_offline_a_rule": .text("fixed"), "rmia_offline_a": .number(c.a),
        ]))
        #expect(Self.close(try #require(fixed.scores["rmia.offline"]), c.offline))
        #expect(try fixed.results[0].detail?.decode(RMIADetail.self).tuning == nil)
    }

    /// The binary search over sorted population ratios counts exactly what comparing every pair does.
    @Test(arguments: [1.0, 0.5, 2.0, 1.0000001])
    func sortedCountingEqualsComparingEveryPair(gamma: Double) {
        var generator = RandomSource(seed: 11)
        let target = (0..<300).map { _ in generator.nextUnitDouble() }, reference = (0..<300).map { _ in 0.2 + generator.nextUnitDouble() }
        var population = (0..<200).map { _ in generator.nextUnitDouble() }, referencePopulation = (0..<200).map { _ in 0.2 + generator.nextUnitDouble() }
        // Exact ties: population rows copying pool rows.
        for i in 0..<20 { (population[i], referencePopulation[i]) = (target[i], reference[i]) }
        let fast = RMIAReferences.scores(target: target, reference: reference, targetPopulation: population,
                                         referencePopulation: referencePopulation, gamma: gamma)
        let rz = zip(population, referencePopulation).map { $0 / $1 }
        let slow = zip(target, reference).map { x, p in Double(rz.filter { (x / p) / $0 >= gamma }.count) / Double(rz.count) }
        #expect(fast == slow)
        // A zero probability falls back to comparing every pair.
        var zeroed = population
        zeroed[3] = 0
        let withZero = RMIAReferences.scores(target: target, reference: reference, targetPopulation: zeroed,
                                             referencePopulation: referencePopulation, gamma: gamma)
        #expect(withZero[0] >= fast[0])
    }

    @Test func offlineNeedsAnOutReferenceAndTuningNeedsTwo() throws {
        let all = try RMIAReferences(pool: [[0.5, 0.6]], membership: [[true, false]], population: [[0.5]])
        #expect { _ = try all.offline(target: [0.5, 0.5], targetPopulation: [0.5], a: 0.3, gamma: 1) } throws: {
            "\($0)".contains("pool example 0 has no out reference")
        }
        #expect(try all.tuneOfflineA(gamma: 1) == nil)
        #expect(throws: AttackError.self) { _ = try RMIAReferences(pool: [[1.5]], membership: [[false]], population: [[0.5]]) }
        #expect(throws: AttackError.self) { _ = try RMIAReferences(pool: [[0.5]], membership: [[false]], population: [[]]) }
    }

    @Test func exactMannWhitneyCountsTiesAsHalf() {
        // Members 0.9, 0.5; non-members 0.5, 0.1: pairs (0.9 > 0.5), (0.9 > 0.1), (0.5 = 0.5), (0.5 > 0.1): 2U = 7.
        #expect(RMIAReferences.twiceMannWhitney([0.9, 0.5, 0.5, 0.1], [true, true, false, false]) == 7)
    }
}
