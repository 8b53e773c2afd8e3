import ArgumentParser
import Audit
import Foundation

/// `miaudit models`: the models an audit needs, trained ahead of it — on this machine, in shards,
/// as a Slurm job array or as a Kubernetes Indexed Job (docs/scale-out.md).
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Plan and train an audit's reference models ahead of it, in shards, on Slurm or Kubernetes.",
        discussion: """
            The work is plan → shards → gather: `models plan` lists every model a spec needs by content key, \
            `models train --shard I/N` trains shard I's uncached models into the spec's cache, and \
            `audit --require-cached` then audits from the cache. A shard's models have the same keys and bytes \
            as a single machine's. See docs/scale-out.md.
              miaudit models plan audits/retrain.yaml
              miaudit models train audits/retrain.yaml --shard 0/2
              miaudit models train audits/retrain.yaml --shard 1/2
              miaudit audit audits/retrain.yaml --require-cached
            """,
        subcommands: [ModelsPlanCommand.self, ModelsTrainCommand.self, ModelsSlurmCommand.self, ModelsKubernetesCommand.self])
}

/// Reads a spec for a `models` command, naming its warnings on standard error.
private func loadModelsSpec(_ path: String) throws -> AuditSpec {
    let spec = try AuditSpec.load(from: URL(fileURLWithPath: path))
    for warning in spec.warnings { FileHandle.standardError.write(Data("miaudit: warning: \(path): \(warning)\n".utf8)) }
    return spec
}

/// `miaudit models plan SPEC [--format json] [--shards N]`.
struct ModelsPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List every model an audit spec needs: kind, index, content key, cache entry, whether cached.",
        discussion: """
            With --shards N each model's shard is shown too (shard = unit mod N; a unit is one model, or an \
            external trainer's original with its target). Exit status 0; the JSON form has the same fields.
              miaudit models plan audits/retrain.yaml
              miaudit models plan audits/retrain.yaml --shards 8 --format json
            """)

    @Argument(help: ArgumentHelp("The audit spec (YAML).", valueName: "spec"))
    var spec: String
    @Option(name: .long, help: "Output format: text (a table) or json.")
    var format: OutputFormat = .text
    @Option(name: .long, help: ArgumentHelp("Show each model's shard for this many shards.", valueName: "n"))
    var shards: Int?

    func validate() throws {
        if let shards, shards < 1 || shards > 100_000 { throw ValidationError("--shards must be between 1 and 100000, got \(shards).") }
    }

    struct Output: Encodable {
        let spec: String
        let specPath: String
        let provider: String
        let cache: String?
        let models: Int
        let cached: Int
        let shards: Int?
        let entries: [Row]
        let madeByAudit: [String]

        struct Row: Encodable {
            let kind: String
            let index: Int
            let method: String?
            let key: String
            let location: String
            let cached: Bool
            let unit: Int
            let shard: Int?
        }

        enum CodingKeys: String, CodingKey {
            case spec, provider, cache, models, cached, shards, entries
            case specPath = "spec_path", madeByAudit = "made_by_audit"
        }
    }

    func run() throws {
        try reportingErrors {
            let plan = try ModelPlanner.plan(try loadModelsSpec(spec))
            let rows = plan.entries.map { entry in
                Output.Row(kind: entry.kind, index: entry.index, method: entry.method, key: entry.key, location: entry.location,
                           cached: entry.cached, unit: entry.unit, shard: shards.map { entry.unit % $0 })
            }
            switch format {
            case .json:
                print(try OutputFormat.json(Output(spec: plan.spec, specPath: plan.specPath, provider: plan.provider, cache: plan.cache,
                                                   models: plan.entries.count, cached: plan.entries.count - plan.missing.count,
                                                   shards: shards, entries: rows, madeByAudit: plan.madeByAudit)))
            case .text:
                print("plan \(plan.spec): \(plan.entries.count) model(s), \(plan.entries.count - plan.missing.count) cached, \(plan.missing.count) to train; reference models: \(plan.provider); cache: \(plan.cache ?? "none")")
                let header = shards == nil ? "kind      index  method        key               cached" : "kind      index  method        key               cached  shard"
                print(header)
                for row in rows {
                    var line = row.kind.padding(toLength: 10, withPad: " ", startingAt: 0)
                        + String(row.index).padding(toLength: 7, withPad: " ", startingAt: 0)
                        + (row.method ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0)
                        + String(row.key.prefix(16)).padding(toLength: 18, withPad: " ", startingAt: 0)
                        + (row.cached ? "yes" : "no")
                    if let shard = row.shard { line = line.padding(toLength: 66, withPad: " ", startingAt: 0) + String(shard) }
                    print(line)
                }
                for item in plan.madeByAudit { print("made by the audit itself: \(item)") }
            }
        }
    }
}

