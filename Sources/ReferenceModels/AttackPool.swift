import Foundation

/// The pool P = D_f ∪ D_h that attacks score: forget rows first (label 1, "unlearned"), then
/// holdout rows (label 0, "never seen"). Shadows keep half of it each (SPEC §5.2).
public struct AttackPool: Sendable, Equatable {
    public let forget: [Int]
    public let holdout: [Int]

    /// - Throws: `ReferenceModelError` when either set is empty, or they share a row (a row cannot
    ///   be both unlearned and never seen).
    public init(forget: [Int], holdout: [Int]) throws {
        guard !forget.isEmpty else {
            throw ReferenceModelError("the forget set is empty: there is nothing whose deletion could be audited; check the forget split")
        }
        guard !holdout.isEmpty else {
            throw ReferenceModelError("the holdout set is empty: the attacks need never-seen rows to compare the forget set with; check the holdout split")
        }
        let shared = Set(forget).intersection(holdout)
        if let first = shared.min() {
            throw ReferenceModelError("\(shared.count) row(s) are in both the forget and the holdout set (first: row \(first)); a row cannot be both unlearned and never seen — fix the splits")
        }
        self.forget = forget
        self.holdout = holdout
    }

    /// Pool rows in pool order.
    public var rows: [Int] { forget + holdout }
    /// true for forget rows.
    public var labels: [Bool] { [Bool](repeating: true, count: forget.count) + [Bool](repeating: false, count: holdout.count) }
    public var count: Int { forget.count + holdout.count }
}
