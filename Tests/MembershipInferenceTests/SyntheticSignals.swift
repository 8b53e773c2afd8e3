import Foundation
import NumericCore
@testable import MembershipInference

/// Signal tables built from numbers alone, no model: shadows' φ is N(centre_x, 1) out and
/// N(centre_x + shift, 1) in; the target is "in" on D_f when it leaks; gold models are "out"
/// everywhere. Probabilities are σ(φ), so φ round-trips through the table.
enum SyntheticSignals {
    static func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }

    /// A balanced membership matrix: each example in exactly K/2 shadows, by a seeded shuffle.
    static func membership(shadows: Int, examples: Int, generator: inout RandomSource) -> [[Bool]] {
        var matrix = [[Bool]](repeating: [Bool](repeating: false, count: examples), count: shadows)
        var order = Array(0..<shadows)
        for x in 0..<examples {
            generator.shuffle(&order)
            for k in order.prefix(shadows / 2) { matrix[k][x] = true }
        }
        return matrix
    }

    /// A table with `shadows` shadows, `golds` gold models and `population` population rows; the
    /// first half of the examples are D_f.
    static func table(shadows: Int = 16, golds: Int = 0, examples: Int = 200, population: Int = 0, shift: Double = 2,
                      leaks: Bool, seed: UInt64 = 1) throws -> SignalTable {
        var generator = RandomSource(seed: seed).derived("synthetic")
        let membership = membership(shadows: shadows, examples: examples, generator: &generator)
        let centres = (0..<examples).map { _ in 3 * generator.nextGaussian() }
        let populationCentres = (0..<population).map { _ in 3 * generator.nextGaussian() }
        let labels = (0..<examples).map { $0 < examples / 2 }
        func model(_ name: String, member: (Int) -> Bool) throws -> ModelSignals {
            let phi = (0..<examples).map { x in centres[x] + (member(x) ? shift : 0) + generator.nextGaussian() }
            let z = population > 0 ? populationCentres.map { sigmoid($0 + generator.nextGaussian()) } : nil
            return try ModelSignals(name: name, trueClassProbability: phi.map(sigmoid), population: z)
        }
        let shadowSignals = try (0..<shadows).map { k in try model("shadow \(k)") { membership[k][$0] } }
        let goldSignals = try (0..<golds).map { g in try model("gold \(g)") { _ in false } }
        let target = try model("target") { leaks && labels[$0] }
        return try SignalTable(labels: labels, target: target, shadows: shadowSignals, membership: membership, golds: goldSignals,
                               seed: seed)
    }
}
