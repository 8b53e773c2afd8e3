import Foundation
import NumericCore
import Stats
import Testing
@testable import MembershipInference

@Suite struct ULiRAAttackTests {
    @Test func detectsALeakingTargetAndNotACleanOne() throws {
        let leaky = try SyntheticSignals.table(leaks: true)
        let suite = try AttackSuite.run([ULiRAAttack()], on: leaky)
        let result = try #require(suite.results.first)
        let online = try #require(result.variants["online"])
        #expect(online.auc > 0.8 && online.detects && online.naturalThreshold == 0)
        let detail = try #require(try result.detail?.decode(ULiRADetail.self))
        #expect(detail.variance == "pooled" && detail.minimumInShadows == 8 && detail.minimumOutShadows == 8 && detail.shadows == 16)
        // Method level: every shadow is itself "leaky" on its in examples.
        let level = try #require(detail.methodLevel)
        #expect(level.aucs.count == 16 && level.minimum > 0.7)

        // A clean target's AUCs scatter around 0.5 (sd ≈ 0.04 at 100 vs 100 examples): their mean over 20 seeds sits
        // within 3 standard errors of 0.5.
        var sums = (online: 0.0, offline: 0.0)
        for seed in UInt64(1)...20 {
            let clean = try AttackSuite.run([ULiRAAttack()], on: try SyntheticSignals.table(leaks: false, seed: seed)).results[0]
            sums.online += try #require(clean.variants["online"]).auc / 20
            sums.offline += try #require(clean.variants["offline"]).auc / 20
        }
        #expect(abs(sums.online - 0.5) < 0.03 && abs(sums.offline - 0.5) < 0.03, "mean clean AUCs \(sums)")
    }

    @Test func theVarianceOptionIsHonouredAndRecorded() throws {
        let table = try SyntheticSignals.table(shadows: 8, leaks: true)
        let perExample = try AttackSuite.run([ULiRAAttack()], on: table, options: AttackOptionValues(["variance": .text("per-example")]))
        #expect(try perExample.results[0].detail?.decode(ULiRADetail.self).variance == "per-example")
        #expect(perExample.results[0].options["variance"] == .text("per-example"))
        let automatic = try AttackSuite.run([ULiRAAttack()], on: table)
        #expect(automatic.results[0].options["variance"] == .text("automatic"))
        #expect(perExample.results[0].variants["online"]?.auc != automatic.results[0].variants["online"]?.auc)
    }

    /// numpy reference: Fixtures/make_attack_reference.py (per-example and pooled σ, online and offline).
    @Test func matchesTheNumpyReference() throws {
        let reference = try AttackReference.load()
        for entry in reference.ulira {
            let shadows = try entry.phi.enumerated().map { k, phi in
                try ModelSignals(name: "shadow \(k)", trueClassProbability: phi.map(SyntheticSignals.sigmoid))
            }
            // The attack's own φ goes through probabilities; compare the Gaussian fit on φ exactly too.
            for (variance, expected) in [(LiRAVariance.perExample, entry.perExample), (.pooled, entry.pooled)] {
                let fit = try ShadowGaussians(shadowScores: entry.phi, keep: entry.keep.map { $0.map { $0 == 1 } }, variance: variance)
                let online = try fit.onlineScores(targetScores: entry.target), offline = try fit.offlineScores(targetScores: entry.target)
                for x in entry.target.indices {
                    #expect(abs(online[x] - expected.online[x]) <= 1e-9 * max(1, abs(expected.online[x])), "\(entry.name) \(variance) online \(x)")
                    #expect(abs(offline[x] - expected.offline[x]) <= 1e-9 * max(1, abs(expected.offline[x])), "\(entry.name) \(variance) offline \(x)")
                    #expect(abs(fit.meanIn[x] - expected.muIn[x]) <= 1e-12 * max(1, abs(expected.muIn[x])))
                    #expect(abs(fit.standardDeviationOut[x] - expected.sdOut[x]) <= 1e-12 * expected.sdOut[x])
                }
            }
            #expect(shadows.count == entry.phi.count)
        }
    }
}

