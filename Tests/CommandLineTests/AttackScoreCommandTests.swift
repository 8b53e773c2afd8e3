import AuditData
import Foundation
import MembershipInference
import NumericCore
import Stats
import Testing

/// `miaudit attack score`: the attacks on arrays of outputs supplied as .npy files, checked against
/// the same attacks run in process.
@Suite struct AttackScoreCommandTests {
    struct Arrays {
        let references: [[Double]], keep: [[Bool]], target: [Double], labels: [Bool]
        let referencePopulation: [[Double]], targetPopulation: [Double], golds: [[Double]], goldPopulation: [[Double]]
    }

    /// K = 8 references, M = 60 pool examples (first half members), Z = 40 population rows, 3 gold models;
    /// members are more likely under the references that trained on them and under the target.
    static func arrays() -> Arrays {
        var generator = RandomSource(seed: 5)
        func p(_ shift: Double) -> Double { 1 / (1 + exp(-(shift + generator.nextGaussian()))) }
        var keep = [[Bool]](repeating: [Bool](repeating: false, count: 60), count: 8)
        var order = Array(0..<8)
        for x in 0..<60 {
            generator.shuffle(&order)
            for k in order.prefix(4) { keep[k][x] = true }
        }
        let labels = (0..<60).map { $0 < 30 }
        return Arrays(references: keep.map { row in row.map { p($0 ? 2 : 0) } }, keep: keep, target: labels.map { p($0 ? 1.5 : 0) },
                      labels: labels, referencePopulation: (0..<8).map { _ in (0..<40).map { _ in p(0) } },
                      targetPopulation: (0..<40).map { _ in p(0) }, golds: (0..<3).map { _ in (0..<60).map { _ in p(0) } },
                      goldPopulation: (0..<3).map { _ in (0..<40).map { _ in p(0) } })
    }

    static func write(_ rows: [[Double]], _ url: URL) throws {
        try NPY.write(NPYArray(float64: rows.flatMap { $0 }, shape: [rows.count, rows[0].count]), to: url)
    }

    @Test func scoresArraysAsTheAttacksDoInProcess() throws {
        let directory = try temporaryDirectory("attack-score")
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = Self.arrays()
        func file(_ name: String) -> URL { directory.appendingPathComponent(name + ".npy") }
        try Self.write(a.references, file("refs"))
        try NPY.write(NPYArray(uint8: a.keep.flatMap { $0.map { $0 ? 1 : 0 } }, shape: [8, 60]), to: file("keep"))
        try NPY.write(NPYArray(float64: a.target), to: file("target"))
        try NPY.write(NPYArray(int64: a.labels.map { $0 ? 1 : 0 }), to: file("labels"))
        try Self.write(a.referencePopulation, file("refs_pop"))
        try NPY.write(NPYArray(float64: a.targetPopulation), to: file("target_pop"))
        try Self.write(a.golds, file("golds"))
        try Self.write(a.goldPopulation, file("golds_pop"))
        let base = ["attack", "score", "--reference-outputs", file("refs").path, "--keep", file("keep").path,
                    "--target-outputs", file("target").path, "--labels", file("labels").path]
        let population = ["--reference-population", file("refs_pop").path, "--target-population", file("target_pop").path]
        let golds = ["--gold-outputs", file("golds").path, "--gold-population", file("golds_pop").path]

        let run = try runMiaudit(base + population + golds + ["--format", "json"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["attack"] as? String } == ["ulira", "umia", "rmia"])
        // JSONSerialization may read numbers through Decimal and round them; JSONDecoder reads doubles exactly.
        struct Metric: Decodable {
            struct Null: Decodable { let values: [Double] }
            let value: Double
            let null: Null?
        }
        struct Report: Decodable { let metrics: [String: Metric] }
        let metrics = try JSONDecoder().decode(Report.self, from: Data(run.standardOutput.utf8)).metrics

        // In process: the same table through the same attacks.
        let table = try SignalTable(
            labels: a.labels,
            target: try ModelSignals(name: "t", trueClassProbability: a.target, population: a.targetPopulation),
            shadows: try (0..<8).map { try ModelSignals(name: "r\($0)", trueClassProbability: a.references[$0], population: a.referencePopulation[$0]) },
            membership: a.keep,
            golds: try (0..<3).map { try ModelSignals(name: "g\($0)", trueClassProbability: a.golds[$0], population: a.goldPopulation[$0]) },
            seed: 0)
        let suite = try AttackSuite.run([ULiRAAttack(), UMIAAttack(), RMIAAttack()], on: table)
        for name in ["ulira.online.auc", "ulira.offline.auc", "umia.shadow.auc", "umia.cross_validated.accuracy", "rmia.online.auc", "rmia.offline.auc"] {
            let expected = try #require(suite.measurements[name])
            #expect(metrics[name]?.value == expected.value, "\(name)")
            #expect(metrics[name]?.null?.values == expected.null?.values, "\(name) null")
        }
        #expect(try #require(suite.measurements["rmia.online.auc"]).value > 0.7)

        // Without population outputs RMIA is left out; asking for it then is a usage error.
        let noPopulation = try runMiaudit(base)
        #expect(noPopulation.status == 0 && noPopulation.standardOutput.contains("U-LiRA") && !noPopulation.standardOutput.contains("RMIA"),
                "\(noPopulation.standardError)")
        let rmiaOnly = try runMiaudit(base + ["--attacks", "rmia"])
        #expect(rmiaOnly.status == 64 && rmiaOnly.standardError.contains("rmia needs --reference-population"))
        let svm = try runMiaudit(base + ["--attacks", "svm"])
        #expect(svm.status == 64 && svm.standardError.contains("svm needs signals arrays cannot carry"))

        // Arrays that disagree, or hold no probabilities, name the file.
        try NPY.write(NPYArray(uint8: [UInt8](repeating: 1, count: 7 * 60), shape: [7, 60]), to: file("keep7"))
        let shape = try runMiaudit(base.map { $0 == file("keep").path ? file("keep7").path : $0 })
        #expect(shape.status == 65 && shape.standardError.contains("keep7.npy") && shape.standardError.contains("[7, 60]"))
        try NPY.write(NPYArray(float64: a.target.map { $0 * 3 }), to: file("logits"))
        let notProbabilities = try runMiaudit(base.map { $0 == file("target").path ? file("logits").path : $0 })
        #expect(notProbabilities.status == 65 && notProbabilities.standardError.contains("logits.npy")
                && notProbabilities.standardError.contains("not a probability in [0, 1]"))
    }
}
