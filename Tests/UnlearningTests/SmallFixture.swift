import AuditData
import Foundation
import MatchingTask
import NeuralNet
import NumericCore
import SmallFixtureSupport
@testable import Unlearning

/// fixtures/emoji-cldr-small with a small model trained on its train split, shared by the tests
/// (trained once per process).
struct SmallFixture: Sendable {
    let data: MatchingData
    let recipe: TrainingRecipe
    let original: FusionModel
    let forget: [Int], retain: [Int], validation: [Int], test: [Int]

    static let shared = Result { try SmallFixture() }

    private init() throws {
        let (dataSet, data) = try SmallFixtureSupport.load()
        self.data = data
        let recipe = SmallFixtureSupport.recipe(epochs: 12)
        self.recipe = recipe
        original = MatchingTrainer(recipe: recipe, seed: 2).train(data: data, rows: try dataSet.indices(ofSplit: "train"))
        forget = try dataSet.indices(ofSplit: "forget")
        retain = try dataSet.indices(ofSplit: "retain")
        validation = try dataSet.indices(ofSplit: "validation")
        test = try dataSet.indices(ofSplit: "test")
    }

    func request(seed: UInt64, validation: [Int]? = nil) -> UnlearningRequest {
        UnlearningRequest(data: data, forget: forget, retain: retain, recipe: recipe, seed: seed,
                          validation: validation ?? self.validation)
    }

    /// Share of the forget set's true pairs with p(match) > 0.5.
    func forgetMatchAccuracy(_ model: FusionModel) -> Double {
        let p = MatchingEvaluator.probabilities(model: model, data: data, imageRows: forget, textRows: forget)
        return Double(p.filter { $0[1] > 0.5 }.count) / Double(forget.count)
    }
}

/// The raw bits of every parameter of `layers`, for bit-identity checks.
func parameterBits(_ layers: ArraySlice<Linear>) -> [UInt32] {
    layers.flatMap { $0.weight.storage.map(\.bitPattern) + $0.bias.map(\.bitPattern) }
}
