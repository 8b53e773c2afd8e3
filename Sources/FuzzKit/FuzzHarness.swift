import AuditData
import Audit
import Foundation
import ModelAdapters
import NeuralNet

/// One untrusted-input parser wrapped for fuzzing: bytes in, a value or a thrown error out.
///
/// Anything else — a trap, a hang, memory that grows without bound — is a finding. `run` returns
/// true when the parser accepted the input and false when it threw, so that a fuzzer can report
/// how much of its corpus got past the parser.
public struct FuzzHarness: Sendable {
    /// The name used on the command line and as the corpus directory under `fuzz/corpus/`.
    public let name: String
    /// What the harness calls, in one line.
    public let summary: String
    /// Calls the parser on `input`: true when it returned a value, false when it threw.
    public let run: @Sendable (Data) -> Bool

    /// Every harness, in the order of issue 17's list.
    public static let all: [FuzzHarness] = [npy, safetensors, outputs, manifest, spec, processReplies]

    /// The harness called `name`, or nil.
    public static func named(_ name: String) -> FuzzHarness? {
        all.first { $0.name == name }
    }

    /// `NPY.decode`, then the typed views a reader takes of an accepted array.
    public static let npy = FuzzHarness(
        name: "npy", summary: "NPY.decode(_:path:) (header dict, versions 1–3, dtypes, shape × item size), then the typed views"
    ) { input in
        guard let array = try? NPY.decode(input, path: "fuzz.npy") else { return false }
        _ = array.doubles()
        _ = array.firstNonFiniteIndex()
        if array.dtype.isInteger { _ = try? array.int64s() }
        return true
    }

    /// `Safetensors.decode`, then every accepted tensor's values.
    public static let safetensors = FuzzHarness(
        name: "safetensors", summary: "Safetensors.decode(_:source:) (length field, JSON header, entries, offsets, coverage), then each tensor's values"
    ) { input in
        guard let (tensors, _) = try? Safetensors.decode([UInt8](input), source: "fuzz.safetensors") else { return false }
        for tensor in tensors.values where tensor.dtype.isFloatingPoint { _ = try? tensor.doubles() }
        return true
    }

    /// The separator between an `.npy` outputs file and its ids file in one `outputs` input.
    public static let idsSeparator = Data("\n--ids--\n".utf8)

    /// `OutputsAdapter`'s reading of the bytes of an outputs file (`.npy` with its ids, safetensors or CSV).
    ///
    /// Input layout: byte 0 chooses the format by its low two bits (0 npy, 1 safetensors, 2 and 3 CSV)
    /// and, by bit 2, whether the settings say logits or probabilities; the rest is the file. For `.npy` the ids
    /// file follows `idsSeparator` (none: an empty ids file).
    public static let outputs = FuzzHarness(
        name: "outputs", summary: "OutputsAdapter(path:format:bytes:…) on .npy + ids, .safetensors and .csv outputs, logits or probabilities"
    ) { input in
        guard let selector = input.first else { return false }
        let formats: [OutputsFormat] = [.npy, .safetensors, .csv, .csv]
        let format = formats[Int(selector & 3)]
        let values: AdapterDescription.OutputValues = selector & 4 == 0 ? .probabilities : .logits
        var file = input.dropFirst()
        var ids = Data()
        if format == .npy, let separator = file.range(of: idsSeparator) {
            ids = Data(file[separator.upperBound...])
            file = file[..<separator.lowerBound]
        }
        return (try? OutputsAdapter(path: "fuzz.\(format.rawValue)", format: format, bytes: Data(file), values: values,
                                    idsPath: "fuzz-ids.txt", readIDs: { ids })) != nil
    }

    /// `DataSetManifest.decode`, then the file names it refers to.
    public static let manifest = FuzzHarness(
        name: "manifest", summary: "DataSetManifest.decode(_:path:) (JSONDecoder with the manifest's coding keys and dtype check), then referencedFiles"
    ) { input in
        guard let manifest = try? DataSetManifest.decode(input, path: "manifest.json") else { return false }
        _ = manifest.referencedFiles
        return true
    }

    /// `AuditSpec.parse(yaml:path:)` on the input when it is UTF-8 (what `AuditSpec.load` requires).
    public static let spec = FuzzHarness(
        name: "spec", summary: "AuditSpec.parse(yaml:path:) (Yams compose, alias bound, duplicate keys, every section's reader and checks)"
    ) { input in
        guard let text = String(data: input, encoding: .utf8) else { return false }
        return (try? AuditSpec.parse(yaml: text, path: "/fuzz/audit.yaml")) != nil
    }

    /// A child's stdout through `ProcessOutputCollector` and every reply parser of protocol 1.
    public static let processReplies = FuzzHarness(
        name: "process-replies", summary: "ProcessReplyStream.parse (line splitting, then hello, loaded, trained and result replies, JSON and base64 arrays)"
    ) { input in
        let counts = ProcessReplyStream.parse(input, rows: 2)
        return counts.hellos + counts.loaded + counts.trained + counts.results > 0
    }
}
