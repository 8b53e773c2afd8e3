import Foundation
import ModelAdapters
import ReferenceModels
import Unlearning

/// The original and the audited model when an external trainer makes them (`original: {trainer: {}}`):
/// the original trains on the train split; a target the spec unlearns is the original itself for
/// `none`, a model trained on the retain split for `retrain`, and otherwise the original with the
/// trainer's implementation of the method applied to the forget split.
enum ExternalModels {
    static func originalAndTarget(_ spec: AuditSpec, trainer: ExternalTrainer, splits: AuditSplits,
                                  progress: @escaping @Sendable (AuditProgress) -> Void) throws -> (any ModelAdapter, TargetModel?) {
        let orders = try self.orders(spec, splits: splits)
        var method: String?
        if case let .unlearn(unlearn) = spec.target { method = unlearn.method }
        progress(AuditProgress(stage: "target", done: 0, total: orders.count,
                               note: "the external trainer makes the original" + (method.map { " and the target (\($0))" } ?? "")))
        let models = try trainer.models(for: orders) { _ in }
        guard let method else { return (models[0].adapter, nil) }
        let made = models.last!  // the original itself for none
        let record = TargetUnlearningRecord(method: method, settings: method, seed: made.record.unlearnSeed, seconds: made.record.seconds)
        return (models[0].adapter, TargetModel(adapter: made.adapter, record: record))
    }

    /// The trainer's orders: the original on the train split, then the target when the spec
    /// unlearns one with a method other than `none` (`retrain` trains on the retain split; any
    /// other method starts from the original). The model plan shards the same orders.
    static func orders(_ spec: AuditSpec, splits: AuditSplits) throws -> [ExternalTrainer.Order] {
        let originalJob = ModelJob(kind: .original, index: 0, trainRows: splits.train, seed: spec.seed)
        var orders = [ExternalTrainer.Order(job: originalJob)]
        if case let .unlearn(unlearn) = spec.target {
            let seed = unlearn.seed ?? AuditSeeds.targetUnlearning(spec.seed)
            switch unlearn.method {
            case "none":
                break
            case "retrain":
                orders.append(.init(job: ModelJob(kind: .target, index: 0, trainRows: splits.retain, seed: seed)))
            default:
                let job = ModelJob(kind: .target, index: 0, trainRows: splits.train, forgetRows: splits.pool.forget, retainRows: splits.retain,
                                   method: try UnlearningMethods.named(unlearn.method), seed: seed)
                orders.append(.init(job: job, start: originalJob))
            }
        }
        return orders
    }
}
