import AuditData
import Foundation
import ModelAdapters
import ReferenceModels
import Yams

/// Every answer an audit's models gave, written so that the same audit runs again from outputs
/// alone (docs/supplied-outputs.md):
/// ```
/// DIR/original.npy, original.ids.json      the original's answers
/// DIR/target.npy, target.ids.json          the audited model's
/// DIR/references/references.json          the supplied-references manifest (keep matrix, method)
/// DIR/references/shadow-00.npy, …, gold-00.npy, … (each with its .ids.json)
/// DIR/supplied.yaml                        the spec, reading all of the above
/// ```
/// The adapters must be `RecordingAdapter`s (the pipeline wraps them when outputs are saved).
struct SavedOutputs {
    let spec: AuditSpec
    let original: any ModelAdapter
    let target: any ModelAdapter
    let references: ObtainedReferences
    let dataSet: PairDataSet

    /// The name of the spec written beside the outputs.
    static let specName = "supplied.yaml"

    func write(to directory: URL) throws {
        let referencesDirectory = directory.appendingPathComponent("references", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: referencesDirectory, withIntermediateDirectories: true)
        } catch {
            throw AuditError("\(directory.path): cannot create the outputs directory (\(error)); check its permissions", status: .ioError)
        }
        func recorder(_ adapter: any ModelAdapter) throws -> RecordingAdapter {
            guard let recording = adapter as? RecordingAdapter else {
                throw AuditError("internal: \(adapter.identity.modelID) was not recorded", status: .software)
            }
            return recording
        }
        let originalOutputs = try recorder(original).write(to: directory, name: "original")
        let targetOutputs = try recorder(target).write(to: directory, name: "target")
        let shadows = try references.shadows.map {
            try recorder($0.adapter).write(to: referencesDirectory, name: String(format: "shadow-%02d", $0.job.index))
        }
        let golds = try references.golds.map {
            try recorder($0.adapter).write(to: referencesDirectory, name: String(format: "gold-%02d", $0.job.index))
        }
        let keep = references.plan?.keep?.rows ?? []
        let poolIDs = references.plan.map { $0.pool.rows.map { dataSet.ids[$0] } } ?? []
        let manifest = try SuppliedReferences.manifestJSON(shadowMethod: spec.shadowMethod ?? (shadows.isEmpty ? nil : "none"),
                                                           keepIDs: poolIDs, keep: keep, shadows: shadows, golds: golds)
        let specText = try suppliedSpec(original: originalOutputs, target: targetOutputs)
        do {
            try manifest.write(to: referencesDirectory.appendingPathComponent(SuppliedReferences.fileName), options: .atomic)
            try Data(specText.utf8).write(to: directory.appendingPathComponent(Self.specName), options: .atomic)
        } catch {
            throw AuditError("\(directory.path): cannot write the references manifest or the spec (\(error)); check the directory's space and permissions",
                             status: .ioError)
        }
    }

    /// The audit's own spec with the original and the target read from their outputs, the
    /// reference models supplied, the data set's path absolute, and no cache (nothing is trained).
    func suppliedSpec(original: AdapterDescription, target: AdapterDescription) throws -> String {
        guard case var .mapping(top)? = try Yams.compose(yaml: spec.source.text) else {
            throw AuditError("\(spec.source.path): the spec is not a mapping", status: .software)
        }
        func node(_ description: AdapterDescription) throws -> Node {
            guard case let .outputs(settings) = description else { return Node("") }
            var mapping: [(Node, Node)] = [(Node("kind"), Node("outputs")), (Node("path"), Node(settings.path))]
            if let ids = settings.ids { mapping.append((Node("ids"), Node(ids))) }
            return Node.mapping(.init([(Node("adapter"), Node.mapping(.init(mapping)))]))
        }
        top["name"] = Node(spec.name + "-supplied")
        top["data"] = Node(spec.data)
        top["original"] = try node(original)
        top["target"] = try node(target)
        top["references"] = Node.mapping(.init([(Node("supplied"), Node("references"))]))
        top["cache"] = nil
        top["gold"] = nil
        if case var .mapping(shadows)? = top["shadows"] {
            shadows["count"] = nil
            if let method = spec.shadowMethod { shadows["method"] = Node(method) }
            top["shadows"] = shadows.isEmpty ? nil : .mapping(shadows)
        }
        let header = "# \(spec.name), audited from the saved outputs of every model (miaudit audit --save-outputs).\n"
            + "# Nothing is trained: the original, the target and the reference models are read from this directory.\n"
        let body = try Yams.serialize(node: .mapping(top))
        return header + body + (body.hasSuffix("\n") ? "" : "\n")
    }
}
