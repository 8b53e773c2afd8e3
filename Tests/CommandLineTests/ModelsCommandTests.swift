import Foundation
import SmallFixtureSupport
import Testing
import Yams

/// `miaudit models plan|train` and `audit --require-cached` on the small fixture: shards cover the
/// plan exactly once, and an audit from shard-trained models equals a single machine's.
@Suite(.serialized) struct ModelsCommandTests {
    /// A spec of the small fixture with 4 shadows applying `method` and 2 gold models, its key and store.
    struct Setup {
        let directory: URL
        let spec: String
        let key: String
        let db: String

        init(_ label: String, method: String = "none") throws {
            directory = try temporaryDirectory(label)
            key = directory.appendingPathComponent("keys/auditor.key").path
            db = directory.appendingPathComponent("audits.sqlite").path
            spec = directory.appendingPathComponent("spec.yaml").path
            try Data(SmallFixtureSupport.auditSpecYAML(name: "scale \(label)", method: method, in: directory).utf8)
                .write(to: URL(fileURLWithPath: spec))
            let generated = try runMiaudit(["keys", "generate", "--out", key])
            #expect(generated.status == 0, "\(generated.standardError)")
        }

        func plan() throws -> [String: Any] {
            let result = try runMiaudit(["models", "plan", spec, "--format", "json", "--shards", "3"])
            #expect(result.status == 0, "\(result.standardError)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        }
    }

    /// The job name `models slurm` gives a Setup's spec ("scale LABEL").
    static func jobName(_ label: String) -> String { "miaudit-scale-" + label }

    static func entries(_ plan: [String: Any]) throws -> [[String: Any]] {
        try #require(plan["entries"] as? [[String: Any]])
    }

    @Test func shardsTrainThePlanOnceAndTheAuditFromTheCacheEqualsASingleMachinesAudit() throws {
        let sharded = try Setup("sharded", method: "multidelete")
        defer { try? FileManager.default.removeItem(at: sharded.directory) }

        // The plan: the original, 4 shadows applying multidelete, 2 gold models; nothing cached.
        let plan = try sharded.plan()
        let entries = try Self.entries(plan)
        #expect(entries.map { "\($0["kind"]!)-\($0["index"]!)" }
            == ["original-0", "shadow-0", "shadow-1", "shadow-2", "shadow-3", "gold-0", "gold-1"])
        #expect(entries.allSatisfy { $0["cached"] as? Bool == false })
        #expect(entries.dropFirst().prefix(4).allSatisfy { $0["method"] as? String == "multidelete" })
        let keys = entries.compactMap { $0["key"] as? String }
        #expect(Set(keys).count == 7 && keys.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        #expect(entries.compactMap { $0["shard"] as? Int } == [0, 1, 2, 0, 1, 2, 0])
        #expect((plan["made_by_audit"] as? [String]) == ["the target: the original unlearned with multidelete"])

        // --require-cached refuses to train and names what is missing.
        let refused = try runMiaudit(["audit", sharded.spec, "--require-cached", "--db", sharded.db, "--key", sharded.key, "--threads", "1"])
        #expect(refused.status == 66, "\(refused.standardError)")
        #expect(refused.standardError.contains("7 model(s) are not in the cache: original 0 "), "\(refused.standardError)")
        #expect(refused.standardError.contains("shadow 3 (multidelete) \(keys[4].prefix(16))"))
        #expect(refused.standardError.contains("miaudit models train"))
        let listed = try runMiaudit(["report", "list", "--db", sharded.db, "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [Any])?.isEmpty == true,
                "\(listed.standardOutput)")

        // Three shards, the middle one from SLURM_ARRAY_TASK_ID: each trains exactly its own models.
        var trained: [String] = []
        for shard in 0..<3 {
            let result = shard == 1
                ? try run(miauditExecutable, ["models", "train", sharded.spec, "--shards", "3", "--threads", "1"],
                          environment: ProcessInfo.processInfo.environment.merging(["SLURM_ARRAY_TASK_ID": "1"]) { _, new in new })
                : try runMiaudit(["models", "train", sharded.spec, "--shard", "\(shard)/3", "--threads", "1"])
            #expect(result.status == 0, "\(result.standardError)")
            let expected = entries.filter { $0["shard"] as? Int == shard }
            #expect(result.standardOutput.contains("shard \(shard)/3 of scale sharded: trained \(expected.count) model(s), 0 already cached"),
                    "\(result.standardOutput)")
            for entry in expected {
                let name = "\(entry["kind"]!) \(entry["index"]!)"
                #expect(result.standardOutput.contains("trained \(name)"), "\(name) not in \(result.standardOutput)")
                trained.append(name)
            }
        }
        #expect(trained.count == 7 && Set(trained).count == 7)
        #expect(try Self.entries(try sharded.plan()).allSatisfy { $0["cached"] as? Bool == true })
        // A shard run again trains nothing.
        let again = try runMiaudit(["models", "train", sharded.spec, "--shard", "0/3", "--threads", "1"])
        #expect(again.standardOutput.contains("trained 0 model(s), 3 already cached"), "\(again.standardOutput)")

