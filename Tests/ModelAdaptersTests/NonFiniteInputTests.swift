import AuditData
import Foundation
import MatchingTask
@testable import ModelAdapters
import NeuralNet
import NumericCore
import Testing

/// Numbers that break arithmetic are refused where they enter, not passed on as NaN results.
@Suite struct NonFiniteInputTests {
    @Test func aModelWhoseWeightsOverflowIsRefusedNotAnsweredWithNaN() throws {
        let dataSet = try loadSmallFixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-huge-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var (model, _) = try savedRandomModel(for: dataSet, in: directory)
        // Finite weights, every one 3.4e38: the first layer's sums overflow to infinity.
        for index in model.layers.indices {
            model.layers[index].weight.storage = model.layers[index].weight.storage.map { _ in 3.4e38 }
        }
        let url = directory.appendingPathComponent("huge.safetensors")
        try model.save(to: url)
        let adapter = try NativeAdapter(settings: .init(path: url.path, allowOtherData: true))
        let error = #expect(throws: AdapterError.self) { _ = try adapter.probabilities(forRows: [0, 1, 2], in: dataSet) }
        #expect(error?.problem.contains("so its probabilities are not numbers; its weights overflow 32-bit arithmetic") == true)
        #expect(error?.problem.contains("example \(dataSet.ids[0])") == true)
        #expect(error?.exitStatus == .data)
    }

    @Test func aCSVNumberWithANULByteIsRefused() throws {
        let dataSet = try loadSmallFixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("miaudit-nul-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("p.csv")
        try Data("id,no_match,match\n\(dataSet.ids[0]),0.5\u{0}xyz,0.5\n".utf8).write(to: url)
        let error = #expect(throws: AdapterError.self) { _ = try OutputsAdapter(settings: .init(path: url.path)) }
        #expect(error?.problem == "line 2, field 2 ('no_match') is '0.5\\0xyz', not a finite number")
    }
}
