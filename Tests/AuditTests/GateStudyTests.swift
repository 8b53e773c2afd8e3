import Foundation
import Gate
import NumericCore
import Testing
@testable import Audit

/// The gate study's tabulation on a synthetic pool (no training): subsets, forget quality
/// recomputed per subset, left-out gold models, shifts, and the counts.
@Suite struct GateStudyTests {
    /// 10 gold models with AUCs around 0.5 and KS p-values around 0.5; a typical retrained target,
    /// and a `none` target far above the pool.
    static func pool() -> GateStudy.Pool {
        var generator = RandomSource(seed: 3)
        let size = 10
        let nulls = Dictionary(uniqueKeysWithValues: GateStudy.aucMetrics.map { ($0, (0..<size).map { _ in 0.5 + 0.02 * generator.nextGaussian() }) })
        var quality = [[Double]](repeating: [Double](repeating: 1, count: size), count: size)
        for i in 0..<size { for j in (i + 1)..<size { quality[i][j] = 0.2 + 0.6 * generator.nextUnitDouble(); quality[j][i] = quality[i][j] } }
        func target(_ group: String, auc: Double, p: Double) -> GateStudy.Target {
            GateStudy.Target(group: group, seed: 0,
                             aucs: Dictionary(uniqueKeysWithValues: GateStudy.aucMetrics.map { ($0, (value: auc, interval: [auc - 0.03, auc + 0.03])) }),
                             quality: [Double](repeating: p, count: size), liraOnlyUMIA: (0.5, 0.5))
        }
        return GateStudy.Pool(seed: 0, nulls: ["retrain": nulls, "none": nulls], quality: quality,
                              targets: [target("retrain", auc: 0.5, p: 0.5), target("none", auc: 0.8, p: 1e-6)])
    }

    @Test func forgetQualityIsRecomputedOnEachSubset() {
        let pool = Self.pool()
        let subset = [0, 2, 5, 7]
        let metrics = GateStudy.measurements(pool.targets[0], subset: subset, nulls: pool.nulls["retrain"]!, quality: pool.quality, shift: 0.04)
        let quality = metrics["forget_quality.median_pvalue"]!
        #expect(quality.value == 0.5 && quality.scale == .probit)
        #expect(quality.nullValues == subset.map { g in GateStudy.median(subset.filter { $0 != g }.map { pool.quality[g][$0] }) })
        #expect(metrics["ulira.online.auc"]?.value == 0.54 && metrics["umia.shadow.auc"]?.value == 0.5)
        #expect(metrics["ulira.online.auc"]?.nullValues == subset.map { pool.nulls["retrain"]!["ulira.online.auc"]![$0] })
    }

    @Test func tallyCountsEveryDrawOfEveryTarget() {
        var settings = GateStudy.Settings(data: "", original: "", cache: "", toolVersion: "test")
        settings.counts = [8, 10]
        settings.draws = 3
        settings.kappas = [1.5]
        settings.shifts = [0.3]
        settings.methods = ["none"]
        let rows = GateStudy.tabulate([Self.pool()], settings: settings)
        func row(_ group: String, _ rule: String, _ g: Int) -> GateStudy.Row? {
            rows.first { $0.group == group && $0.rule == rule && $0.goldModels == g }
        }
        // 3 draws at G = 8, one at G = 10 (the whole pool).
        #expect(row("retrain", "revised", 8)?.tally.total == 3 && row("retrain", "revised", 10)?.tally.total == 1)
        #expect(row("retrain", "revised", 8)?.tally.pass == 3)
        #expect(row("none", "revised", 8)?.tally.fail == 3 && row("none", "first", 10)?.tally.fail == 1)
        // The shifted copy of the retrained target fails; a gold model left out has 9 others, so no G = 10.
        #expect(row("retrain, U-LiRA AUC +0.30", "revised", 8)?.tally.fail == 3)
        #expect(row("gold, left out", "revised", 8)?.tally.total == 30 && row("gold, left out", "revised", 10) == nil)
        #expect(row("gold, left out", "revised", 8)?.targets == 10)
    }
}
