import AuditData
import Foundation
import ModelAdapters
import ReferenceModels
import SmallFixtureSupport
import Testing

/// `references.json` of supplied reference models: what is read, and each bad manifest's message.
struct SuppliedReferencesTests {
    /// Writes `json` as references.json in a fresh directory and loads it.
    func load(_ json: String) throws -> SuppliedReferences {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supplied-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(json.utf8).write(to: directory.appendingPathComponent("references.json"))
        return try SuppliedReferences.load(directory: directory)
    }

    func message(_ json: String) -> String {
        do {
            _ = try load(json)
            return "loaded"
        } catch {
            return "\(error)".components(separatedBy: "references.json: ").last ?? "\(error)"
        }
    }

    let outputs = #"{"kind": "outputs", "path": "m.npy", "ids": "m.ids.json"}"#

    @Test func aManifestIsReadWithItsPathsTakenFromItsDirectory() throws {
        let references = try load(#"{"format": 1, "shadow_method": "none", "keep": {"ids": ["a", "b"], "rows": [[1, 0], [0, 1]]}, "shadows": [\#(outputs), \#(outputs)], "golds": [\#(outputs)]}"#)
        #expect(references.keep == [[true, false], [false, true]])
        #expect(references.keepIDs == ["a", "b"] && references.shadowMethod == "none")
        guard case let .outputs(settings) = references.golds[0] else {
            Issue.record("the gold model is not an outputs adapter")
            return
        }
        #expect(settings.path == references.directory + "/m.npy" && settings.ids == references.directory + "/m.ids.json")
    }

    @Test func badManifestsNameTheFieldAndTheFix() {
        #expect(message(#"{"format": 2, "golds": []}"#).hasPrefix("format is 2 but this miaudit reads format 1"))
        #expect(message(#"{"golds": []}"#).hasPrefix("format is missing"))
        #expect(message(#"{"format": 1, "shadows": [\#(outputs)]}"#).hasPrefix("keep is missing"))
        #expect(message(#"{"format": 1, "keep": {"ids": ["a"], "rows": [[1]]}, "shadows": [\#(outputs)]}"#).hasPrefix("shadow_method is missing"))
        #expect(message(#"{"format": 1, "shadow_method": "none", "keep": {"ids": ["a"], "rows": [[1], [0]]}, "shadows": [\#(outputs)]}"#)
            .hasPrefix("keep.rows has 2 rows but there are 1 shadows"))
        #expect(message(#"{"format": 1, "shadow_method": "none", "keep": {"ids": ["a", "b"], "rows": [[1]]}, "shadows": [\#(outputs)]}"#)
            .hasPrefix("keep.rows[0] has 1 entries but keep.ids names 2 examples"))
        #expect(message(#"{"format": 1, "shadow_method": "none", "keep": {"ids": ["a", "a"], "rows": [[1, 0]]}, "shadows": [\#(outputs)]}"#)
            .hasPrefix("keep.ids names a twice"))
        #expect(message(#"{"format": 1, "golds": [{"kind": "outputs"}]}"#).contains("path is missing"))
        #expect(message("not json").hasPrefix("not JSON"))
    }

    @Test func theKeepMatrixCoversExactlyThePoolAndEveryExampleIsInAndOut() throws {
        let (dataSet, _) = try SmallFixtureSupport.load()
        let pool = try AttackPool(forget: try dataSet.indices(ofSplit: "forget"), holdout: try dataSet.indices(ofSplit: "holdout"))
        let ids = pool.rows.map { dataSet.ids[$0] }
        let reversed = Array(ids.reversed())
        // Shadow 0 keeps the first half of the reversed ids, shadow 1 the rest.
        let rows = [reversed.indices.map { $0 < reversed.count / 2 }, reversed.indices.map { $0 >= reversed.count / 2 }]
        let references = SuppliedReferences(directory: "/d", shadowMethod: "none", keepIDs: reversed, keep: rows, shadows: [], golds: [])
        let keep = try references.keepMatrix(pool: pool, in: dataSet)
        #expect(keep.rows[0] == ids.indices.map { $0 >= ids.count - ids.count / 2 })
        #expect(keep.rows[1] == keep.rows[0].map { !$0 })

        let missing = SuppliedReferences(directory: "/d", shadowMethod: "none", keepIDs: Array(reversed.dropLast()),
                                         keep: rows.map { Array($0.dropLast()) }, shadows: [], golds: [])
        #expect(throws: ReferenceModelError.self) { try missing.keepMatrix(pool: pool, in: dataSet) }
        let everywhere = SuppliedReferences(directory: "/d", shadowMethod: "none", keepIDs: reversed,
                                            keep: [rows[0], rows[0].indices.map { _ in true }], shadows: [], golds: [])
        let error = #expect(throws: ReferenceModelError.self) { try everywhere.keepMatrix(pool: pool, in: dataSet) }
        #expect(error?.description.contains("is kept by every shadow; the online attacks need each example in some shadows and out of others") == true)
    }
}
