import AuditData
import Foundation
import MatchingTask
import NeuralNet
import ReferenceModels
import Unlearning

/// What every study starts from: the data set and its splits, the original (trained like the
/// demo's, seed 0, when the file is missing), its provenance, and a model bank on the cache.
struct StudySetup {
    let dataSet: PairDataSet
    let data: MatchingData
    let splits: AuditSplits
    let original: OriginalModel
    let provenance: TrainingProvenance
    let bank: ModelBank

    init(data directory: String, original path: String, cache: String, collapseAccuracy: Double, toolVersion: String) throws {
        dataSet = try PairDataSet.load(directory: URL(fileURLWithPath: directory))
        data = MatchingData(dataSet)
        splits = try AuditSplits(dataSet: dataSet)
        var originalSpec = OriginalModelSpec(path: path)
        var training = OriginalTraining()
        training.seed = 0
        originalSpec.train = training
        original = try OriginalModel.obtain(originalSpec, dataSet: dataSet, data: data, train: splits.train, runSeed: 0,
                                            toolVersion: toolVersion)
        provenance = try original.trainingProvenance(for: "the study's models")
        var settings = ModelBankSettings()
        settings.collapseAccuracy = collapseAccuracy
        bank = try ModelBank(dataSet: dataSet, data: data, recipe: provenance.recipe, validation: splits.validation,
                             cacheDirectory: URL(fileURLWithPath: cache), settings: settings)
    }

    /// `method` applied to the original on D_f with `seed` (the model is not kept on disk).
    func unlearn(_ method: any UnlearningMethod, seed: UInt64, toolVersion: String) throws -> UnlearningStep.Result {
        try UnlearningStep(method: method, recipe: provenance.recipe, seed: seed, dataSet: dataSet, data: data, forget: splits.pool.forget,
                           retain: splits.retain, validation: splits.validation, forgetName: "forget", retainName: "retain",
                           toolVersion: toolVersion)
            .run(original.model, originalPath: original.path, originalDigest: original.digest, provenance: provenance, output: nil)
    }
}
