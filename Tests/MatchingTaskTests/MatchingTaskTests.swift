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
        let trainer = MatchingTrainer(recipe: quickRecipe(epochs: 2), seed: 17)
        func file(_ model: FusionModel, _ name: String) throws -> Data {
            let url = directory.appendingPathComponent("\(name).safetensors")
            try model.save(to: url, metadata: ["seed": "17"])
            return try Data(contentsOf: url)
        }
        // The recipe draws a mismatched pair per row, so every step shares images between pairs and
        // reuses the loop's buffers; each thread count is held while both trainings run.
        #expect(trainer.recipe.pairsPerGroup(classification: data.isClassification) == 2)
        for threads in [1, 2] {
            let files = try BLAS.withThreadCount(threads) {
                try ["a", "b"].map { try file(trainer.train(data: data, rows: rows), "\($0)-\(threads)") }
            }
            #expect(files[0] == files[1], "\(threads) thread(s)")
            #expect(files[0] != (try file(trainer.initialModel(data: data, rows: rows), "initial")), "training changed nothing")
            let other = try BLAS.withThreadCount(threads) {
                try file(MatchingTrainer(recipe: quickRecipe(epochs: 2), seed: 18).train(data: data, rows: rows), "c")
            }
            #expect(other != files[0])
        }
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

    @Test func trainingPairsComeInWholeGroupsAndEachBatchEncodesARowOnce() throws {
        let (dataSet, data) = try smallFixture()
        let rows = try dataSet.indices(ofSplit: "train")
        var recipe = quickRecipe(epochs: 1)
        recipe.negativesPerPositive = 2
        recipe.batchSize = 32
        var generator = RandomSource(seed: 1)
        let pairs = data.trainingPairs(rows: rows, negativesPerPositive: 2, generator: &generator)
        #expect(pairs.count == 3 * rows.count)
        // Group order: a row's true pair, then its two mismatched pairs (same image, another group's text).
        for start in stride(from: 0, to: pairs.count, by: 3) {
            let group = pairs[start..<(start + 3)]
            let row = group.first!.image
            #expect(group.first! == TrainingPair(image: row, text: row, label: 1))
            #expect(group.dropFirst().allSatisfy { $0.image == row && $0.label == 0 && data.groups[$0.text] != data.groups[row] })
            #expect(group.dropFirst().allSatisfy { rows.contains($0.text) })
        }
        #expect(pairs.filter { $0.label == 1 }.map(\.image).sorted() == rows.sorted())
        // 32 pairs round down to 10 whole groups of 3; each batch encodes each of its rows once.
        #expect(recipe.pairsPerBatch(classification: false) == 30)
        let batch = TrainingBatch(pairs[0..<30])
        #expect(batch.imageRows.count == 10 && batch.count == 30)
        #expect(batch.imageIndices == (0..<10).flatMap { [$0, $0, $0] })
        #expect(zip(batch.imageIndices, pairs[0..<30]).allSatisfy { batch.imageRows[$0] == $1.image })
        #expect(batch.sharedImageIndices == batch.imageIndices)
    }

    @Test func classificationPairsAreTheRowsShuffledWithTheirLabels() throws {
        let (dataSet, data) = try SmallFixtureSupport.loadDigits()
        let rows = try dataSet.indices(ofSplit: "train")
        var generator = RandomSource(seed: 4), same = RandomSource(seed: 4)
        let pairs = data.trainingPairs(rows: rows, negativesPerPositive: 1, generator: &generator)
        // Exactly the order of shuffling the rows' examples with the same generator (no partners drawn).
        var shuffled = rows
        same.shuffle(&shuffled)
        #expect(pairs == shuffled.map { TrainingPair(image: $0, text: $0, label: dataSet.labels![$0]) })
        #expect(quickRecipe(epochs: 1).pairsPerBatch(classification: true) == 32)
        #expect(TrainingBatch(pairs[0..<32]).sharedImageIndices == nil)
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
