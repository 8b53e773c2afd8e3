import Foundation
import NumericCore
import Testing
@testable import MembershipInference

/// libsvm's rand() is process-wide: the attack's tests run one at a time.
@Suite(.serialized) struct SVMAttackTests {
    /// Members of the original are confident (p(true) = σ(2 + ε)), non-members less so (σ(ε)).
    static func table(targetForgets: Bool, seed: UInt64 = 0) throws -> SignalTable {
        var generator = RandomSource(seed: 21)
        func row(member: Bool) -> [Double] {
            let p = SyntheticSignals.sigmoid((member ? 2 : 0) + generator.nextGaussian())
            return [1 - p, p]
        }
        let sample = CalibrationSample(fit: (0..<80).map { row(member: $0 < 40) }, fitMembers: (0..<80).map { $0 < 40 },
                                       evaluation: (0..<80).map { row(member: $0 < 40) }, evaluationMembers: (0..<80).map { $0 < 40 })
        let labels = (0..<60).map { $0 < 30 }
        let original = labels.map { row(member: $0) }
        let target = targetForgets ? labels.map { _ in row(member: false) } : original
        return try SignalTable(labels: labels,
                               target: try ModelSignals(name: "target", probabilities: target, trueClasses: [Int](repeating: 1, count: 60)),
                               original: try ModelSignals(name: "original", probabilities: original, trueClasses: [Int](repeating: 1, count: 60)),
                               calibration: sample, seed: seed)
    }

    @Test func anUnchangedModelHasRatioOneAndTheSameAnswerTwice() throws {
        let table = try Self.table(targetForgets: false)
        let first = try AttackSuite.run([SVMMembershipAttack()], on: table).results[0]
        let again = try AttackSuite.run([SVMMembershipAttack()], on: table).results[0]
        #expect(first == again)
        let detail = try #require(try first.detail?.decode(SVMAttackDetail.self))
        #expect(detail.priorExistence == detail.postExistence && detail.ratio == 1)
        #expect(first.values["prior_to_post_ratio"] == 1 && first.values["post_existence"] == detail.postExistence)
        #expect(detail.trainingMembers == 40 && detail.trainingNonMembers == 40)
        #expect(detail.attackerHasPower && detail.attackerAUC > 0.75 && detail.attackerAUCInterval.count == 2)
        #expect(detail.postExistence > detail.holdoutExistence)
        #expect(first.variants["existence"]?.auc ?? 0 > 0.75)
    }

    @Test func aModelThatForgotLooksLessLikeAMember() throws {
        let result = try AttackSuite.run([SVMMembershipAttack()], on: try Self.table(targetForgets: true)).results[0]
        let detail = try #require(try result.detail?.decode(SVMAttackDetail.self))
        #expect(detail.postExistence < detail.priorExistence && (detail.ratio ?? 0) > 1)
        #expect(abs(detail.postExistence - detail.holdoutExistence) < 0.15)
    }

    @Test func signalsAreSortedProbabilitiesEntropyAndLiRAScore() {
        let features = MembershipSignals.attackFeatures([0.25, 0.75], trueClass: 1)
        #expect(features[0] == 0.75 && features[1] == 0.25)
        #expect(abs(features[2] - (-(0.25 * log(0.25)) - 0.75 * log(0.75))) < 1e-15)
        #expect(abs(features[3] - log(3.0)) < 1e-12)
    }

    @Test func theCalibrationRowsFollowTheRunSeed() throws {
        let retain = Array(100..<200), validation = Array(0..<10)
        let rows = try CalibrationSample.rows(retain: retain, validation: validation, runSeed: 4)
        #expect(rows.fit.count == 10 && rows.evaluation.count == 10 && rows.fitMembers == [true, true, true, true, true, false, false, false, false, false])
        #expect(Set(rows.fit + rows.evaluation).isDisjoint(with: Array(10..<100)))
        #expect(try CalibrationSample.rows(retain: retain, validation: validation, runSeed: 4) == rows)
        #expect(try CalibrationSample.rows(retain: retain, validation: validation, runSeed: 5) != rows)
        #expect(throws: AttackError.self) { _ = try CalibrationSample.rows(retain: [1, 2], validation: [3, 4, 5, 6], runSeed: 0) }
    }
}
