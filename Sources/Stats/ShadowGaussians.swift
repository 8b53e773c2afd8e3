import Foundation

/// Per-example Gaussians fitted to shadow models' LiRA scores, and the U-LiRA scores they give.
///
/// Shapes: `shadowScores[k][x]` is φ of pool example x under shadow k (K × M, rows are shadows);
/// `keep[k][x]` is true when shadow k was trained on x (and then, for U-LiRA, unlearned it): "in".
public struct ShadowGaussians: Sendable {
    /// Mean φ over each example's in shadows (NaN when it has none).
    public let meanIn: [Double]
    /// Mean φ over each example's out shadows.
    public let meanOut: [Double]
    /// σ of the in and out Gaussians, per example (equal entries when pooled).
    public let standardDeviationIn: [Double]
    public let standardDeviationOut: [Double]
    /// The variance estimate used (never `.automatic`).
    public let variance: LiRAVariance
    /// The fewest in and out shadows any example has.
    public let minimumInCount: Int
    public let minimumOutCount: Int

    /// Fits μ and σ for both sides of every example. σ is floored at `minimumStandardDeviation`
    /// (default 1e-12) so identical shadow scores give large finite scores, not NaN.
    /// - Throws: `StatsError` when shapes disagree, φ holds NaN, or an example has no out shadow.
    /// - Complexity: O(K·M).
    public init(shadowScores: [[Double]], keep: [[Bool]], variance: LiRAVariance = .automatic,
                minimumStandardDeviation: Double = 1e-12) throws {
        let shadows = shadowScores.count
        guard shadows > 0, let examples = shadowScores.first?.count, examples > 0 else {
            throw StatsError.emptySample(input: "shadow scores")
        }
        guard keep.count == shadows else {
            throw StatsError.badShape(input: "keep matrix", problem: "it has \(keep.count) rows for \(shadows) shadows",
                                      fix: "give one keep row per shadow")
        }
        for k in 0..<shadows where shadowScores[k].count != examples || keep[k].count != examples {
            try Self.checkNotANumber(shadowScores[..<k])  // a NaN in an earlier shadow is reported first
            throw StatsError.badShape(input: "shadow \(k)",
                                      problem: "it has \(shadowScores[k].count) scores and \(keep[k].count) keep flags for \(examples) examples")
        }
        let sums = Self.sidedSums(shadowScores, keep, examples: examples)
        // A NaN score makes its example's sum NaN; only then look for it (inf − inf gives NaN sums too).
        if sums.sumIn.contains(where: \.isNaN) || sums.sumOut.contains(where: \.isNaN) {
            try Self.checkNotANumber(shadowScores[...])
        }
        if let x = sums.countOut.firstIndex(of: 0) {
            throw StatsError.badShape(input: "keep matrix", problem: "example \(x) is kept by every shadow, so it has no out scores",
                                      fix: "leave every example out of some shadows (K/2 each)")
        }
        let counts = (in: sums.countIn.min() ?? 0, out: sums.countOut.min() ?? 0)
        let meanIn = zip(sums.sumIn, sums.countIn).map { $1 > 0 ? $0 / Double($1) : .nan }
        let meanOut = zip(sums.sumOut, sums.countOut).map { $0 / Double($1) }
        let squares = Self.sidedSquares(shadowScores, keep, meanIn: meanIn, meanOut: meanOut)
        var mode = variance
        if mode == .automatic { mode = min(counts.in, counts.out) >= 32 ? .perExample : .pooled }
        var sdIn: [Double], sdOut: [Double]
        if mode == .pooled {
            let entriesIn = sums.countIn.reduce(0, +), entriesOut = sums.countOut.reduce(0, +)
            let pooledIn = entriesIn > 0 ? (squares.inside.reduce(0, +) / Double(entriesIn)).squareRoot() : .nan
            sdIn = [Double](repeating: pooledIn, count: examples)
            sdOut = [Double](repeating: (squares.outside.reduce(0, +) / Double(entriesOut)).squareRoot(), count: examples)
        } else {
            sdIn = zip(squares.inside, sums.countIn).map { $1 > 0 ? ($0 / Double($1)).squareRoot() : .nan }
            sdOut = zip(squares.outside, sums.countOut).map { ($0 / Double($1)).squareRoot() }
        }
        self.meanIn = meanIn
        self.meanOut = meanOut
        standardDeviationIn = sdIn.map { $0.isNaN ? $0 : max($0, minimumStandardDeviation) }
        standardDeviationOut = sdOut.map { max($0, minimumStandardDeviation) }
        self.variance = mode
        minimumInCount = counts.in
        minimumOutCount = counts.out
    }