@Suite struct UMIAAttackTests {
    @Test func shadowTrainedAndCrossValidated() throws {
        let table = try SyntheticSignals.table(shift: 4, leaks: true)
        let lira = AttackOptionValues(["umia_features": .text("lira")])
        let result = try AttackSuite.run([UMIAAttack()], on: table, options: lira).results[0]
        let shadow = try #require(result.variants["shadow"]), cv = try #require(result.variants["cross_validated"])
        #expect(shadow.auc > 0.6 && cv.auc > 0.6)
        #expect(shadow.naturalThreshold == 0.5 && shadow.balancedAccuracyAtNaturalThreshold != nil)
        let detail = try #require(try result.detail?.decode(UMIADetail.self))
        #expect(detail.shadowTrainingPairs == 16 * 200 && detail.folds == 10 && detail.crossValidatedExamples == 200)
        #expect(detail.features == ["lira"])
        // The cross-validated attacker is the Stats module's, with folds from the derived seed.
        let folds = try CrossValidation.stratifiedFolds(labels: table.labels, folds: 10, seed: RandomSource.derivedSeed(table.seed, "umia-folds"))
        let expected = try CrossValidation.logisticOutOfFoldProbabilities(features: table.target.lira.map { [$0] }, labels: table.labels,
                                                                          folds: folds)
        let suite = try AttackSuite.run([UMIAAttack()], on: table, options: lira)
        #expect(suite.scores["umia.cross_validated"] == expected)
        #expect(suite.measurements["umia.shadow.accuracy"]?.value == shadow.balancedAccuracyAtNaturalThreshold)
        #expect(suite.measurements["umia.shadow.accuracy"]?.interval == nil)
        #expect(suite.measurements["umia.shadow.auc"]?.interval == shadow.aucInterval)
    }

    /// By default the attacker sees every signal of SPEC §4: φ, loss, entropy, the sorted
    /// probabilities but the last, and the log truth ratio when every model has it.
    @Test func theDefaultAttackerSeesEverySignal() throws {
        let plain = try SyntheticSignals.table(shift: 4, leaks: true)
        let detail = try #require(try AttackSuite.run([UMIAAttack()], on: plain).results[0].detail?.decode(UMIADetail.self))
        #expect(detail.features == ["lira", "loss", "entropy", "sorted_probability_1"])
        // With truth ratios, log R joins; a target whose ratios drop on D_f is then detected more easily.
        func withRatios(_ model: ModelSignals, member: (Int) -> Bool) throws -> ModelSignals {
            try ModelSignals(name: model.name, trueClassProbability: model.trueClassProbability,
                             truthRatios: model.lira.indices.map { member($0) ? 0.2 : 1.0 })
        }
        let table = try SignalTable(labels: plain.labels, target: try withRatios(plain.target) { plain.labels[$0] },
                                    shadows: try plain.shadows.enumerated().map { k, shadow in try withRatios(shadow) { plain.membership[k][$0] } },
                                    membership: plain.membership, seed: plain.seed)
        let result = try AttackSuite.run([UMIAAttack()], on: table).results[0]
        #expect(try result.detail?.decode(UMIADetail.self).features.last == "log_truth_ratio")
        #expect(result.variants["shadow"]?.auc == 1)
        let lira = try AttackSuite.run([UMIAAttack()], on: table, options: AttackOptionValues(["umia_features": .text("lira")])).results[0]
        #expect((lira.variants["shadow"]?.auc ?? 1) < 0.9)
    }
}

@Suite struct AttackSuiteTests {
    /// The null of every metric is that metric with each gold model in the audited model's place:
    /// scoring a table whose target *is* gold g gives exactly the null's g-th value.
    @Test func eachNullValueIsTheMetricOfThatGoldScoredAsTheTarget() throws {
        let table = try SyntheticSignals.table(shadows: 8, golds: 4, examples: 120, population: 40, leaks: true)
        let attacks: [any MembershipAttack] = [ULiRAAttack(), UMIAAttack(), RMIAAttack()]
        let suite = try AttackSuite.run(attacks, on: table)
        let names = Set(attacks.flatMap(\.metricNames))
        #expect(Set(suite.measurements.keys) == names)
        for g in table.golds.indices {
            let asTarget = try SignalTable(labels: table.labels, target: table.golds[g], shadows: table.shadows,
                                           membership: table.membership, seed: table.seed)
            let alone = try AttackSuite.run(attacks, on: asTarget)
            for name in names {
                let null = try #require(suite.measurements[name]?.null, "\(name) has no null")
                #expect(null.size == 4)
                #expect(null.values[g] == alone.measurements[name]?.value, "\(name), gold \(g)")
            }
        }
        for name in names { #expect(suite.measurements[name]?.null?.audited == suite.measurements[name]?.value) }
    }

    @Test func withoutGoldModelsThereAreNoNulls() throws {
        let suite = try AttackSuite.run([ULiRAAttack()], on: try SyntheticSignals.table(leaks: false))
        #expect(suite.results[0].nulls.isEmpty && suite.measurements.values.allSatisfy { $0.null == nil })
    }

    @Test func anAttackWhoseSignalsAreMissingSaysSo() throws {
        let table = try SyntheticSignals.table(shadows: 4, leaks: false)
        #expect { _ = try AttackSuite.run([RMIAAttack()], on: table) } throws: {
            "\($0)".contains("rmia needs outputs on population rows")
        }
        #expect { _ = try AttackSuite.run([ForgetQualityAttack()], on: table) } throws: { "\($0)".contains("forget_quality needs gold models") }
        #expect { _ = try AttackSuite.run([SVMMembershipAttack()], on: table) } throws: { "\($0)".contains("svm needs the original model's outputs") }
    }

