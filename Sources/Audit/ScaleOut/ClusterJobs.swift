import Foundation

/// What a cluster job needs to know to train a spec's reference models in shards and then audit.
/// Every path is absolute, so the job runs the same from any working directory.
public struct ClusterJobSettings: Sendable, Equatable {
    /// The miaudit executable as the cluster's nodes see it.
    public var executable: String
    /// The audit spec; its `cache:` must be on storage every task and the audit reach.
    public var spec: String
    /// The spec's name, for job names.
    public var name: String
    /// Shards: array tasks (Slurm) or completions (Kubernetes).
    public var shards: Int
    /// Tasks running at once (Slurm's `%` throttle, Kubernetes' parallelism); nil: no limit.
    public var parallel: Int?
    /// CPU cores per task; each task trains this many models at once with one BLAS thread each.
    public var cpusPerTask: Int = 1
    /// Working directory of the jobs (relative paths in the spec resolve against it).
    public var workingDirectory: String
    /// The report store and signing key of the audit job.
    public var db: String
    public var key: String

    public init(executable: String, spec: String, name: String, shards: Int, parallel: Int? = nil, cpusPerTask: Int = 1,
                workingDirectory: String, db: String, key: String) {
        self.executable = executable
        self.spec = spec
        self.name = name
        self.shards = shards
        self.parallel = parallel
        self.cpusPerTask = cpusPerTask
        self.workingDirectory = workingDirectory
        self.db = db
        self.key = key
    }

