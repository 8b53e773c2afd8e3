import AuditData
import Foundation
@testable import ModelAdapters
import NeuralNet
import Testing

/// Outputs files of a million rows load in time linear in their size: the safetensors header that
/// lists a million ids (two escaped quotes each) once took minutes to parse.
@Suite struct OutputsScaleTests {
    @Test func aSafetensorsOutputsFileWithAMillionIDsLoadsAndAnswersByID() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outputs-scale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let n = 1_000_000
        let ids = (0..<n).map { "row-\($0)" }
        var values = [Double](repeating: 0, count: 2 * n)
        for row in 0..<n {
            let p = Double(row % 1000) / 1000
            values[2 * row] = 1 - p
            values[2 * row + 1] = p
        }
        let url = directory.appendingPathComponent("big.safetensors")
        let idsJSON = String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)
        try Safetensors.write([.float64(name: "probabilities", shape: [n, 2], values: values)], metadata: ["ids": idsJSON], to: url)
        let header = try Safetensors.read(contentsOf: url).metadata["ids"]
        #expect(header == idsJSON)
        let adapter = try OutputsAdapter(settings: .init(path: url.path))
        #expect(adapter.rows.count == 2 * n)
        #expect(adapter.rows[2 * 999_999 + 1] == 0.999)
    }
}
