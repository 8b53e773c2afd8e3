import AuditData
import Foundation
import ModelAdapters
import NeuralNet
import NumericCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths, the Python interpreter and shared fixtures of the process-adapter tests.
enum ProcessTestSupport {
    /// The package root, found from this file's path (Tests/ModelAdaptersTests/ProcessAdapterTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The interpreter of the `python3` on PATH that imports numpy (its real path, past any pyenv
    /// shim), or nil: the tests are skipped without it.
    static let python: String? = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, numpy; print(sys.executable)"]
        // Output to a file, not a pipe: a pipe's end of file waits for every process that inherited
        // its write end, and the tests start children concurrently.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-python-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        guard let output = try? FileHandle(forWritingTo: file) else { return nil }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        try? output.close()
        let data = (try? Data(contentsOf: file)) ?? Data()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !path.isEmpty ? path : nil
    }()

    static var hasPython: Bool { python != nil }

    /// Tests/ModelAdaptersTests/Fixtures/process/NAME.
    static func fixture(_ name: String) -> String {
        root.appendingPathComponent("Tests/ModelAdaptersTests/Fixtures/process/\(name)").path
    }

    /// fixtures/emoji-cldr-small, loaded once.
    static let small: PairDataSet? = try? PairDataSet.load(directory: root.appendingPathComponent("fixtures/emoji-cldr-small"))

    /// A fresh temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ProcessAdapterTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A random fusion model for `dataSet`'s widths, its head scaled so probabilities spread far
    /// from 0.5, saved as `directory/model.safetensors`.
    static func randomModel(for dataSet: PairDataSet, activation: Activation, hidden: [Int] = [64, 32],
                            headScale: Float = 60, seed: UInt64, in directory: URL) throws -> URL {
        let architecture = FusionArchitecture(imageFeatures: dataSet.images.columns, textFeatures: dataSet.texts.columns,
                                              imageHidden: hidden, textHidden: hidden, fusionHidden: [hidden.last ?? 32],
                                              activation: activation)
        var mean = [Float](repeating: 0, count: dataSet.images.columns)
        for r in 0..<dataSet.images.rows {
            for c in 0..<dataSet.images.columns { mean[c] += dataSet.images[r, c] / Float(dataSet.images.rows) }
        }
        var generator = RandomSource(seed: seed)
        var model = FusionModel(architecture: architecture, imageMean: mean, generator: &generator)
        let head = model.layerRange(of: .head).lowerBound
        model.layers[head].weight.scale(by: headScale)
        let url = directory.appendingPathComponent("model.safetensors")
        try model.save(to: url)
        return url
    }

    /// True when no process has id `pid` any more (reaped, not a zombie).
    static func isGone(_ pid: Int32) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    /// The largest |a − b| / max(|b|, 1e-12) over all entries.
    static func maximumRelativeError(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) / max(abs($1), 1e-12) } }.max() ?? 0
    }
}

@Suite("process adapter against the native one", .enabled(if: ProcessTestSupport.hasPython && ProcessTestSupport.small != nil))
struct ProcessAdapterTests {
    @Test("examples/fusion_adapter.py gives the native probabilities to 1e-5 relative",
          arguments: [(AdapterDescription.ArrayEncoding.base64, Activation.relu, ["--outputs", "logits"]),
                      (.base64, .gelu, ["--outputs", "probabilities", "--f32-inputs"]),
                      (.base64, .relu, ["--dtype", "float64"]),
                      (.json, .gelu, ["--outputs", "logits", "--dtype", "float64"]),
                      (.json, .relu, ["--outputs", "probabilities"])])
    func matchesNative(encoding: AdapterDescription.ArrayEncoding, activation: Activation, options: [String]) throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelURL = try ProcessTestSupport.randomModel(for: dataSet, activation: activation, seed: 11, in: directory)