/// `miaudit models train SPEC [--shard I/N | --shards N]`.
struct ModelsTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one shard's uncached models (or all of them) into the spec's cache, then exit.",
        discussion: """
            --shard I/N trains the models of shard I (0 ≤ I < N); --shards N takes I from SLURM_ARRAY_TASK_ID \
            (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Without either, every \
            uncached model is trained. --threads models train at once, each with one BLAS thread; the native \
            original, when this shard trains it, uses --threads BLAS threads, so give every shard and the \
            audit the same --threads to get a single machine's bytes. Each entry is written under a temporary \
            name and renamed into place: shards racing on one key leave one valid entry, and a killed shard \
            leaves no partial entry that could be read.
              miaudit models train audits/retrain.yaml --shard 0/4 --threads 2
              SLURM_ARRAY_TASK_ID=3 miaudit models train audits/retrain.yaml --shards 4
            """)

    @Argument(help: ArgumentHelp("The audit spec (YAML); its cache: names where the models go.", valueName: "spec"))
    var spec: String
    @Option(name: .long, help: ArgumentHelp("The shard to train, as I/N with 0 ≤ I < N.", valueName: "i/n"))
    var shard: String?
    @Option(name: .long, help: ArgumentHelp("The shard count; the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.",
                                            valueName: "n"))
    var shards: Int?
    @OptionGroup var threadOptions: ThreadOptions

    /// Parses "I/N".
    static func parseShard(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ValidationError("--shard takes I/N, e.g. 0/4 (got \"\(text)\").")
        }
        guard count >= 1, count <= 100_000, index >= 0, index < count else {
            throw ValidationError("--shard \(text): need 1 ≤ N ≤ 100000 and 0 ≤ I < N.")
        }
        return (index, count)
    }

    /// The shard from the options and, with --shards, the scheduler's environment.
    func resolvedShard(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (Int, Int) {
        if let shard {
            guard shards == nil else { throw ValidationError("give --shard I/N or --shards N, not both.") }
            return try Self.parseShard(shard)
        }
        guard let shards else { return (0, 1) }
        for name in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
            if let value = environment[name] {
                guard let index = Int(value.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("\(name) is \"\(value)\", not a shard index; give --shard I/N.")
                }
                return try Self.parseShard("\(index)/\(shards)")
            }
        }
        throw ValidationError("--shards \(shards): neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; give --shard I/\(shards).")
    }

    func run() throws {
        try reportingErrors {
            let (index, count) = try resolvedShard()
            let threads = threadOptions.apply()
            let auditSpec = try loadModelsSpec(spec)
            FileHandle.standardError.write(Data("models train \(auditSpec.name): shard \(index)/\(count), \(threads) thread(s)\n".utf8))
            let view = AuditProgressView()
            let outcome = try ModelPlanner.train(auditSpec, shard: index, of: count, toolVersion: ToolInfo.version, progress: view.update)
            view.finish()
            print("shard \(index)/\(count) of \(auditSpec.name): trained \(outcome.trained.count) model(s), \(outcome.alreadyCached.count) already cached")
            for entry in outcome.trained { print("  trained \(entry.name) \(entry.key.prefix(16)) -> \(entry.location)") }
        }
    }
}

