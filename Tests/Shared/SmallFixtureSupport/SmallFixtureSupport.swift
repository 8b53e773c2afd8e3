import AuditData
import Foundation
import MatchingTask

/// The bundled 324-row emoji-cldr subset and the small recipes the numeric tests train on.
public enum SmallFixtureSupport {
    /// The repository root, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `fixtures/emoji-cldr-small`.
    public static var directory: URL { repositoryRoot.appendingPathComponent("fixtures/emoji-cldr-small") }

    /// The data set and its matching data.
    public static func load() throws -> (PairDataSet, MatchingData) {
        let dataSet = try PairDataSet.load(directory: directory)
        return (dataSet, MatchingData(images: dataSet.images, texts: dataSet.texts, groups: dataSet.groups))
    }

    /// `fixtures/digits` (a classification data set) and its training data: labelled 8x8 rows.
    public static func loadDigits() throws -> (PairDataSet, MatchingData) {
        let dataSet = try PairDataSet.load(directory: repositoryRoot.appendingPathComponent("fixtures/digits"))
        return (dataSet, MatchingData(images: dataSet.images, texts: dataSet.texts, groups: dataSet.groups, labels: dataSet.labels,
                                      classCount: dataSet.classes.count))
    }

    /// A fast recipe: batch 32, learning rate 3e-3, no weight decay, encoders [width, width/2] and
    /// a fusion layer of width/2.
    public static func recipe(epochs: Int, width: Int = 64) -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.epochs = epochs
        recipe.batchSize = 32
        recipe.learningRate = 3e-3
        recipe.weightDecay = 0
        recipe.imageHidden = [width, width / 2]
        recipe.textHidden = [width, width / 2]
        recipe.fusionHidden = [width / 2]
        return recipe
    }

    /// An audit spec (YAML) of `method` applied to the small fixture's original, trained with a
    /// 3-epoch recipe when missing: 4 shadows, 2 gold models, every path inside `directory`.
    public static func auditSpecYAML(name: String, method: String, in directory: URL, seed: UInt64 = 0) -> String {
        """
        name: \(name)
        seed: \(seed)
        data: \(self.directory.path)
        original:
          path: \(directory.appendingPathComponent("original.safetensors").path)
          train:
            seed: 0
            recipe: {epochs: 3, batch_size: 32, learning_rate: 0.003, weight_decay: 0,
                     image_hidden: [32, 16], text_hidden: [32, 16], fusion_hidden: [16]}
        target:
          unlearn: {method: \(method)}
        shadows: {count: 4}
        gold: 2
        settings: {collapse_accuracy: 0, folds: 3}
        cache: \(directory.appendingPathComponent("cache").path)

        """
    }
}
