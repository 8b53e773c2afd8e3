import AuditData
import Foundation
import MatchingTask
import ModelAdapters
import NeuralNet
import SmallFixtureSupport
import Testing
@testable import MembershipInference

/// libsvm's rand() is process-wide: the attack's tests run one at a time.
@Suite(.serialized) struct SVMMembershipAttackTests {
    static func setUp() throws -> (PairDataSet, NativeAdapter) {
        let (dataSet, data) = try SmallFixtureSupport.load()
        let model = MatchingTrainer(recipe: SmallFixtureSupport.recipe(epochs: 12), seed: 2).train(data: data, rows: try dataSet.indices(ofSplit: "train"))
        return (dataSet, NativeAdapter(model: model, modelID: "original", digest: "test"))
    }

    static func splits(_ dataSet: PairDataSet) throws -> (forget: [Int], retain: [Int], validation: [Int], holdout: [Int]) {
        (try dataSet.indices(ofSplit: "forget"), try dataSet.indices(ofSplit: "retain"),
         try dataSet.indices(ofSplit: "validation"), try dataSet.indices(ofSplit: "holdout"))
    }

    @Test func anUnchangedModelHasRatioOneAndTheSameAnswerForTheSameSeed() throws {
        let (dataSet, original) = try Self.setUp()
        let s = try Self.splits(dataSet)
        let first = try SVMMembershipAttack.run(dataSet: dataSet, reference: original, audited: original, forget: s.forget,
                                                retain: s.retain, validation: s.validation, holdout: s.holdout)
        let again = try SVMMembershipAttack.run(dataSet: dataSet, reference: original, audited: original, forget: s.forget,
                                                retain: s.retain, validation: s.validation, holdout: s.holdout)
        #expect(first == again)
        #expect(first.priorExistence == first.postExistence)
        #expect(first.ratio == 1)
        #expect(first.trainingMembers == s.validation.count / 2 && first.trainingNonMembers == s.validation.count / 2)
        for value in [first.priorExistence, first.holdoutExistence, first.attackerAUC] { #expect(value >= 0 && value <= 1) }
        // The forget set was trained on, the holdout never; an attacker with power rates the forget set
        // higher (this 324-row fixture gives it only 11 members to learn from, so power is not assured).
        if first.attackerHasPower { #expect(first.postExistence > first.holdoutExistence) }
        #expect(first.attackerAUCInterval.count == 2)
        #expect(first.attackerHasPower == (first.attackerAUCInterval[0] > 0.5))
    }

    @Test func signalsAreSortedProbabilitiesEntropyAndLiRAScore() {
        let features = MembershipSignals.attackFeatures([0.25, 0.75], trueClass: 1)
        #expect(features[0] == 0.75 && features[1] == 0.25)
        #expect(abs(features[2] - (-(0.25 * log(0.25)) - 0.75 * log(0.75))) < 1e-15)
        #expect(abs(features[3] - log(3.0)) < 1e-12)
    }

    @Test func emptyForgetSetIsAnError() throws {
        let (dataSet, original) = try Self.setUp()
        let s = try Self.splits(dataSet)
        #expect(throws: AttackError.self) {
            _ = try SVMMembershipAttack.run(dataSet: dataSet, reference: original, audited: original, forget: [],
                                            retain: s.retain, validation: s.validation, holdout: s.holdout)
        }
    }
}
