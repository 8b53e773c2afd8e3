import ArgumentParser
import Foundation
import ModelAdapters

/// The options that describe a model adapter on the command line (SPEC §3).
struct AdapterOptions: ParsableArguments {
    @Option(name: .long, help: "How to reach the model: native (a .safetensors file), outputs (precomputed rows) or process (an external command).")
    var adapter: AdapterKind = .native
    @Option(name: [.customLong("model"), .customLong("target")],
            help: ArgumentHelp("native: the model (.safetensors); --target is another name for it.", valueName: "file"))
    var model: String?
    @Flag(name: .long, help: "native: score the model on a data set other than the one it was trained on (refused otherwise).")
    var allowOtherData = false
    @Option(name: .long, help: ArgumentHelp("outputs: probabilities or logits per example id (.npy, .safetensors or .csv).", valueName: "file"))
    var outputs: String?
    @Option(name: .long, help: ArgumentHelp("outputs: the example ids of a .npy file's rows (JSON array or one per line).", valueName: "file"))
    var ids: String?
    @Option(name: .long, help: "outputs: whether the rows are probabilities or logits (soft-maxed in f64).")
    var values: AdapterDescription.OutputValues = .probabilities
    @Option(name: .long, help: "process: seconds to wait for the handshake and each reply.")
    var timeout: Double = 60
    @Option(name: .long, help: "process: how feature arrays travel (base64 little-endian f32, or json arrays).")
    var encoding: AdapterDescription.ArrayEncoding = .base64
    @Option(name: .long, help: ArgumentHelp("A JSON adapter description (as audit specs carry it), instead of the options above.", valueName: "file"))
    var adapterSpec: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("process: the command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    enum AdapterKind: String, ExpressibleByArgument, CaseIterable {
        case native, outputs, process
    }

    func validate() throws {
        if adapterSpec != nil { return }
        switch adapter {
        case .native where model == nil:
            throw ValidationError("--adapter native needs --model FILE (a .safetensors model).")
        case .outputs where outputs == nil:
            throw ValidationError("--adapter outputs needs --outputs FILE (.npy with --ids, .safetensors or .csv).")
        case .process where command.isEmpty:
            throw ValidationError("--adapter process needs the command after --, e.g. -- python3 examples/fusion_adapter.py --model m.safetensors.")
        default: break
        }
        if !(timeout > 0 && timeout <= 86_400) {
            throw ValidationError("--timeout must be between 0 and 86400 seconds, got \(timeout).")
        }
    }

    /// The adapter description these options name.
    /// The adapter description in the JSON file at `path` (its relative paths taken from the
    /// current directory).
    static func readDescription(_ path: String) throws -> AdapterDescription {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw OutputError(description: "\(path): no such file; check the path to the adapter description.")
                .withStatus(.noInput)
        }
        do {
            return try JSONDecoder().decode(AdapterDescription.self, from: data)
        } catch {
            throw UsageError(description: "\(path): not a valid adapter description (\(error)); write {\"kind\": \"native\", \"path\": \"model.safetensors\"} or see docs/adapter-protocol.md.")
        }
    }

    func description() throws -> AdapterDescription {
        if let adapterSpec { return try Self.readDescription(adapterSpec) }
        switch adapter {
        case .native: return .native(.init(path: model ?? "", allowOtherData: allowOtherData))
        case .outputs: return .outputs(.init(path: outputs ?? "", ids: ids, values: values))
        case .process: return .process(.init(command: command, timeoutSeconds: timeout, encoding: encoding))
        }
    }
}

extension AdapterDescription.OutputValues: ExpressibleByArgument {}
extension AdapterDescription.ArrayEncoding: ExpressibleByArgument {}
