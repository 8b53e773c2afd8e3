import Foundation
import FuzzKit
import Testing

/// Each harness for a short fixed count from its committed seed corpus, with a fixed seed: the
/// counts run, the corpus loads, and nothing traps (a trap would end the test process). The long
/// coverage-guided runs are scripts/fuzz.sh's (fuzz/README.md).
@Suite struct FuzzSmokeTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/corpus")
    static let executions = 3_000

    @Test(arguments: FuzzHarness.all.map(\.name))
    func harnessRunsItsCountWithoutTrapping(name: String) throws {
        let harness = try #require(FuzzHarness.named(name))
        let corpus = try FuzzLoop.corpus(in: Self.corpusRoot.appendingPathComponent(name))
        #expect(corpus.count >= 3, "fuzz/corpus/\(name) should hold a few seeds")
        let summary = FuzzLoop.run(harness, corpus: corpus, runs: Self.executions, seed: 17)
        #expect(summary.executions == Self.executions)
        // Every corpus holds at least one valid input, so a parser that rejects everything is caught.
        #expect(summary.accepted >= 1)
    }

    /// Seeds named bad-* are near-valid inputs the parser must refuse; every other seed is valid,
    /// so a harness that stopped reaching the parser's deeper checks would fail here.
    @Test(arguments: FuzzHarness.all.map(\.name))
    func validSeedsAreAcceptedAndBadOnesRefused(name: String) throws {
        let harness = try #require(FuzzHarness.named(name))
        let directory = Self.corpusRoot.appendingPathComponent(name)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            let accepted = harness.run(try Data(contentsOf: directory.appendingPathComponent(file)))
            #expect(accepted == !file.hasPrefix("bad-"), "fuzz/corpus/\(name)/\(file)")
        }
    }

    @Test func mutatorIsDeterministicForASeed() {
        let corpus = [Data("{\"a\": [1, 2, 3]}".utf8), Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59])]
        var first = FuzzMutator(seed: 5, corpus: corpus, maximumLength: 64)
        var second = FuzzMutator(seed: 5, corpus: corpus, maximumLength: 64)
        let a = (0..<200).map { _ in first.next() }
        let b = (0..<200).map { _ in second.next() }
        #expect(a == b)
        #expect(a.allSatisfy { $0.count <= 64 })
        #expect(Set(a).count > 100, "mutations should vary")
    }
}
