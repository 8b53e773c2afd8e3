import Foundation
import SmallFixtureSupport
import Testing

/// A real Slurm: the job array that `miaudit models slurm` writes trains the small fixture's
/// models in shards, the dependent job audits from the cache, and the report equals a single
/// process's. Needs a running cluster named by SLURM_CONF (`scripts/slurm/local-slurm.sh start DIR`
/// starts a one-node one; CI does). Without one the test is skipped locally and fails under CI.
@Suite(.serialized) struct SlurmArrayTests {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether `sinfo` answers (a controller is up and this process may talk to it).
    static let slurmAvailable: Bool = {
        guard environment["SLURM_CONF"] != nil else { return false }
        return (try? run(URL(fileURLWithPath: "/usr/bin/env"), ["sinfo", "-h", "-o", "%T"]))?.status == 0
    }()

    static var required: Bool { environment["CI"] == "true" || environment["MIAUDIT_REQUIRE_SLURM"] == "1" }

    /// `scontrol show job ID`'s JobState of every task of the job (one for a plain job).
    static func jobStates(_ id: String) throws -> [String] {
        let shown = try run(URL(fileURLWithPath: "/usr/bin/env"), ["scontrol", "show", "job", id])
        guard shown.status == 0 else { return [] }
        return shown.standardOutput.components(separatedBy: .whitespacesAndNewlines)
            .filter { $0.hasPrefix("JobState=") }.map { String($0.dropFirst("JobState=".count)) }
    }

    static let finished: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED"]

    @Test func aJobArrayTrainsTheShardsAndTheDependentAuditEqualsASingleProcess() throws {
        guard Self.slurmAvailable else {
            #expect(!Self.required, "CI needs a running Slurm (SLURM_CONF): scripts/slurm/local-slurm.sh start DIR")
            return
        }
        let sharded = try ModelsCommandTests.Setup("slurm-array", method: "multidelete")
        defer { try? FileManager.default.removeItem(at: sharded.directory) }
        let logs = sharded.directory.appendingPathComponent("logs").path
        let written = try runMiaudit(["models", "slurm", sharded.spec, "--array-size", "3", "--throttle", "2", "--log-dir", logs,
                                      "--db", sharded.db, "--key", sharded.key, "--chdir", sharded.directory.path])
        #expect(written.status == 0, "\(written.standardError)")
        let script = sharded.directory.appendingPathComponent("job.sbatch")
        try Data(written.standardOutput.utf8).write(to: script)

        let submitted = try run(URL(fileURLWithPath: "/bin/bash"), [script.path])
        #expect(submitted.status == 0, "\(submitted.standardError)")
        let ids = try #require(submitted.standardOutput.split(separator: "\n").last).split(separator: " ").map(String.init)
        try #require(ids.count == 2, "\(submitted.standardOutput)")
        let (array, audit) = (ids[0], ids[1])

        // Wait for the audit job (it starts only after every task succeeded), at most 10 minutes.
        let deadline = Date().addingTimeInterval(600)
        var auditState: [String] = []
        while Date() < deadline {
            auditState = try Self.jobStates(audit)
            if let state = auditState.first, Self.finished.contains(state) { break }
            Thread.sleep(forTimeInterval: 1)
        }
        let taskStates = try Self.jobStates(array)
        let logList = (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []
        #expect(taskStates == ["COMPLETED", "COMPLETED", "COMPLETED"], "array \(array): \(taskStates); logs \(logList)")
        // The gate's exit status is the audit job's: 0 (COMPLETED) or 1 (FAILED) both mean it ran.
        #expect(["COMPLETED", "FAILED"].contains(auditState.first ?? ""), "audit \(audit): \(auditState)")
        let auditLog = try String(contentsOfFile: "\(logs)/\(ModelsCommandTests.jobName("slurm-array"))-audit-\(audit).out", encoding: .utf8)
        #expect(auditLog.contains("report 1 in \(sharded.db)"), "\(auditLog)")
        for task in 0..<3 {
            let log = try String(contentsOfFile: "\(logs)/\(ModelsCommandTests.jobName("slurm-array"))-models-\(array)_\(task).out", encoding: .utf8)
            #expect(log.contains("shard \(task)/3 of scale slurm-array: trained"), "\(log)")
        }
        let exported = try runMiaudit(["report", "export", "1", "--db", sharded.db, "--format", "json", "--out", "-"])
        #expect(exported.status == 0, "\(exported.standardError)")

        // The same spec in one process, from an empty cache.
        let single = try ModelsCommandTests.Setup("slurm-array", method: "multidelete")
        defer { try? FileManager.default.removeItem(at: single.directory) }
        let whole = try runMiaudit(["audit", single.spec, "--db", single.db, "--key", single.key, "--format", "json", "--threads", "1"])
        #expect([0, 1].contains(whole.status), "\(whole.standardError)")
        let a = try ModelsCommandTests.digestInputs(exported.standardOutput), b = try ModelsCommandTests.digestInputs(whole.standardOutput)
        #expect(a.metrics == b.metrics && !a.metrics.isEmpty)
        #expect(a.models == b.models && a.models.count == 6)
        #expect(a.original == b.original)
    }
}
