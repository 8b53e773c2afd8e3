import Foundation
import NumericCore
import ReportStore
import Testing

@Suite("Canonical JSON payloads")
struct CanonicalJSONTests {
    struct Sample: Encodable {
        var b = 1
        var a = "x/y"
        var c = [1, 2]
    }

    struct Result: Encodable {
        var name: String
        var auc: Double
    }

    struct Nested: Encodable {
        var results: [Result]
    }

    @Test func sortsKeysWithoutWhitespaceOrEscapedSlashes() throws {
        let payload = try CanonicalJSON.encode(Sample())
        #expect(String(decoding: payload, as: UTF8.self) == #"{"a":"x/y","b":1,"c":[1,2]}"#)
        #expect(CanonicalJSON.digest(of: payload) == "3e0c2670286de893324ab3ea1e9b0f5ebc0287b0de264c5cbeeaebf93bd9a9a5")
    }

    @Test func digestIsSHA256Hex() {
        // FIPS 180-2 test vector for "abc".
        #expect(CanonicalJSON.digest(of: Data("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func encodingIsDeterministic() throws {
        let report = FixtureReport(auditName: "a", previousDigest: nil, signerKeyID: "ed25519:0000000000000000",
                                   gate: .init(verdict: "pass"), metrics: ["z": 1, "a": 0.5, "m": 2], notes: "")
        let first = try CanonicalJSON.encode(report)
        #expect(try CanonicalJSON.encode(report) == first)
        #expect(String(decoding: first, as: UTF8.self)
            == #"{"audit_name":"a","gate":{"verdict":"pass"},"metrics":{"a":0.5,"m":2,"z":1},"notes":"","#
            + #""previous_digest":null,"schema_version":1,"signer_key_id":"ed25519:0000000000000000"}"#)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func rejectsNonFiniteNumbersNamingTheField(value: Double) throws {
        let report = Nested(results: [Result(name: "svm", auc: 0.5), Result(name: "lira", auc: value)])
        let error = #expect(throws: ReportStoreError.self) { try CanonicalJSON.encode(report) }
        #expect(error == .nonFiniteNumber(field: "results[1].auc"))
        #expect(error?.exitStatus == .data)
        #expect(error?.description.contains("'results[1].auc'") == true)
    }
}
