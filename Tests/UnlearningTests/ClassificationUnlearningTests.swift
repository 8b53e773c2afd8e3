import AuditData
import MatchingTask
import NeuralNet
import NumericCore
import SmallFixtureSupport
import Testing
@testable import Unlearning

/// Training and unlearning on a classification data set (fixtures/digits): the MLP classifier
/// learns the labels, the label-based methods run, and MultiDelete refuses by name.
@Suite(.serialized) struct ClassificationUnlearningTests {
    static func recipe() -> TrainingRecipe {
        var recipe = SmallFixtureSupport.recipe(epochs: 8, width: 64)
        recipe.weightDecay = 0.01
        return recipe
    }

    @Test func theClassifierLearnsDigitsBitIdenticallyForASeedAndRetrainLeavesTheForgetRowsLikeHoldoutRows() throws {
        let (dataSet, data) = try SmallFixtureSupport.loadDigits()
        let train = try dataSet.indices(ofSplit: "train"), test = try dataSet.indices(ofSplit: "test")
        let trainer = MatchingTrainer(recipe: Self.recipe(), seed: 5)
        let model = trainer.train(data: data, rows: train)
        #expect(model.architecture.classes == 10 && !model.architecture.hasText)
        // No mismatched pairs on labelled rows: one example per row, with the row's label.
        var generator = RandomSource(seed: 1)
        let pairs = PairTraining.trainingPairs(data: data, rows: train, negativesPerPositive: 1, generator: &generator)
            .sorted { $0.image < $1.image }
        #expect(pairs.map(\.image) == train && pairs.allSatisfy { $0.text == $0.image })
        #expect(pairs.map(\.label) == train.map { dataSet.labels![$0] })
        let accuracy = MatchingEvaluator.classificationAccuracy(model: model, data: data, rows: test)
        #expect(accuracy > 0.9, "test accuracy \(accuracy)")
        #expect(trainer.train(data: data, rows: train) == model)
        // A collapsed classifier answers one class: the majority share is its accuracy.
        let majority = MatchingEvaluator.majorityShare(data: data, rows: test)
        #expect(majority > 0.09 && majority < 0.12)
    }

    @Test func labelMethodsRunAndMultiDeleteRefusesLabelledRows() throws {
        let (dataSet, data) = try SmallFixtureSupport.loadDigits()
        let train = try dataSet.indices(ofSplit: "train")
        let original = MatchingTrainer(recipe: Self.recipe(), seed: 5).train(data: data, rows: train)
        let request = UnlearningRequest(data: data, forget: try dataSet.indices(ofSplit: "forget"), retain: try dataSet.indices(ofSplit: "retain"),
                                        recipe: Self.recipe(), seed: 9, validation: try dataSet.indices(ofSplit: "validation"))
        let forget = request.forget
        let before = MatchingEvaluator.classificationUtility(model: original, data: data, rows: forget)
        let ascended = try NegGradUnlearning(epochs: 3, learningRate: 1e-3).unlearn(original, request: request) { _ in }
        let after = MatchingEvaluator.classificationUtility(model: ascended, data: data, rows: forget)
        // Gradient ascent on the forget rows' labels raises their loss.
        #expect(after.meanLoss > before.meanLoss, "forget loss \(before.meanLoss) → \(after.meanLoss)")
        for method in ["finetune", "dtd", "retrain"] {
            let model = try UnlearningMethods.named(method).unlearn(original, request: request) { _ in }
            #expect(model.layers.allSatisfy { $0.weight.isFinite }, "\(method)")
        }
        for method in ["multidelete", "multidelete-f", "multidelete-calibrated"] {
            #expect {
                _ = try UnlearningMethods.named(method).unlearn(original, request: request) { _ in }
            } throws: { error in
                "\(error)".contains("need image–text pairs") && "\(error)".contains("use retrain, finetune, neggrad or dtd")
            }
        }
    }
}
