import Foundation
import Testing
@testable import Stats

struct LiRATests {
    /// K shadows × M examples with a balanced keep matrix: shadow k keeps example x when (k + x) is even.
    static func shadows(_ k: Int, _ m: Int) -> (scores: [[Double]], keep: [[Bool]]) {
        var generator = SplitMixLite(seed: 9)
        let keep = (0..<k).map { s in (0..<m).map { x in (s + x) % 2 == 0 } }
        let scores = (0..<k).map { s in (0..<m).map { x in Double(x) + (keep[s][x] ? 1 : 0) + generator.next() } }
        return (scores, keep)
    }

    @Test func phiHandlesCertaintyWithoutInfinity() {
        #expect(LiRA.score(probabilities: [1, 0], trueClass: 0) == log(1 + 1e-45) - log(1e-45))
        #expect(LiRA.score(probabilities: [0, 1], trueClass: 0) == log(1e-45) - log(1 + 1e-45))
        #expect(abs(LiRA.score(probabilities: [0.25, 0.25, 0.5], trueClass: 2)) < 1e-15)
    }

    @Test func varianceFollowsTheShadowCount() throws {
        let small = Self.shadows(16, 5), large = Self.shadows(64, 5)
        #expect(try ShadowGaussians(shadowScores: small.scores, keep: small.keep).variance == .pooled)
        let perExample = try ShadowGaussians(shadowScores: large.scores, keep: large.keep)
        #expect(perExample.variance == .perExample && perExample.minimumInCount == 32)
        let pooled = try ShadowGaussians(shadowScores: large.scores, keep: large.keep, variance: .pooled)
        #expect(Set(pooled.standardDeviationIn).count == 1 && Set(pooled.standardDeviationOut).count == 1)
        // Members of the target (φ shifted by +1, like the "in" shadows) score higher online.
        let target = (0..<5).map { Double($0) + 1.5 }, outTarget = (0..<5).map { Double($0) + 0.5 }
        let inScores = try perExample.onlineScores(targetScores: target)
        let outScores = try perExample.onlineScores(targetScores: outTarget)
        #expect(zip(inScores, outScores).allSatisfy { $0 > $1 })
        #expect(zip(try perExample.offlineScores(targetScores: target), try perExample.offlineScores(targetScores: outTarget))
            .allSatisfy { $0 > $1 })
    }

    @Test func identicalShadowScoresStayFinite() throws {
        let scores = [[Double]](repeating: [2, 3], count: 4), keep = [[true, false], [false, true], [true, false], [false, true]]
        let fits = try ShadowGaussians(shadowScores: scores, keep: keep)
        #expect(fits.standardDeviationIn == [1e-12, 1e-12])
        #expect(try fits.onlineScores(targetScores: [2, 3.5]).allSatisfy(\.isFinite))
    }

    @Test func badShapesAreRejected() throws {
        let good = Self.shadows(4, 3)
        #expect(throws: StatsError.self) { _ = try ShadowGaussians(shadowScores: good.scores, keep: Array(good.keep.dropLast())) }
        #expect(throws: StatsError.self) { _ = try ShadowGaussians(shadowScores: [[1, 2], [3]], keep: [[true, false], [false]]) }
        #expect(throws: StatsError.self) { _ = try ShadowGaussians(shadowScores: [[1], [.nan]], keep: [[true], [false]]) }
        // Kept by every shadow: no out fit.
        #expect(throws: StatsError.self) { _ = try ShadowGaussians(shadowScores: [[1], [2]], keep: [[true], [true]]) }
        // Never kept: offline works, online does not.
        let outOnly = try ShadowGaussians(shadowScores: [[1, 2], [1.5, 2.5]], keep: [[false, false], [false, false]])
        #expect(try outOnly.offlineScores(targetScores: [1, 2]).count == 2)
        #expect(throws: StatsError.self) { _ = try outOnly.onlineScores(targetScores: [1, 2]) }
        #expect(throws: StatsError.self) { _ = try outOnly.offlineScores(targetScores: [1]) }
        #expect(throws: StatsError.self) { _ = try LiRA.scores(probabilityRows: [[0.5, 0.5]], trueClasses: [2]) }
        #expect(throws: StatsError.self) { _ = try LiRA.scores(probabilityRows: [[0.5, 0.5]], trueClasses: [0, 1]) }
    }

    /// Reference: `[(z, float(scipy.special.log_ndtr(-z))) for z in zs]` (scipy 1.17.1).
    @Test func logSurvivalMatchesScipyIntoTheFarTail() {
        let reference: [(Double, Double)] = [
            (-40, -0.0), (-5, -2.8665161296376294e-07), (-1, -0.1727537790234499), (0, -0.6931471805599453),
            (0.5, -1.1759117615936188), (3, -6.60772622151035), (10, -53.23128515051248), (29.9, -451.3229124585287),
            (30, -454.32124395634327), (30.1, -457.32956441638237), (35, -616.9751012619225), (40, -804.6084420137539),
            (100, -5005.524208694205), (1000, -500007.8266948122),
        ]
        for (z, expected) in reference {
            let actual = NormalDistribution.logSurvival(z)
            #expect(abs(actual - expected) <= 1e-13 * max(1, abs(expected)), "z = \(z): \(actual) vs \(expected)")
        }
    }

    @Test func offlineScoreIsOneSided() throws {
        // Out shadows at 0 ± 1: a target far below them is typical of "never seen", not a member.
        let scores: [[Double]] = [[1, 5], [-1, 3], [1, 5], [-1, 3]], keep = [[true, false], [false, true], [false, true], [true, false]]
        let fits = try ShadowGaussians(shadowScores: scores, keep: keep, variance: .perExample)
        let offline = try fits.offlineScores(targetScores: [-8, 4])
        #expect(offline[0] < 1e-10)
        #expect(abs(offline[1] - log(2)) < 1e-15)  // φ at μ_out: Pr[Z ≥ μ] = ½
        #expect(try fits.offlineScores(targetScores: [8, 4])[0] > 30)
    }
}