    /// Online U-LiRA: Λ(x) = log N(φ(x); μ_in, σ²_in) − log N(φ(x); μ_out, σ²_out).
    /// Higher = "trained on, then unlearned" (still looks like a member); ideal AUC 0.5.
    /// - Throws: `StatsError` when the count differs from the fitted examples, φ is NaN, or an
    ///   example has no in shadows.
    public func onlineScores(targetScores: [Double]) throws -> [Double] {
        try checkTargets(targetScores)
        if let x = meanIn.firstIndex(where: \.isNaN) {
            throw StatsError.badShape(input: "keep matrix", problem: "example \(x) has no in shadows, so only the offline score exists",
                                      fix: "use offlineScores, or keep every example in some shadows")
        }
        return targetScores.indices.map { x in
            NormalDistribution.logDensity(targetScores[x], mean: meanIn[x], standardDeviation: standardDeviationIn[x])
                - NormalDistribution.logDensity(targetScores[x], mean: meanOut[x], standardDeviation: standardDeviationOut[x])
        }
    }

    /// Offline U-LiRA, the one-sided test of SPEC §5.4 (LiRA's offline variant): how unlikely a
    /// φ at least this high is for a model that never saw x,
    ///   Λ(x) = −log Pr[Z ≥ φ(x)],  Z ~ N(μ_out, σ²_out),
    /// from out shadows only. Higher = more member-like; a φ far *below* the out Gaussian scores
    /// near 0, not high (the two-sided −log density would flag it as a member too).
    public func offlineScores(targetScores: [Double]) throws -> [Double] {
        try checkTargets(targetScores)
        return targetScores.indices.map { x in
            -NormalDistribution.logSurvival((targetScores[x] - meanOut[x]) / standardDeviationOut[x])
        }
    }

    private func checkTargets(_ targetScores: [Double]) throws {
        guard targetScores.count == meanOut.count else {
            throw StatsError.mismatchedLengths(first: "target scores", firstCount: targetScores.count,
                                               second: "shadow scores' examples", secondCount: meanOut.count)
        }
        if let x = targetScores.firstIndex(where: \.isNaN) { throw StatsError.notANumber(input: "target scores", index: x) }
    }

    /// Per-example sums and counts of φ on each side, accumulated one shadow row at a time
    /// (in shadow order, so each sum equals the sequential sum over that example's shadows).
    /// - Complexity: O(K·M), in branch-free loops over contiguous rows.
    private static func sidedSums(_ scores: [[Double]], _ keep: [[Bool]], examples: Int)
        -> (sumIn: [Double], sumOut: [Double], countIn: [Int], countOut: [Int]) {
        var sumIn = [Double](repeating: 0, count: examples), sumOut = sumIn
        var countIn = [Int](repeating: 0, count: examples)
        for (row, flags) in zip(scores, keep) {
            row.withUnsafeBufferPointer { row in
                flags.withUnsafeBytes { flags in
                    sumIn.withUnsafeMutableBufferPointer { sumIn in
                        sumOut.withUnsafeMutableBufferPointer { sumOut in
                            countIn.withUnsafeMutableBufferPointer { countIn in
                                for x in 0..<examples {
                                    let kept = flags[x], value = row[x]
                                    sumIn[x] += select(kept, value, 0)
                                    sumOut[x] += select(kept, 0, value)
                                    countIn[x] &+= Int(kept)
                                }
                            }
                        }
                    }
                }
            }
        }
        let countOut = countIn.map { scores.count - $0 }
        return (sumIn, sumOut, countIn, countOut)
    }

    /// Per-example sums of (φ − μ)² on each side around that side's mean, one shadow row at a time.
    /// A side with no entries has mean NaN and sum 0.
    /// - Complexity: O(K·M), in branch-free loops over contiguous rows.
    private static func sidedSquares(_ scores: [[Double]], _ keep: [[Bool]], meanIn: [Double], meanOut: [Double])
        -> (inside: [Double], outside: [Double]) {
        let examples = meanOut.count
        var inside = [Double](repeating: 0, count: examples), outside = inside
        for (row, flags) in zip(scores, keep) {
            row.withUnsafeBufferPointer { row in
                flags.withUnsafeBytes { flags in
                    meanIn.withUnsafeBufferPointer { meanIn in
                        meanOut.withUnsafeBufferPointer { meanOut in
                            inside.withUnsafeMutableBufferPointer { inside in
                                outside.withUnsafeMutableBufferPointer { outside in
                                    for x in 0..<examples {
                                        let kept = flags[x]
                                        let r = row[x] - select(kept, meanIn[x], meanOut[x])
                                        inside[x] += select(kept, r * r, 0)
                                        outside[x] += select(kept, 0, r * r)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (inside, outside)
    }

    /// Throws `.notANumber` for the first NaN, in shadow order then example order.
    private static func checkNotANumber(_ rows: ArraySlice<[Double]>) throws {
        for k in rows.indices {
            if let x = rows[k].firstIndex(where: \.isNaN) { throw StatsError.notANumber(input: "shadow \(k) scores", index: x) }
        }
    }

    /// `flag == 1 ? whenSet : otherwise` for a `Bool`'s byte (0 or 1), exactly and without a branch
    /// (a bit mask on the IEEE patterns), so the loops above vectorise; NaN and infinity pass through.
    @inline(__always)
    private static func select(_ flag: UInt8, _ whenSet: Double, _ otherwise: Double) -> Double {
        let mask = 0 &- UInt64(flag)
        return Double(bitPattern: (whenSet.bitPattern & mask) | (otherwise.bitPattern & ~mask))
    }
}
