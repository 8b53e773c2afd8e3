import Foundation
import MatchingTask
import NeuralNet
import NumericCore
import Testing
@testable import Unlearning

@Suite struct UnlearningMethodsTests {
    static let newMethods = ["multidelete", "multidelete-f", "multidelete-calibrated", "finetune", "neggrad", "dtd"]

    @Test func everyNameResolvesToAMethodOfThatName() throws {
        #expect(UnlearningMethods.names == ["none", "retrain"] + Self.newMethods)
        for name in UnlearningMethods.names {
            let method = try UnlearningMethods.named(name)
            #expect(method.name == name)
            #expect(method.cacheKey.hasPrefix(name + "{"))
        }
        for name in Self.newMethods { #expect(try UnlearningMethods.named(name).needsTrainedModel) }
    }

    @Test func settingsListWhatChangesResults() throws {
        let published = try UnlearningMethods.named("multidelete").settings
        #expect(published == ["alpha": "1.0", "beta": "1.0", "gamma": "1.0", "epochs": "40", "learning_rate": "0.003",
                              "batch_size": "96", "weight_decay": "0.0", "warmup_steps": "0", "parameters": "all"])
        #expect(try UnlearningMethods.named("multidelete-f").settings["parameters"] == "fusion")
        let calibrated = try UnlearningMethods.named("multidelete-calibrated").settings
        #expect(calibrated["alpha"] == "0.1" && calibrated["beta"] == "3.0" && calibrated["gamma"] == "1.0")
        #expect(calibrated["stop_auc"] == "0.45...0.55")
        #expect(calibrated["warmup_steps"] != "0")
        #expect(Set(try UnlearningMethods.named("finetune").settings.keys) == ["epochs", "learning_rate"])
        #expect(Set(try UnlearningMethods.named("neggrad").settings.keys) == ["epochs", "learning_rate", "batch_size", "retain_weight"])
        #expect(Set(try UnlearningMethods.named("dtd").settings.keys) == ["steps", "learning_rate", "noise_sigma"])
        // Changing a setting changes the cache key.
        #expect(DescentToDeleteUnlearning(noiseStandardDeviation: 0.01).cacheKey != DescentToDeleteUnlearning().cacheKey)
        var configuration = MultiDeleteUnlearning.published.configuration
        configuration.fusionOnly = true
        #expect(MultiDeleteUnlearning(name: "multidelete", configuration: configuration).cacheKey
                != MultiDeleteUnlearning.published.cacheKey)
    }

    @Test func unknownNameListsTheKnownOnes() {
        #expect(throws: UnlearningError(method: "multi-delete", problem: "is not a known unlearning method",
                                        fix: "use one of: " + UnlearningMethods.names.joined(separator: ", "))) {
            _ = try UnlearningMethods.named("multi-delete")
        }
    }

    @Test func calibratedWithoutValidationRowsThrows() throws {
        let fixture = try SmallFixture.shared.get()
        let request = fixture.request(seed: 1, validation: [])
        #expect(throws: UnlearningError.self) {
            _ = try MultiDeleteUnlearning.calibrated.unlearn(fixture.original, request: request) { _ in }
        }
        do {
            _ = try MultiDeleteUnlearning.calibrated.run(fixture.original, request: request)
        } catch let error as UnlearningError {
            #expect(error.description.contains("validation"))
        }
    }

    @Test func emptyForgetSetAndOutOfRangeRowsThrow() throws {
        let fixture = try SmallFixture.shared.get()
        let empty = UnlearningRequest(data: fixture.data, forget: [], retain: fixture.retain, recipe: fixture.recipe, seed: 1)
        let outside = UnlearningRequest(data: fixture.data, forget: [fixture.data.count], retain: fixture.retain,
                                        recipe: fixture.recipe, seed: 1)
        for name in ["multidelete", "multidelete-f", "neggrad"] {
            let method = try UnlearningMethods.named(name)
            #expect(throws: UnlearningError.self) { _ = try method.unlearn(fixture.original, request: empty) { _ in } }
        }
        for name in Self.newMethods {
            let method = try UnlearningMethods.named(name)
            #expect(throws: UnlearningError.self) { _ = try method.unlearn(fixture.original, request: outside) { _ in } }
        }
    }

    @Test func multiDeleteFLeavesEveryNonFusionLayerBitIdentical() throws {
        let fixture = try SmallFixture.shared.get()
        let original = fixture.original
        let (unlearned, report) = try MultiDeleteUnlearning.fusionOnly.run(original, request: fixture.request(seed: 5))
        #expect(report.steps == 40)  // 19 forget rows, batch 96: one step per epoch
        let fusion = original.layerRange(of: .fusion)
        for group in [ParameterGroup.imageEncoder, .textEncoder, .head] {
            let range = original.layerRange(of: group)
            #expect(parameterBits(unlearned.layers[range]) == parameterBits(original.layers[range]), "\(group)")
        }
        #expect(unlearned.imageMean == original.imageMean)
        #expect(parameterBits(unlearned.layers[fusion]) != parameterBits(original.layers[fusion]))
    }

    /// The registered methods, MultiDelete's shortened to 3 epochs (the calibrated one checking every
    /// step) so the test stays fast; every random stream is still exercised.
    static func quickMethod(_ name: String) throws -> any UnlearningMethod {
        guard let multiDelete = try UnlearningMethods.named(name) as? MultiDeleteUnlearning else {
            return try UnlearningMethods.named(name)
        }
        var configuration = multiDelete.configuration
        configuration.epochs = 3
        configuration.batchSize = 8
        configuration.stop?.checkEvery = 1
        return MultiDeleteUnlearning(name: name, configuration: configuration)
    }

    @Test(arguments: newMethods)
    func sameSeedGivesBitIdenticalWeights(name: String) throws {
        let fixture = try SmallFixture.shared.get()
        let method = try Self.quickMethod(name)
        // Both runs under the same BLAS thread count, which no other test may change meanwhile.
        let (first, again) = try BLAS.withThreadCount(2) {
            (try method.unlearn(fixture.original, request: fixture.request(seed: 9)) { _ in },
             try method.unlearn(fixture.original, request: fixture.request(seed: 9)) { _ in })
        }
        let all = fixture.original.layers.indices
        #expect(parameterBits(first.layers[all]) == parameterBits(again.layers[all]))
        #expect(parameterBits(first.layers[all]) != parameterBits(fixture.original.layers[all]))
        let other = try method.unlearn(fixture.original, request: fixture.request(seed: 10)) { _ in }
        #expect(parameterBits(other.layers[all]) != parameterBits(first.layers[all]))
    }
}