        let n = dataSet.count
        let queries = (0..<n).map(PairQuery.truePair)
            + (0..<n).map { PairQuery(image: $0, text: ($0 * 7 + 3) % n) }
            + (0..<n).map { PairQuery(image: $0, text: $0, view: .paraphrase) }
            + (0..<40).map { PairQuery(image: $0, text: n - 1 - $0, view: .paraphrase) }
        let native = try NativeAdapter(settings: .init(path: modelURL.path))
        let expected = try native.probabilities(for: queries, in: dataSet)

        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.root.appendingPathComponent("examples/fusion_adapter.py").path,
                      "--model", modelURL.path] + options,
            timeoutSeconds: 60, batchSize: 100, encoding: encoding)
        let adapter = try ProcessAdapter(settings: settings, inputs: .init(dataSet))
        let actual = try adapter.probabilities(for: queries, in: dataSet)
        let pid = adapter.processIdentifier
        adapter.close()

        #expect(actual.count == queries.count)
        #expect(actual.allSatisfy { $0.count == 2 && abs($0[0] + $0[1] - 1) <= 1e-12 })
        let error = ProcessTestSupport.maximumRelativeError(actual, expected)
        #expect(error <= 1e-5, "max relative error \(error)")
        // The comparison means something only if the probabilities spread.
        let matches = expected.map { $0[1] }
        #expect((matches.max() ?? 0) - (matches.min() ?? 0) > 0.3, "p(match) spans \(matches.min() ?? 0)...\(matches.max() ?? 0)")
        #expect(adapter.identity == AdapterIdentity(kind: "process", modelID: native.identity.modelID,
                                                    digest: native.identity.digest, classes: matchingClasses))
        #expect(ProcessTestSupport.isGone(pid))
    }

    @Test("close() is idempotent, reaps the child, and later requests fail")
    func closeReaps() throws {
        let (adapter, dataSet, directory) = try openExample()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pid = adapter.processIdentifier
        #expect(try adapter.probabilities(for: [], in: dataSet).isEmpty)
        adapter.close()
        adapter.close()
        #expect(ProcessTestSupport.isGone(pid))
        let error = #expect(throws: AdapterError.self) { try adapter.probabilities(forRows: [0], in: dataSet) }
        #expect(error?.problem == "the adapter was closed")
    }

    @Test("dropping the adapter reaps the child")
    func deinitReaps() throws {
        var pid: Int32 = 0
        var directory: URL?
        do {
            let (adapter, dataSet, made) = try openExample()
            directory = made
            pid = adapter.processIdentifier
            #expect(try adapter.probabilities(forRows: [0, 1], in: dataSet).count == 2)
        }
        defer { if let directory { try? FileManager.default.removeItem(at: directory) } }
        #expect(pid > 0 && ProcessTestSupport.isGone(pid))
    }

    @Test("the example refuses a data set of other widths in the handshake")
    func exampleRefusesOtherWidths() throws {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelURL = try ProcessTestSupport.randomModel(for: dataSet, activation: .relu, seed: 5, in: directory)
        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.root.appendingPathComponent("examples/fusion_adapter.py").path, "--model", modelURL.path])
        let error = #expect(throws: AdapterError.self) {
            try ProcessAdapter(settings: settings, inputs: .init(imageFeatures: 12, textFeatures: 384))
        }
        #expect(error?.request == "handshake")
        #expect(error?.problem.contains("the child replied with an error") == true)
        #expect(error?.problem.contains("miaudit announced 12 and 384") == true)
    }

    private func openExample() throws -> (ProcessAdapter, PairDataSet, URL) {
        let python = try #require(ProcessTestSupport.python)
        let dataSet = try #require(ProcessTestSupport.small)
        let directory = try ProcessTestSupport.temporaryDirectory()
        let modelURL = try ProcessTestSupport.randomModel(for: dataSet, activation: .relu, hidden: [8, 4], seed: 3, in: directory)
        let settings = AdapterDescription.ProcessSettings(
            command: [python, ProcessTestSupport.root.appendingPathComponent("examples/fusion_adapter.py").path, "--model", modelURL.path])
        return (try ProcessAdapter(settings: settings), dataSet, directory)
    }
}
