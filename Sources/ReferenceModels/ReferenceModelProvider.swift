import AuditData
import Foundation
import ModelAdapters
import Unlearning

/// A reference model ready to answer: its job, how it came to be, and an adapter to its outputs.
public struct ReferenceModel {
    public let job: ModelJob
    public let record: ModelRecord
    /// "Model i's output distributions on these rows".
    public let adapter: any ModelAdapter

    public init(job: ModelJob, record: ModelRecord, adapter: any ModelAdapter) {
        self.job = job
        self.record = record
        self.adapter = adapter
    }
}

/// Gives an audit its reference models (shadows, gold models) as adapters, so the attacks see
/// outputs only. `ModelBank`, the native trainer, is the first provider; supplied outputs and
/// external trainers plug in the same way.
public protocol ReferenceModelProvider: AnyObject {
    /// The provider's kind in reports: `native`.
    var kind: String { get }
    /// Obtains every job's model (training it, reading it from the cache, or opening its outputs), in job order.
    func referenceModels(for jobs: [ModelJob], progress: @Sendable (ModelBankProgress) -> Void) throws -> [ReferenceModel]
}

extension ModelBank: ReferenceModelProvider {
    public var kind: String { "native" }

    public func referenceModels(for jobs: [ModelJob], progress: @Sendable (ModelBankProgress) -> Void) throws -> [ReferenceModel] {
        try models(for: jobs, progress: progress).map { trained in
            ReferenceModel(job: trained.job, record: trained.record,
                           adapter: NativeAdapter(model: trained.model, modelID: "\(trained.job.kind.rawValue)-\(trained.job.index)",
                                                  digest: "sha256:" + trained.record.key, classes: dataSet.classes))
        }
    }
}

/// The reference models an audit needs (SPEC §5.2, §5.5): K shadows over the pool's keep matrix,
/// each trained on D_r ∪ its kept pool rows and then applying the audited method to them, and G
/// gold models trained on D_r. Every seed derives from the run seed (`ModelJob.seeds`).
public struct ReferencePlan: Sendable {
    public let pool: AttackPool
    /// Nil without shadows.
    public let keep: KeepMatrix?
    public let shadowJobs: [ModelJob]
    public let goldJobs: [ModelJob]

    /// - Parameters:
    ///   - shadows: K (0 for none; otherwise even and at least `KeepMatrix.minimumShadows`).
    ///   - method: the method every shadow applies; required with shadows.
    ///   - golds: G.
    /// - Throws: `ReferenceModelError` for a bad shadow count, a missing method, or a retain row in the pool.
    public init(pool: AttackPool, retain: [Int], shadows: Int, method: (any UnlearningMethod)?, golds: Int, seed: UInt64) throws {
        if let overlap = Set(retain).intersection(pool.rows).min() {
            throw ReferenceModelError("row \(overlap) is in the retain set and in forget ∪ holdout; shadows would always train on it — fix the splits")
        }
        self.pool = pool
        if shadows > 0 {
            guard let method else {
                throw ReferenceModelError("shadow models need the unlearning method the audited model claims", status: .usage)
            }
            let keep = try KeepMatrix(shadows: shadows, examples: pool.count, seed: seed)
            self.keep = keep
            shadowJobs = Self.shadowJobs(pool: pool, retain: retain, keep: keep, method: method, seed: seed)
        } else {
            keep = nil
            shadowJobs = []
        }
        goldJobs = Self.goldJobs(count: golds, retain: retain, seed: seed)
    }

    /// The plan for reference models trained elsewhere: the shadows' membership is `keep` (as
    /// supplied), each shadow's job names the rows it kept and the method it applied.
    public init(pool: AttackPool, retain: [Int], keep: KeepMatrix?, method: (any UnlearningMethod)?, golds: Int, seed: UInt64) throws {
        self.pool = pool
        self.keep = keep
        if let keep, keep.shadows > 0 {
            guard let method else {
                throw ReferenceModelError("shadow models need the unlearning method the audited model claims", status: .usage)
            }
            shadowJobs = Self.shadowJobs(pool: pool, retain: retain, keep: keep, method: method, seed: seed)
        } else {
            shadowJobs = []
        }
        goldJobs = Self.goldJobs(count: golds, retain: retain, seed: seed)
    }

    /// Every job, shadows first.
    public var jobs: [ModelJob] { shadowJobs + goldJobs }

    /// The jobs of the K shadows: shadow k trains on retain ∪ (pool rows it keeps), then the method
    /// removes those kept rows.
    public static func shadowJobs(pool: AttackPool, retain: [Int], keep: KeepMatrix, method: any UnlearningMethod,
                                  seed: UInt64) -> [ModelJob] {
        let rows = pool.rows
        return (0..<keep.shadows).map { k in
            let kept = keep.kept(by: k).map { rows[$0] }
            return ModelJob(kind: .shadow, index: k, trainRows: retain + kept, forgetRows: kept, retainRows: retain,
                            method: method, seed: seed)
        }
    }

    /// The jobs of the G gold models: trained from scratch on D_r.
    public static func goldJobs(count: Int, retain: [Int], seed: UInt64) -> [ModelJob] {
        (0..<count).map { ModelJob(kind: .gold, index: $0, trainRows: retain, seed: seed) }
    }
}