    @Test func nanProbabilitiesNameTheModelAndTheExample() {
        #expect { _ = try ModelSignals(name: "shadow 3", trueClassProbability: [0.2, .nan]) } throws: {
            "\($0)".contains("shadow 3 gave probability nan for pool example 1")
        }
        #expect { _ = try ModelSignals(name: "gold 1", probabilities: [[0.5, 0.5]], trueClasses: [2]) } throws: {
            "\($0)".contains("gold 1: pool example 0 has 2 probabilities but its true class is 2")
        }
    }

    @Test func tablesCheckTheirShapes() throws {
        let model = try ModelSignals(name: "m", trueClassProbability: [0.2, 0.7, 0.4])
        #expect { _ = try SignalTable(labels: [true, true, true], target: model, seed: 0) } throws: { "\($0)".contains("the pool needs forget") }
        #expect { _ = try SignalTable(labels: [true, false], target: model, seed: 0) } throws: { "\($0)".contains("signals for 3 examples but the pool has 2") }
        #expect { _ = try SignalTable(labels: [true, false, false], target: model, shadows: [model], membership: [], seed: 0) } throws: {
            "\($0)".contains("must be 1 × 3")
        }
    }

    @Test func nullDistributionPercentilesFollowNumpy() {
        // np.percentile([0.3, 0.5, 0.4, 0.9, 0.6], 95) = 0.84
        let null = NullDistribution(values: [0.3, 0.5, 0.4, 0.9, 0.6], audited: 0.5)
        #expect(abs(null.percentile95 - 0.84) < 1e-12)
        #expect(null.maximum == 0.9 && null.minimum == 0.3 && null.size == 5)
        #expect(null.auditedPercentile == 50)  // 2 below, 1 tie: (2 + 0.5) / 5
        #expect(NullDistribution(values: [0.2], audited: 0.7).auditedPercentile == 100)
    }

    /// With 20 non-members, FPR ≤ 1% and ≤ 0.1% allow no false positive: those points are the
    /// "flag nothing" point (threshold +∞), reported with no threshold; the keys stay.
    @Test func metricsKeepEveryTargetAndEncodeWithoutInfinities() throws {
        let scores = (0..<40).map { Double($0 % 7) + ($0 < 20 ? 0.5 : 0) }
        let labels = (0..<40).map { $0 < 20 }
        let metrics = try AttackMetrics(scores: scores, labels: labels)
        #expect(Set(metrics.tprAtFPR.keys) == ["0.1", "0.01", "0.001"])
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .throw
        let decoded = try JSONDecoder().decode(AttackMetrics.self, from: try encoder.encode(metrics))
        #expect(decoded == metrics)
        #expect(throws: StatsError.self) { _ = try AttackMetrics(scores: [0.1, 0.2], labels: [false, false]) }
    }
}

@Suite struct ForgetQualityAttackTests {
    @Test func identicalRatiosGiveOneAndTheMedianIsTaken() throws {
        let a = (0..<50).map { Double($0) / 7 }
        let shifted = a.map { $0 + 100 }
        let result = try ForgetQualityDetail(audited: a, gold: [a, shifted, a])
        #expect(result.tests.count == 3)
        #expect(result.tests[0].pvalue == 1 && result.tests[2].pvalue == 1)
        #expect(result.tests[1].saturated && result.tests[1].statistic == 1)
        #expect(result.medianPValue == 1)
        // Reference: scipy.stats.ks_2samp(a, a + 100) gives p = 2 / C(100, 50).
        #expect(abs(result.tests[1].pvalue - 1.9823306042836678e-29) / 1.9823306042836678e-29 < 1e-9)
    }