/// Options the Slurm and Kubernetes generators share.
struct ClusterJobOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("CPU cores per task; each trains that many models at once.", valueName: "n"))
    var cpusPerTask: Int = 1
    @Option(name: .long, help: ArgumentHelp("The miaudit executable as the nodes see it (default: this one).", valueName: "path"))
    var miaudit: String?
    @Option(name: .long, help: ArgumentHelp("Working directory of the jobs (default: the current one).", valueName: "dir"))
    var chdir: String?
    @Option(name: .long, help: ArgumentHelp("The audit job's report store.", valueName: "file"))
    var db: String = "reports/audits.sqlite"
    @Option(name: .long, help: ArgumentHelp("The audit job's signing key.", valueName: "file"))
    var key: String = "keys/auditor.key"

    func validate() throws {
        if cpusPerTask < 1 || cpusPerTask > 256 { throw ValidationError("--cpus-per-task must be between 1 and 256, got \(cpusPerTask).") }
    }

    /// Absolute paths throughout; the spec is read so a bad one fails here, not on the cluster.
    func settings(spec: String, shards: Int, parallel: Int?) throws -> ClusterJobSettings {
        let auditSpec = try loadModelsSpec(spec)
        guard let cache = auditSpec.cache else {
            throw ValidationError("\(spec) has no cache: directory; the shards write their models there, so add one on storage every node reaches.")
        }
        let directory = chdir.map(absolutePath) ?? FileManager.default.currentDirectoryPath
        if auditSpec.cache.map({ !($0 as NSString).isAbsolutePath }) ?? false {
            FileHandle.standardError.write(Data("miaudit: note: the spec's cache \(cache) is relative; the jobs resolve it against \(directory)\n".utf8))
        }
        let executable = miaudit ?? ProcessInfo.processInfo.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            ?? "miaudit"
        func inDirectory(_ path: String) -> String {
            (path as NSString).isAbsolutePath ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
        }
        return ClusterJobSettings(executable: executable, spec: absolutePath(spec), name: auditSpec.name, shards: shards, parallel: parallel,
                                  cpusPerTask: cpusPerTask, workingDirectory: directory, db: inDirectory(db), key: inDirectory(key))
    }
}

/// `miaudit models slurm SPEC --array-size N`.
struct ModelsSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write a Slurm job array that trains the spec's models in shards, and the dependent audit job.",
        discussion: """
            Prints a script. `bash job.sbatch` submits the array (one task per shard, at most --throttle \
            running) and an audit job with --dependency=afterok on it, which runs `audit --require-cached` \
            once every task succeeded, and prints both job ids. `sbatch job.sbatch` submits the array alone. \
            Each task logs to --log-dir/<job>-<array id>_<task>.out. The spec's cache, data, original and the \
            report store must be on storage every node reaches.
              miaudit models slurm audits/retrain.yaml --array-size 8 --throttle 4 > job.sbatch
              bash job.sbatch
            """)

    @Argument(help: ArgumentHelp("The audit spec (YAML).", valueName: "spec"))
    var spec: String
    @Option(name: .long, help: ArgumentHelp("Array tasks (shards).", valueName: "n"))
    var arraySize: Int
    @Option(name: .long, help: ArgumentHelp("At most this many tasks at once (the array's % limit).", valueName: "n"))
    var throttle: Int?
    @Option(name: .long, help: ArgumentHelp("Slurm partition of both jobs.", valueName: "name"))
    var partition: String?
    @Option(name: .long, help: ArgumentHelp("Time limit of each job (Slurm's --time, e.g. 02:00:00).", valueName: "limit"))
    var time: String?
    @Option(name: .long, help: ArgumentHelp("Memory of each job (Slurm's --mem, e.g. 4G).", valueName: "size"))
    var mem: String?
    @Option(name: .long, help: ArgumentHelp("Directory of the per-task logs.", valueName: "dir"))
    var logDir: String = "logs/slurm"
    @OptionGroup var cluster: ClusterJobOptions

    func validate() throws {
        if arraySize < 1 || arraySize > 100_000 { throw ValidationError("--array-size must be between 1 and 100000, got \(arraySize).") }
        if let throttle, throttle < 1 { throw ValidationError("--throttle must be at least 1, got \(throttle).") }
        for (name, value) in [("--partition", partition), ("--time", time), ("--mem", mem)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || "'\"\\$`;&|<>".contains($0) }) {
                throw ValidationError("\(name) \"\(value)\" holds a space or a shell character; give Slurm's plain value.")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let settings = try cluster.settings(spec: spec, shards: arraySize, parallel: throttle)
            let logs = (logDir as NSString).isAbsolutePath ? logDir
                : URL(fileURLWithPath: settings.workingDirectory).appendingPathComponent(logDir).standardizedFileURL.path
            print(SlurmJobScript(settings: settings, partition: partition, timeLimit: time, memory: mem, logDirectory: logs).text,
                  terminator: "")
        }
    }
}

