import Foundation

extension UnlearningRequest {
    /// Throws `UnlearningError` (naming `method`) when the rows cannot serve a method: a row index
    /// outside the data, an empty forget set (when `needsForget`), an empty retain set, or (when
    /// `needsMismatchedRetain`) retain rows from fewer than two groups, so no mismatched pair exists.
    func check(method: String, needsForget: Bool, needsMismatchedRetain: Bool) throws {
        for (name, rows) in [("forget", forget), ("retain", retain), ("validation", validation)] {
            if let bad = rows.first(where: { $0 < 0 || $0 >= data.count }) {
                throw UnlearningError(method: method, problem: "\(name) row \(bad) is outside the data's 0..<\(data.count)",
                                      fix: "give row indices of the data set the model was trained on")
            }
        }
        if needsForget, forget.isEmpty {
            throw UnlearningError(method: method, problem: "the forget set is empty", fix: "give the rows to unlearn")
        }
        if retain.isEmpty {
            throw UnlearningError(method: method, problem: "the retain set is empty", fix: "give retain rows to keep")
        }
        if needsMismatchedRetain, !data.isClassification, Set(retain.map { data.groups[$0] }).count < 2 {
            throw UnlearningError(method: method, problem: "the retain rows span fewer than two groups, so no mismatched pair can be drawn",
                                  fix: "give retain rows from at least two groups")
        }
    }
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
