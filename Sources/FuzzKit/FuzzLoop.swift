import Foundation

/// Fixed-count, in-process fuzz runs with `FuzzMutator`, and the seed corpus on disk.
public enum FuzzLoop {
    /// What a run did.
    public struct Summary: Sendable, Equatable {
        /// Inputs executed: the corpus as it stands, then mutated inputs.
        public var executions = 0
        /// Inputs the parser accepted (returned a value for).
        public var accepted = 0
    }

    /// Runs `harness` on every corpus input, then on mutated inputs until `runs` executions.
    ///
    /// A trap in the parser ends the process (that is the finding); `beforeEach` sees each input
    /// before it runs, e.g. to leave it on disk as the reproducer. Deterministic for a given seed.
    public static func run(_ harness: FuzzHarness, corpus: [Data], runs: Int, seed: UInt64, maximumLength: Int = 4096,
                           beforeEach: (Data) -> Void = { _ in }) -> Summary {
        precondition(runs >= 0, "runs must be non-negative, got \(runs)")
        var summary = Summary()
        var mutator = FuzzMutator(seed: seed, corpus: corpus, maximumLength: maximumLength)
        var pending = corpus[...]
        while summary.executions < runs {
            let input = pending.popFirst() ?? mutator.next()
            beforeEach(input)
            if harness.run(input) { summary.accepted += 1 }
            summary.executions += 1
        }
        return summary
    }

    /// The files of `directory` (not recursive), sorted by name; hidden files are skipped.
    public static func corpus(in directory: URL) throws -> [Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
    }
}
