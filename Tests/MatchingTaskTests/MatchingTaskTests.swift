import Foundation
import Testing
import AuditData
import NeuralNet
import NumericCore
import SmallFixtureSupport
@testable import MatchingTask

/// The small emoji-cldr subset bundled for tests.
func smallFixture() throws -> (PairDataSet, MatchingData) { try SmallFixtureSupport.load() }

func quickRecipe(epochs: Int) -> TrainingRecipe { SmallFixtureSupport.recipe(epochs: epochs) }

@Suite(.serialized) struct MatchingTrainerTests {
    @Test func sameSeedAndThreadsGiveByteIdenticalModelFiles() throws {
        let (dataSet, data) = try smallFixture()
        let rows = try dataSet.indices(ofSplit: "train")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-determinism-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [Data] = []
        // Both trainings under the same BLAS thread count, which no other test may change meanwhile.
        try BLAS.withThreadCount(2) {
            for name in ["a", "b"] {
                let model = MatchingTrainer(recipe: quickRecipe(epochs: 2), seed: 17).train(data: data, rows: rows)
                let url = directory.appendingPathComponent("\(name).safetensors")
                try model.save(to: url, metadata: ["seed": "17"])
                files.append(try Data(contentsOf: url))
            }
        }
        #expect(files[0] == files[1])
        let other = MatchingTrainer(recipe: quickRecipe(epochs: 2), seed: 18).train(data: data, rows: rows)
        let url = directory.appendingPathComponent("c.safetensors")
        try other.save(to: url, metadata: ["seed": "17"])
        #expect(try Data(contentsOf: url) != files[0])
    }

    @Test func trainingFitsTheTrainingPairsBetterThanUnseenOnes() throws {
        let (dataSet, data) = try smallFixture()
        let train = try dataSet.indices(ofSplit: "train"), test = try dataSet.indices(ofSplit: "test")
        var losses: [Double] = []
        let model = MatchingTrainer(recipe: quickRecipe(epochs: 30), seed: 3).train(data: data, rows: train) {
            losses.append($0.meanLoss)
        }
        #expect(losses.count == 30)
        #expect(losses.last! < 0.75 * losses.first!)
        let trainUtility = MatchingEvaluator.evaluate(model: model, data: data, rows: train)
        let testUtility = MatchingEvaluator.evaluate(model: model, data: data, rows: test)
        #expect(trainUtility.itmAccuracy > 0.75)
        #expect(trainUtility.itmAccuracy > testUtility.itmAccuracy)
    }

    @Test func epochSamplesPairEveryRowWithAnotherGroup() throws {
        let (dataSet, data) = try smallFixture()
        let rows = try dataSet.indices(ofSplit: "train")
        var generator = RandomSource(seed: 1)
        let samples = MatchingTrainer(recipe: quickRecipe(epochs: 1), seed: 1).epochSamples(data: data, rows: rows, generator: &generator)
        #expect(samples.count == 2 * rows.count)
        #expect(samples.filter { $0.label == 1 }.allSatisfy { $0.image == $0.text })
        let negatives = samples.filter { $0.label == 0 }
        #expect(negatives.allSatisfy { data.groups[$0.image] != data.groups[$0.text] })
        #expect(negatives.allSatisfy { rows.contains($0.text) })
    }
}

@Suite struct MatchingEvaluatorTests {
    @Test func fastScoreMatrixEqualsFullForwardPasses() throws {
        let (dataSet, data) = try smallFixture()
        let rows = Array(try dataSet.indices(ofSplit: "test").prefix(12))
        var generator = RandomSource(seed: 5)
        let architecture = quickRecipe(epochs: 1).architecture(imageFeatures: data.images.columns, textFeatures: data.texts.columns)
        let model = FusionModel(architecture: architecture, imageMean: data.imageMean(over: rows), generator: &generator)
        let fast = MatchingEvaluator.matchScoreMatrix(model: model, data: data, rows: rows)
        for i in rows.indices {
            let pass = model.forward(images: data.images.gatherRows(Array(repeating: rows[i], count: rows.count)),
                                     texts: data.texts.gatherRows(rows))
            for j in rows.indices {
                let direct = pass.logits[j, 1] - pass.logits[j, 0]
                #expect(abs(fast[i, j] - direct) <= 1e-4 * max(1, abs(direct)))
            }
        }
    }

    @Test func recallCountsTiesAgainstTheModel() throws {
        // A model whose scores ignore the input ties every candidate: recall@K is 0 for K ≤ n−1.
        let (dataSet, data) = try smallFixture()
        let rows = Array(try dataSet.indices(ofSplit: "test").prefix(8))
        var generator = RandomSource(seed: 6)
        let architecture = quickRecipe(epochs: 1).architecture(imageFeatures: data.images.columns, textFeatures: data.texts.columns)
        var model = FusionModel(architecture: architecture, imageMean: data.imageMean(over: rows), generator: &generator)
        let head = model.layerRange(of: .head).lowerBound
        model.layers[head].weight = Matrix(rows: 2, columns: model.layers[head].inputSize)
        let recall = MatchingEvaluator.recallAtK(model: model, data: data, rows: rows, ks: [1, 7, 8])
        #expect(recall.imageToText == [0, 0, 1])
        #expect(recall.textToImage == [0, 0, 1])
    }

    @Test func recallMatchesABruteForceRanking() throws {
        let (dataSet, data) = try smallFixture()
        let rows = Array(try dataSet.indices(ofSplit: "test").prefix(15))
        var model = MatchingTrainer(recipe: quickRecipe(epochs: 3), seed: 9).initialModel(data: data, rows: rows)
        var generator = RandomSource(seed: 10)
        model = FusionModel(architecture: model.architecture, imageMean: model.imageMean, generator: &generator)
        let scores = MatchingEvaluator.matchScoreMatrix(model: model, data: data, rows: rows)
        let n = rows.count
        var expected = [0, 0]  // hits at K = 3, image→text and text→image
        for i in 0..<n {
            let rowRanked = (0..<n).sorted { scores[i, $0] > scores[i, $1] }
            let columnRanked = (0..<n).sorted { scores[$0, i] > scores[$1, i] }
            if rowRanked.prefix(3).contains(i) { expected[0] += 1 }
            if columnRanked.prefix(3).contains(i) { expected[1] += 1 }
        }
        let recall = MatchingEvaluator.recallAtK(model: model, data: data, rows: rows, ks: [3])
        #expect(recall.imageToText[0] == Double(expected[0]) / Double(n))
        #expect(recall.textToImage[0] == Double(expected[1]) / Double(n))
    }
}
