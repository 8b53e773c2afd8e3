import NumericCore

/// Which pool examples each shadow model trains on (SPEC §5.2).
///
/// `rows[k][x]` is true when shadow k keeps pool example x. Every example is kept by exactly K/2
/// shadows, chosen by a seeded permutation of the shadows per example, so each example has K/2
/// "in" and K/2 "out" shadows; each shadow keeps about half of the pool.
public struct KeepMatrix: Sendable, Equatable, Codable {
    /// The smallest shadow count accepted: with fewer, each example has one in and one out shadow
    /// and no spread can be estimated.
    public static let minimumShadows = 4

    public let rows: [[Bool]]
    public var shadows: Int { rows.count }
    public var examples: Int { rows.first?.count ?? 0 }

    /// A balanced keep matrix for `shadows` (even, ≥ `minimum`) models over `examples` pool
    /// examples, drawn from `RandomSource(seed: seed).derived("keep-matrix")`.
    /// - Parameter minimum: the smallest count accepted; audits use `minimumShadows`, studies of
    ///   attacks with few references go down to 2.
    /// - Throws: `ReferenceModelError` for an odd or too small shadow count or an empty pool.
    public init(shadows: Int, examples: Int, seed: UInt64, minimum: Int = minimumShadows) throws {
        guard shadows >= max(minimum, 2), shadows % 2 == 0 else {
            throw ReferenceModelError("the shadow count must be even and at least \(max(minimum, 2)) so every example has as many in as out shadows (got \(shadows)); use 16 or more for a real audit")
        }
        guard examples > 0 else {
            throw ReferenceModelError("the shadow pool (forget ∪ holdout) is empty; check the splits")
        }
        var generator = RandomSource(seed: seed).derived("keep-matrix")
        var matrix = [[Bool]](repeating: [Bool](repeating: false, count: examples), count: shadows)
        var order = Array(0..<shadows)
        for x in 0..<examples {
            generator.shuffle(&order)
            for k in order.prefix(shadows / 2) { matrix[k][x] = true }
        }
        rows = matrix
    }

    public init(rows: [[Bool]]) { self.rows = rows }

    /// The pool indices shadow k keeps, in pool order.
    public func kept(by shadow: Int) -> [Int] { rows[shadow].indices.filter { rows[shadow][$0] } }
}
