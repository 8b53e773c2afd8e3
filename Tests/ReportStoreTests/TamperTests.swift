import Foundation
import GRDB
import ReportStore
import Testing

/// Changes made behind the store's back (triggers dropped, foreign keys off, raw SQL), each of
/// which `verify` must report.
@Suite("Tamper detection")
struct TamperTests {
    let key = SigningKey()

    /// Every position when `count` ≤ 1000, else 1000 evenly spread positions including both ends.
    private func samplePositions(_ count: Int) -> [Int] {
        guard count > 1000 else { return Array(0 ..< count) }
        return Array(Set((0 ..< 999).map { $0 * count / 999 } + [count - 1])).sorted()
    }

    @Test func everyFlippedPayloadByteIsDetected() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3, noteLength: 3000)
            let original = try #require(try store.report(id: 2))
            #expect(original.payload.count > 3000)
            try dropProtections(store)
            let positions = samplePositions(original.payload.count)
            #expect(positions.count == 1000)
            var undetected: [Int] = []
            for position in positions {
                var payload = original.payload
                payload[payload.startIndex + position] ^= 0xff
                try execute(store, "UPDATE reports SET payload = ? WHERE id = 2", [payload])
                let problems = try store.verify(id: 2, trustedKeys: [key.verifyingKey]).problems
                let digestCaught = problems.contains { if case .digestMismatch(2, original.digest, _) = $0 { true } else { false } }
                if !digestCaught || !problems.contains(.invalidSignature(reportID: 2, keyID: key.keyID)) {
                    undetected.append(position)
                }
            }
            #expect(undetected == [])
            try execute(store, "UPDATE reports SET payload = ? WHERE id = 2", [original.payload])
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]) == VerificationResult(checkedReports: 3, problems: []))
        }
    }

    @Test func everyFlippedSignatureByteIsDetected() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            let original = try #require(try store.report(id: 2))
            try dropProtections(store)
            #expect(original.signature.count == 64)
            var wrongResults: [Int] = []
            for position in 0 ..< original.signature.count {
                var signature = original.signature
                signature[signature.startIndex + position] ^= 0xff
                try execute(store, "UPDATE reports SET signature = ? WHERE id = 2", [signature])
                let result = try store.verify(id: 2, trustedKeys: [key.verifyingKey])
                if result.problems != [.invalidSignature(reportID: 2, keyID: key.keyID)] { wrongResults.append(position) }
            }
            #expect(wrongResults == [])
        }
    }

    @Test func queryColumnsAndStoredKeyAreCheckedAgainstThePayload() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            try dropProtections(store)
            try execute(store, "UPDATE reports SET verdict = 'pass', metrics = '{\"u_lira_auc\":0.5}' WHERE id = 2")
            var otherKey = key.verifyingKey.rawRepresentation
            otherKey[otherKey.startIndex] ^= 1
            try execute(store, "UPDATE reports SET public_key = ? WHERE id = 3", [otherKey])
            let result = try store.verifyAll(trustedKeys: [key.verifyingKey])
            #expect(result.problems == [
                .columnMismatch(reportID: 2, column: "verdict", stored: "pass", derived: "fail"),
                .columnMismatch(reportID: 2, column: "metrics", stored: #"{"u_lira_auc":0.5}"#,
                                derived: #"{"forget_quality_p":0.25,"u_lira_auc":0.52}"#),
                .keyIDMismatch(reportID: 3, stored: key.keyID, computed: VerifyingKey.keyID(forRawPublicKey: otherKey)),
            ])
        }
    }

    @Test func deletedMiddleReportBreaksTheChain() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            let digests = try store.list().map(\.digest)
            try dropProtections(store)
            try execute(store, "DELETE FROM reports WHERE id = 2")
            let expected: [VerificationProblem] = [
                .missingReports(afterID: 1, beforeID: 3),
                .brokenLink(reportID: 3, previousReportID: 1, expected: digests[0], found: digests[1]),
            ]
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]) == VerificationResult(checkedReports: 2, problems: expected))
            #expect(try store.verify(id: 3, trustedKeys: [key.verifyingKey]).problems == expected)
            #expect(try store.verify(id: 1, trustedKeys: [key.verifyingKey]).isValid)
        }
    }

    @Test func deletedFirstAndLastReportsAreDetected() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            let digests = try store.list().map(\.digest)
            try dropProtections(store)
            try execute(store, "DELETE FROM reports WHERE id = 3")
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).problems == [.missingTrailingReports(afterID: 2, lastIssuedID: 3)])
            try execute(store, "DELETE FROM reports WHERE id = 1")
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).problems == [
                .missingReports(afterID: nil, beforeID: 2),
                .firstReportHasPredecessor(reportID: 2, previousDigest: digests[0]),
                .missingTrailingReports(afterID: 2, lastIssuedID: 3),
            ])
        }
    }

    @Test func swappedReportsBreakTheChain() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            let digests = try store.list().map(\.digest)
            try dropProtections(store)
            try execute(store, "UPDATE reports SET id = -2 WHERE id = 2; UPDATE reports SET id = 2 WHERE id = 3; UPDATE reports SET id = 3 WHERE id = -2")
            #expect(try store.list().map(\.digest) == [digests[0], digests[2], digests[1]])
            let result = try store.verifyAll(trustedKeys: [key.verifyingKey])
            #expect(result.problems == [
                .brokenLink(reportID: 2, previousReportID: 1, expected: digests[0], found: digests[1]),
                .brokenLink(reportID: 3, previousReportID: 2, expected: digests[2], found: digests[0]),
            ])
        }
    }

    @Test func reportSignedByAnUntrustedKeyIsRejected() throws {
        try withTemporaryDirectory { directory in
            let stranger = SigningKey()
            let store = try makeStore(in: directory, key: key, count: 2)
            let foreign = try appendFixture(store, key: stranger, name: "foreign")
            // The stored public key verifies the signature, but it is not trusted by itself.
            #expect(stranger.verifyingKey.isValidSignature(foreign.signature, for: foreign.payload))
            #expect(try store.verify(id: 3, trustedKeys: [key.verifyingKey]).problems
                == [.untrustedKey(reportID: 3, keyID: stranger.keyID)])
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).problems == [.untrustedKey(reportID: 3, keyID: stranger.keyID)])
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey, stranger.verifyingKey]).isValid)
            #expect(try store.verifyAll(trustedKeys: []).problems.count == 3)
        }
    }

    @Test func reSignedReplacementIsCaughtByKeyAndChain() throws {
        try withTemporaryDirectory { directory in
            let store = try makeStore(in: directory, key: key, count: 3)
            let digests = try store.list().map(\.digest)
            let attacker = SigningKey()
            // A consistent replacement of report 2 (fail → pass) signed by the attacker's own key.
            let forged = try CanonicalJSON.encode(FixtureReport(
                auditName: "audit-2", previousDigest: digests[0], signerKeyID: attacker.keyID, gate: .init(verdict: "pass"),
                metrics: ["u_lira_auc": 0.52, "forget_quality_p": 0.25], notes: String(repeating: "n", count: 40)))
            let forgedDigest = CanonicalJSON.digest(of: forged)
            try dropProtections(store)
            try execute(store, """
                UPDATE reports SET payload = ?, digest = ?, signature = ?, key_id = ?, public_key = ?, verdict = 'pass' WHERE id = 2
                """, [forged, forgedDigest, try attacker.signature(for: forged), attacker.keyID, attacker.verifyingKey.rawRepresentation])
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).problems == [
                .untrustedKey(reportID: 2, keyID: attacker.keyID),
                .brokenLink(reportID: 3, previousReportID: 2, expected: forgedDigest, found: digests[1]),
            ])
            // Relinking report 3 is caught too: its signed payload records the old predecessor.
            try execute(store, "UPDATE reports SET previous_digest = ? WHERE id = 3", [forgedDigest])
            #expect(try store.verifyAll(trustedKeys: [key.verifyingKey]).problems == [
                .untrustedKey(reportID: 2, keyID: attacker.keyID),
                .payloadLinkMismatch(reportID: 3, column: "previous_digest", recorded: digests[1], stored: forgedDigest),
            ])
        }
    }
}
