import Foundation
import NumericCore
import ReportStore
import Testing

/// Reading a store is not writing it: list, show, verify and export open it read-only, so the
/// evidence's bytes are the same afterwards and a read-only copy can be verified.
@Suite("Report store, read-only")
struct ReadOnlyTests {
    let key = SigningKey()

    func sha256(_ url: URL) throws -> String {
        CanonicalJSON.digest(of: try Data(contentsOf: url))
    }

    @Test func readingAndVerifyingLeaveTheFileUnchangedAndWorkOnAReadOnlyCopy() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("reports.sqlite")
            do {
                let store = try SignedReportStore(path: path, columns: fixtureColumns)
                for index in 1...3 { try appendFixture(store, key: key, name: "audit-\(index)", verdict: "pass") }
            }
            let before = try sha256(path)
            do {
                let reader = try SignedReportStore(readingOnly: path, columns: fixtureColumns)
                #expect(try reader.list().count == 3)
                #expect(try reader.verifyAll(trustedKeys: [key.verifyingKey]).isValid)
                // A read-only store cannot be appended to.
                #expect(throws: (any Error).self) { try appendFixture(reader, key: key, name: "audit-4", verdict: "pass") }
            }
            #expect(try sha256(path) == before)

            let copy = directory.appendingPathComponent("copy.sqlite")
            try FileManager.default.copyItem(at: path, to: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy.path)
            let reader = try SignedReportStore(readingOnly: copy, columns: fixtureColumns)
            let result = try reader.verifyAll(trustedKeys: [key.verifyingKey])
            #expect(result.isValid && result.checkedReports == 3)
            #expect(try sha256(copy) == before)
        }
    }

    @Test func aFileThatIsNotAStoreIsRefusedWithoutBeingChanged() throws {
        try withTemporaryDirectory { directory in
            let text = directory.appendingPathComponent("notes.sqlite")
            try Data("not a database".utf8).write(to: text)
            #expect(throws: ReportStoreError.self) { _ = try SignedReportStore(readingOnly: text, columns: fixtureColumns) }
            #expect(try Data(contentsOf: text) == Data("not a database".utf8))
            let empty = directory.appendingPathComponent("empty.sqlite")
            try Data().write(to: empty)
            let error = #expect(throws: ReportStoreError.self) { _ = try SignedReportStore(readingOnly: empty, columns: fixtureColumns) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("not a report store at this miaudit's schema"))
            #expect(try Data(contentsOf: empty).isEmpty)
        }
    }
}