        let fromCache = try runMiaudit(["audit", sharded.spec, "--require-cached", "--db", sharded.db, "--key", sharded.key,
                                        "--format", "json", "--threads", "1"])
        #expect([0, 1].contains(fromCache.status), "\(fromCache.standardError)")

        // The same spec on one machine, from an empty cache.
        let single = try Setup("sharded", method: "multidelete")
        defer { try? FileManager.default.removeItem(at: single.directory) }
        let whole = try runMiaudit(["audit", single.spec, "--db", single.db, "--key", single.key, "--format", "json", "--threads", "1"])
        #expect(whole.status == fromCache.status, "\(whole.standardError)")
        let a = try Self.digestInputs(fromCache.standardOutput), b = try Self.digestInputs(whole.standardOutput)
        #expect(a.metrics == b.metrics)
        #expect(a.models == b.models && a.models.count == 6)
        #expect(a.original == b.original)
        // A native target's retrieval recall is in the report (the pipeline's recording wrapper once hid it).
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fromCache.standardOutput.utf8)) as? [String: Any])
        let audited = try #require((report["utility"] as? [String: Any])?["audited"] as? [String: Any])
        let recall = try #require(audited["test_recall"] as? [String: [String: Double]], "no test_recall in \(audited.keys.sorted())")
        #expect(recall["image_to_text"]?.keys.sorted() == ["1", "10", "5"])
        #expect((recall["image_to_text"]?["10"] ?? -1) >= (recall["image_to_text"]?["1"] ?? 2))
    }

    /// The report's metric values, its reference models' content keys, and the original's digest.
    static func digestInputs(_ json: String) throws -> (metrics: [String: Double], models: [String], original: String) {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let metrics = try #require(report["metrics"] as? [String: [String: Any]])
        var values: [String: Double] = [:]
        for (name, metric) in metrics { values[name] = metric["value"] as? Double }
        let references = try #require(report["references"] as? [String: Any])
        let models = ((references["shadow_models"] as? [[String: Any]]) ?? []) + ((references["gold_models"] as? [[String: Any]]) ?? [])
        let original = try #require(((report["models"] as? [String: Any])?["original"] as? [String: Any])?["digest"] as? String)
        return (values, models.compactMap { $0["key"] as? String }, original)
    }

    @Test func badShardsAreRefusedWithTheFix() throws {
        let setup = try Setup("bad-shards")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let cases: [([String], String)] = [
            (["--shard", "3/3"], "0 ≤ I < N"),
            (["--shard", "1"], "--shard takes I/N"),
            (["--shard", "0/2", "--shards", "2"], "not both"),
            (["--shards", "4"], "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set"),
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_ARRAY_TASK_ID"] = nil
        environment["JOB_COMPLETION_INDEX"] = nil
        for (arguments, message) in cases {
            let result = try run(miauditExecutable, ["models", "train", setup.spec] + arguments, environment: environment)
            #expect(result.status == 64, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
        environment["JOB_COMPLETION_INDEX"] = "x"
        let garbled = try run(miauditExecutable, ["models", "train", setup.spec, "--shards", "2"], environment: environment)
        #expect(garbled.status == 64 && garbled.standardError.contains("JOB_COMPLETION_INDEX is \"x\""), "\(garbled.standardError)")

        // A spec without a cache cannot be trained ahead.
        let noCache = setup.directory.appendingPathComponent("no-cache.yaml").path
        let text = try String(contentsOfFile: setup.spec, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("cache:") }
            .joined(separator: "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: noCache))
        let refused = try runMiaudit(["models", "train", noCache, "--shard", "0/1"])
        #expect(refused.status == 64 && refused.standardError.contains("has no cache directory"), "\(refused.standardError)")
        let slurm = try runMiaudit(["models", "slurm", noCache, "--array-size", "2"])
        #expect(slurm.status == 64 && slurm.standardError.contains("no cache: directory"), "\(slurm.standardError)")
    }

    @Test func theSlurmScriptIsValidBashWithTheArrayThrottleLogsAndDependentAudit() throws {
        let setup = try Setup("slurm-script")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let result = try runMiaudit(["models", "slurm", setup.spec, "--array-size", "8", "--throttle", "3", "--partition", "cpu",
                                     "--time", "01:00:00", "--cpus-per-task", "2", "--log-dir", setup.directory.appendingPathComponent("logs").path,
                                     "--db", setup.db, "--key", setup.key])
        #expect(result.status == 0, "\(result.standardError)")
        let script = result.standardOutput
        let lines = script.split(separator: "\n").map(String.init)
        #expect(lines.first == "#!/bin/bash")
        for directive in ["--job-name=miaudit-scale-slurm-script-models", "--array=0-7%3", "--partition=cpu", "--time=01:00:00",
                          "--cpus-per-task=2", "--output=\(setup.directory.path)/logs/%x-%A_%a.out", "--chdir=\(repositoryRoot.standardizedFileURL.path)"] {
            #expect(lines.contains("#SBATCH \(directive)"), "missing #SBATCH \(directive)")
        }
        // Every #SBATCH line precedes the first command, as sbatch requires.
        let firstCommand = try #require(lines.firstIndex { !$0.hasPrefix("#") && !$0.isEmpty })
        #expect(lines[firstCommand...].allSatisfy { !$0.hasPrefix("#SBATCH") })
        #expect(script.contains("--dependency=afterok:\"$array\""))
        #expect(script.contains("audit \"$SPEC\" --require-cached --threads $THREADS --db '\(setup.db)' --key '\(setup.key)'"))
        #expect(script.contains("models train \"$SPEC\" --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --threads \"$THREADS\""))
        #expect(script.contains("SPEC='\(setup.spec)'"))
        let file = setup.directory.appendingPathComponent("job.sbatch")
        try Data(script.utf8).write(to: file)
        let syntax = try run(URL(fileURLWithPath: "/bin/bash"), ["-n", file.path])
        #expect(syntax.status == 0, "\(syntax.standardError)")

        let unsafe = try runMiaudit(["models", "slurm", setup.spec, "--array-size", "2", "--partition", "a;rm -rf /"])
        #expect(unsafe.status == 64 && unsafe.standardError.contains("shell character"), "\(unsafe.standardError)")
    }

    @Test func theKubernetesManifestIsAnIndexedJobOverTheSharedVolume() throws {
        let setup = try Setup("k8s")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let result = try runMiaudit(["models", "k8s", setup.spec, "--completions", "16", "--parallelism", "4", "--image", "registry.example/miaudit:1",
                                     "--claim", "audit-work", "--mount-path", "/work", "--cpus-per-task", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        let manifest = try #require(try Yams.load(yaml: result.standardOutput) as? [String: Any])
        #expect(manifest["apiVersion"] as? String == "batch/v1")
        #expect(manifest["kind"] as? String == "Job")
        let metadata = try #require(manifest["metadata"] as? [String: Any])
        let name = try #require(metadata["name"] as? String)
        #expect(name == "miaudit-scale-k8s-models")
        // A DNS-1123 label: what Kubernetes accepts as a Job name.
        #expect(name.count <= 63 && name.allSatisfy { ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" })
        let spec = try #require(manifest["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        #expect(spec["completions"] as? Int == 16)
        #expect(spec["parallelism"] as? Int == 4)
        #expect(spec["backoffLimitPerIndex"] as? Int == 2)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never")
        let containers = try #require(pod["containers"] as? [[String: Any]])
        #expect(containers.count == 1)
        let container = containers[0]
        #expect(container["image"] as? String == "registry.example/miaudit:1")
        #expect(container["workingDir"] as? String == "/work")
        #expect(container["command"] as? [String] == ["miaudit", "models", "train", setup.spec, "--shards", "16", "--threads", "2"])
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        #expect(mounts.count == 1 && mounts[0]["mountPath"] as? String == "/work")
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        #expect(volumes.count == 1 && volumes[0]["name"] as? String == mounts[0]["name"] as? String)
        #expect((volumes[0]["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String == "audit-work")
        let cpu = (container["resources"] as? [String: Any]).flatMap { ($0["limits"] as? [String: Any])?["cpu"] as? String }
        #expect(cpu == "2")

        let bad = try runMiaudit(["models", "k8s", setup.spec, "--completions", "2", "--claim", "Bad_Name"])
        #expect(bad.status == 64 && bad.standardError.contains("not a Kubernetes name"), "\(bad.standardError)")
    }
}