/// `miaudit models k8s SPEC --completions N`.
struct ModelsKubernetesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Write a Kubernetes Indexed Job that trains the spec's models in shards over a shared volume.",
        discussion: """
            Prints a manifest: completionMode Indexed, --completions pods, at most --parallelism at once, each \
            running `models train SPEC --shards N` (the index from JOB_COMPLETION_INDEX), with the claim \
            --claim mounted at --mount-path. The image must hold miaudit at --miaudit, and the spec's data, \
            original and cache must resolve on the volume. When the Job completes, run the audit with \
            --require-cached (docs/scale-out.md).
              miaudit models k8s audits/retrain.yaml --completions 16 --parallelism 8 --image registry.example/miaudit:1 \\
                --claim miaudit-work --mount-path /work --chdir /work --miaudit /usr/local/bin/miaudit > job.yaml
              kubectl apply -f job.yaml
            """)

    @Argument(help: ArgumentHelp("The audit spec (YAML).", valueName: "spec"))
    var spec: String
    @Option(name: .long, help: ArgumentHelp("Completions (shards).", valueName: "n"))
    var completions: Int
    @Option(name: .long, help: ArgumentHelp("Pods at once (default: all).", valueName: "n"))
    var parallelism: Int?
    @Option(name: .long, help: ArgumentHelp("The container image.", valueName: "image"))
    var image: String = "miaudit:latest"
    @Option(name: .long, help: ArgumentHelp("The PersistentVolumeClaim holding the data, spec and cache.", valueName: "name"))
    var claim: String = "miaudit-work"
    @Option(name: .long, help: ArgumentHelp("Where the claim is mounted in the pod.", valueName: "dir"))
    var mountPath: String = "/work"
    @OptionGroup var cluster: ClusterJobOptions

    func validate() throws {
        if completions < 1 || completions > 100_000 { throw ValidationError("--completions must be between 1 and 100000, got \(completions).") }
        if let parallelism, parallelism < 1 { throw ValidationError("--parallelism must be at least 1, got \(parallelism).") }
        if !(mountPath as NSString).isAbsolutePath { throw ValidationError("--mount-path must be absolute, got \"\(mountPath)\".") }
        let dns = claim.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
        if claim.isEmpty || !dns { throw ValidationError("--claim \"\(claim)\" is not a Kubernetes name (lower-case letters, digits, '-' and '.').") }
    }

    func run() throws {
        try reportingErrors {
            var settings = try cluster.settings(spec: spec, shards: completions, parallel: parallelism)
            // Paths as the pod sees them: the spec as given (relative to the working directory on
            // the volume), miaudit from the image's PATH unless named.
            settings.spec = spec
            settings.executable = cluster.miaudit ?? "miaudit"
            if cluster.chdir == nil { settings.workingDirectory = mountPath }
            print(KubernetesIndexedJob(settings: settings, image: image, claim: claim, mountPath: mountPath).text, terminator: "")
        }
    }
}
