import AuditData
import Foundation
import MatchingTask
import NeuralNet
import NumericCore
import Unlearning

/// One model an audit needs trained: a shadow (SPEC §5.2), a gold model retrained on D_r (§5.5, §8)
/// or another model trained on some rows and then, optionally, unlearned.
public struct ModelJob: Sendable {
    public enum Kind: String, Sendable, Codable { case shadow, gold, target, original }

    public let kind: Kind
    /// The job's number within its kind (shadow k, gold g).
    public let index: Int
    /// Rows of the first training (retain ∪ kept for a shadow; D_r for a gold model).
    public let trainRows: [Int]
    /// Rows the method removes, and rows it keeps; ignored without a method.
    public let forgetRows: [Int]
    public let retainRows: [Int]
    /// The unlearning method applied after training (nil: the trained model is the result).
    public let method: (any UnlearningMethod)?
    /// The audit's seed: every seed this job uses is derived from it and the job's kind and index.
    public let seed: UInt64

    public init(kind: Kind, index: Int, trainRows: [Int], forgetRows: [Int] = [], retainRows: [Int] = [],
                method: (any UnlearningMethod)? = nil, seed: UInt64) {
        self.kind = kind
        self.index = index
        self.trainRows = trainRows
        self.forgetRows = forgetRows
        self.retainRows = retainRows
        self.method = method
        self.seed = seed
    }

    /// The training seed and the unlearning seed of attempt `attempt` (0-based): a collapsed
    /// model is retrained with fresh seeds, still a function of the audit's seed alone.
    public func seeds(attempt: Int) -> (train: UInt64, unlearn: UInt64) {
        let base = "\(kind.rawValue)-\(index)-attempt-\(attempt)"
        return (RandomSource.derivedSeed(seed, base + "-train"), RandomSource.derivedSeed(seed, base + "-unlearn"))
    }
}

/// Everything that fixes a job's model bytes; its SHA-256 names the cache entry (SPEC §5.2).
struct ModelKey: Codable, Equatable {
    let schema: Int
    let kind: String
    let index: Int
    let dataSetDigest: String
    let recipe: TrainingRecipe
    let method: String
    let seed: UInt64
    let trainRows: String
    let forgetRows: String
    let retainRows: String
    let validationRows: String
    let collapseAccuracy: Double
    let maximumAttempts: Int
    let blasThreads: Int

    enum CodingKeys: String, CodingKey {
        case schema, kind, index, recipe, method, seed
        case dataSetDigest = "data_set_sha256", trainRows = "train_rows_sha256", forgetRows = "forget_rows_sha256"
        case retainRows = "retain_rows_sha256", validationRows = "validation_rows_sha256"
        case collapseAccuracy = "collapse_accuracy", maximumAttempts = "maximum_attempts", blasThreads = "blas_threads"
    }

    init(job: ModelJob, dataSet: PairDataSet, recipe: TrainingRecipe, validation: [Int], settings: ModelBankSettings) {
        func digest(_ rows: [Int]) -> String {
            sha256Hex(Data(rows.sorted().map { dataSet.ids[$0] }.joined(separator: "\n").utf8))
        }
        // 2: minibatches of whole groups (a row's true and mismatched pairs together), December 2026;
        // entries trained before then are retrained rather than mixed with new models.
        schema = 2
        kind = job.kind.rawValue
        index = job.index
        dataSetDigest = dataSet.digest
        self.recipe = recipe
        method = job.method?.cacheKey ?? "-"
        seed = job.seed
        trainRows = digest(job.trainRows)
        forgetRows = digest(job.forgetRows)
        retainRows = digest(job.retainRows)
        validationRows = digest(validation)
        collapseAccuracy = settings.collapseAccuracy
        maximumAttempts = settings.maximumAttempts
        blasThreads = 1
    }

    /// Canonical JSON (sorted keys, no whitespace).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    var digest: String { sha256Hex(Data(json.utf8)) }
}

/// How a job's model came to be, stored beside it in the cache and listed in reports.
public struct ModelRecord: Codable, Equatable, Sendable {
    public let kind: String
    public let index: Int
    /// The cache key's SHA-256.
    public let key: String
    /// Attempts made (1 unless earlier ones collapsed).
    public let attempts: Int
    /// Validation ITM accuracy of each attempt's trained model, in order (the last one passed).
    public let validationAccuracies: [Double]
    /// The seeds of the attempt kept.
    public let trainSeed: UInt64
    public let unlearnSeed: UInt64
    public let seconds: Double
    /// True when this run read it from the cache instead of training it.
    public var fromCache: Bool

    public var collapsed: Int { attempts - 1 }

    enum CodingKeys: String, CodingKey {
        case kind, index, key, attempts, seconds
        case validationAccuracies = "validation_accuracies", trainSeed = "train_seed", unlearnSeed = "unlearn_seed"
        case fromCache = "from_cache"
    }
}