    /// The name, reduced to what job names and Kubernetes object names accept: lower-case letters,
    /// digits and '-', at most 40 characters.
    public var jobName: String {
        let mapped = name.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" }
        var text = String(mapped).split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-")
        if text.isEmpty { text = "audit" }
        return "miaudit-" + String(text.prefix(40)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}

/// Quoting for POSIX shells: the text between single quotes, with each `'` written as `'\''`.
public func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// A Slurm job array that trains the plan's shards, and a dependent job that audits.
public struct SlurmJobScript: Sendable {
    public var settings: ClusterJobSettings
    /// `--partition`, `--time` and `--mem` for both jobs, when given.
    public var partition: String?
    public var timeLimit: String?
    public var memory: String?
    /// Directory of the per-task logs (`<job name>-<array job id>_<task>.out`).
    public var logDirectory: String

    public init(settings: ClusterJobSettings, partition: String? = nil, timeLimit: String? = nil, memory: String? = nil,
                logDirectory: String) {
        self.settings = settings
        self.partition = partition
        self.timeLimit = timeLimit
        self.memory = memory
        self.logDirectory = logDirectory
    }

    /// `#SBATCH` lines shared by the array and the audit job.
    var commonDirectives: [String] {
        var lines = ["--chdir=\(settings.workingDirectory)", "--cpus-per-task=\(settings.cpusPerTask)", "--nodes=1", "--ntasks=1"]
        if let partition { lines.append("--partition=\(partition)") }
        if let timeLimit { lines.append("--time=\(timeLimit)") }
        if let memory { lines.append("--mem=\(memory)") }
        return lines
    }

    /// The script: run with `bash` it submits the array and the audit job that waits for every
    /// task to succeed (`--dependency=afterok`); run by Slurm as an array task it trains the task's
    /// shard; `sbatch` on it alone submits only the array.
    public var text: String {
        let s = settings
        let array = "0-\(s.shards - 1)" + (s.parallel.map { "%\($0)" } ?? "")
        let job = s.jobName
        var lines = [
            "#!/bin/bash",
            "# Reference models of the audit spec \(s.spec) as a Slurm job array, then the audit.",
            "# Written by `miaudit models slurm`. The model cache named in the spec must be on storage",
            "# every node reaches; each task trains shard $SLURM_ARRAY_TASK_ID of \(s.shards) (docs/scale-out.md).",
            "#",
            "#   bash THIS_FILE     submits the array and the audit, which runs after every task succeeds",
            "#   sbatch THIS_FILE   submits the array alone; then: \(s.executable) audit \(s.spec) --require-cached",
            "#",
            "#SBATCH --job-name=\(job)-models",
            "#SBATCH --array=\(array)",
            "#SBATCH --output=\(logDirectory)/%x-%A_%a.out",
        ]
        lines += commonDirectives.map { "#SBATCH \($0)" }
        let auditOptions = commonDirectives.map { shellQuoted($0) }.joined(separator: " ")
        lines += [
            "set -euo pipefail",
            "MIAUDIT=\(shellQuoted(s.executable))",
            "SPEC=\(shellQuoted(s.spec))",
            "SHARDS=\(s.shards)",
            "THREADS=\(s.cpusPerTask)",
            "LOGS=\(shellQuoted(logDirectory))",
            "",
            "if [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ]; then",
            "  if [ -n \"${SLURM_JOB_ID:-}\" ]; then",
            "    echo \"miaudit: this script runs as an array task (its #SBATCH --array line); submit it with bash or sbatch\" >&2",
            "    exit 64",
            "  fi",
            "  # Submitting: the array, then the audit, which starts only when every task succeeded.",
            "  mkdir -p \"$LOGS\"",
            "  array=$(sbatch --parsable \"$0\")",
            "  array=${array%%;*}",
            "  audit=$(sbatch --parsable --dependency=afterok:\"$array\" --kill-on-invalid-dep=yes \\",
            "    --job-name=\(shellQuoted(job + "-audit")) --output=\"$LOGS/\(job)-audit-%j.out\" \(auditOptions) <<EOF",
            "#!/bin/bash",
            "exec \"$MIAUDIT\" audit \"$SPEC\" --require-cached --threads $THREADS --db \(shellQuoted(s.db)) --key \(shellQuoted(s.key))",
            "EOF",
            "  )",
            "  audit=${audit%%;*}",
            "  echo \"submitted: array job $array ($SHARDS tasks) and audit job $audit (after every task succeeds); logs in $LOGS\"",
            "  echo \"$array $audit\"",
            "  exit 0",
            "fi",
            "",
            "exec \"$MIAUDIT\" models train \"$SPEC\" --shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\" --threads \"$THREADS\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A Kubernetes Indexed Job that trains the plan's shards over a shared volume.
public struct KubernetesIndexedJob: Sendable {
    public var settings: ClusterJobSettings
    /// The container image holding miaudit (its `executable` path) and the data.
    public var image: String
    /// The PersistentVolumeClaim that holds the data, the spec and the model cache, and where it is mounted.
    public var claim: String
    public var mountPath: String
    /// Retries of each index before the Job counts it failed.
    public var retriesPerIndex: Int = 2

    public init(settings: ClusterJobSettings, image: String, claim: String, mountPath: String) {
        self.settings = settings
        self.image = image
        self.claim = claim
        self.mountPath = mountPath
    }

    /// A YAML string (always double-quoted, escaped).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The manifest (`kubectl apply -f`): completionMode Indexed, one completion per shard; each
    /// pod trains shard `JOB_COMPLETION_INDEX` of `completions`.
    public var text: String {
        let s = settings
        let q = Self.quoted
        let command = [s.executable, "models", "train", s.spec, "--shards", "\(s.shards)", "--threads", "\(s.cpusPerTask)"]
        return """
            # Reference models of the audit spec \(s.spec) as a Kubernetes Indexed Job.
            # Written by `miaudit models k8s`. Each pod trains shard $JOB_COMPLETION_INDEX of \(s.shards) into the
            # model cache the spec names, which must be on the volume \(claim) (mounted at \(mountPath)).
            # Afterwards: kubectl wait --for=condition=complete job/\(s.jobName)-models --timeout=24h
            # then audit from the cache: \(s.executable) audit \(s.spec) --require-cached
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(q(s.jobName + "-models"))
              labels:
                app.kubernetes.io/name: miaudit
                app.kubernetes.io/component: reference-models
            spec:
              completionMode: Indexed
              completions: \(s.shards)
              parallelism: \(s.parallel ?? s.shards)
              backoffLimitPerIndex: \(retriesPerIndex)
              maxFailedIndexes: 0
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: miaudit
                spec:
                  restartPolicy: Never
                  containers:
                    - name: shard
                      image: \(q(image))
                      workingDir: \(q(s.workingDirectory))
                      command: [\(command.map(q).joined(separator: ", "))]
                      resources:
                        requests:
                          cpu: \(q(String(s.cpusPerTask)))
                        limits:
                          cpu: \(q(String(s.cpusPerTask)))
                      volumeMounts:
                        - name: shared
                          mountPath: \(q(mountPath))
                  volumes:
                    - name: shared
                      persistentVolumeClaim:
                        claimName: \(q(claim))

            """
    }
}