    /// A gold model scored as the target is tested against the other G − 1.
    @Test func aGoldsNullValueLeavesItselfOut() throws {
        var generator = RandomSource(seed: 3)
        // Truth ratios cover the pool; forget quality reads the first 30, D_f's.
        let ratios = (0..<4).map { g in (0..<40).map { _ in generator.nextUnitDouble() + (g == 2 ? 0.4 : 0) } }
        let labels = (0..<40).map { $0 < 30 }
        func model(_ name: String, _ r: [Double]) throws -> ModelSignals {
            try ModelSignals(name: name, trueClassProbability: [Double](repeating: 0.5, count: 40), truthRatios: r)
        }
        let target = (0..<40).map { _ in generator.nextUnitDouble() }
        func forget(_ r: [Double]) -> [Double] { Array(r.prefix(30)) }
        let table = try SignalTable(labels: labels, target: try model("target", target),
                                    golds: try ratios.enumerated().map { try model("gold \($0)", $1) }, seed: 0)
        let result = try AttackSuite.run([ForgetQualityAttack()], on: table).results[0]
        let null = try #require(result.nulls["forget_quality.median_pvalue"])
        for g in 0..<4 {
            let others = (0..<4).filter { $0 != g }.map { forget(ratios[$0]) }
            #expect(null.values[g] == (try ForgetQualityDetail(audited: forget(ratios[g]), gold: others)).medianPValue)
        }
        #expect(result.values["median_pvalue"] == (try ForgetQualityDetail(audited: forget(target), gold: ratios.map(forget))).medianPValue)
        // One gold model: no null.
        let single = try SignalTable(labels: labels, target: try model("target", target), golds: [try model("gold 0", ratios[0])], seed: 0)
        #expect(try AttackSuite.run([ForgetQualityAttack()], on: single).results[0].nulls.isEmpty)
    }
}

@Suite struct AttackRegistryTests {
    @Test func namesMetricsAndOptionsAreUniqueAndTheClassicMetricsKeepTheirNames() {
        let names = AttackRegistry.names
        #expect(names == ["svm", "ulira", "umia", "forget_quality", "rmia"])
        #expect(Set(AttackRegistry.metricNames).count == AttackRegistry.metricNames.count)
        #expect(Set(AttackRegistry.options.map(\.key)).count == AttackRegistry.options.count)
        for metric in ["ulira.online.auc", "ulira.offline.auc", "umia.shadow.auc", "umia.shadow.accuracy", "umia.cross_validated.auc",
                       "umia.cross_validated.accuracy", "forget_quality.median_pvalue", "svm.post_existence", "svm.prior_to_post_ratio",
                       "rmia.online.auc", "rmia.offline.auc"] {
            #expect(AttackRegistry.metricNames.contains(metric), "\(metric)")
            #expect(AttackRegistry.attack(measuring: metric)?.name == String(metric.split(separator: ".")[0]))
        }
        #expect(AttackRegistry.named("forget-quality")?.name == "forget_quality")
        #expect(AttackRegistry.named("lira") == nil)
    }

    @Test func optionsParseTheirKindsAndRefuseTheRest() throws {
        #expect(try UMIAAttack.folds.parse("5") == .integer(5))
        #expect(throws: AttackError.self) { _ = try UMIAAttack.folds.parse("1") }
        #expect(throws: AttackError.self) { _ = try UMIAAttack.folds.parse("five") }
        #expect(try RMIAAttack.gamma.parse("2.5") == .number(2.5))
        #expect(throws: AttackError.self) { _ = try RMIAAttack.offlineA.parse("1.5") }
        #expect(throws: AttackError.self) { _ = try ULiRAAttack.variance.parse("wide") }
    }

    /// A stored detail decodes back to its type and presents the same blocks; the tree's JSON is
    /// the typed value's JSON, byte for byte.
    @Test func detailsRoundTripThroughTheStoredForm() throws {
        let table = try SyntheticSignals.table(shadows: 4, golds: 2, examples: 60, population: 20, leaks: true)
        let suite = try AttackSuite.run([ULiRAAttack(), UMIAAttack(), RMIAAttack()], on: table)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for result in suite.results {
            #expect(result.detail != nil)
            #expect(!AttackRegistry.presentation(of: result).isEmpty)
            let stored = try JSONDecoder().decode(AttackResult.self, from: try encoder.encode(result))
            #expect(stored == result)
            #expect(AttackRegistry.presentation(of: stored) == AttackRegistry.presentation(of: result))
        }
        let typed = try #require(try suite.results[0].detail?.decode(ULiRADetail.self))
        #expect(try encoder.encode(typed) == encoder.encode(try JSONValue(encoding: typed)))
        let unknown = AttackResult(attack: "future", title: "Future", variants: [:], values: [:], nulls: [:], options: [:], detail: .object([:]))
        #expect(AttackRegistry.presentation(of: unknown).count == 1)
    }
}
