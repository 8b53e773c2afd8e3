import AuditData
import Foundation
import ModelAdapters

/// Reference models trained elsewhere, described by `references.json` in a directory of their
/// outputs (docs/supplied-outputs.md):
/// ```
/// {"format": 1, "shadow_method": "none",
///  "keep": {"ids": ["emoji-0007", ...], "rows": [[1, 0, ...], ...]},
///  "shadows": [{"kind": "outputs", "path": "shadow-00.npy", "ids": "shadow-00.ids.json"}, ...],
///  "golds": [{"kind": "outputs", "path": "gold-00.npy", "ids": "gold-00.ids.json"}, ...]}
/// ```
/// Each model is an adapter description (outputs files usually; any kind works), its relative
/// paths taken from the directory. `keep.rows[k][x]` is 1 when shadow k trained on the pool
/// example `keep.ids[x]` before applying `shadow_method` to it.
public struct SuppliedReferences: Equatable, Sendable {
    /// The file name inside the directory.
    public static let fileName = "references.json"
    /// The one format this version reads.
    public static let format = 1

    /// The directory (absolute).
    public var directory: String
    /// The method every shadow applied to its kept pool rows; nil without shadows.
    public var shadowMethod: String?
    /// The pool example ids, in the keep matrix's column order.
    public var keepIDs: [String]
    /// K rows of membership over `keepIDs`.
    public var keep: [[Bool]]
    public var shadows: [AdapterDescription]
    public var golds: [AdapterDescription]

    public init(directory: String, shadowMethod: String?, keepIDs: [String], keep: [[Bool]], shadows: [AdapterDescription],
                golds: [AdapterDescription]) {
        self.directory = directory
        self.shadowMethod = shadowMethod
        self.keepIDs = keepIDs
        self.keep = keep
        self.shadows = shadows
        self.golds = golds
    }

    /// Reads and checks `directory/references.json`, resolving its models' relative paths.
    /// - Throws: `ReferenceModelError` naming the file, the field and the fix.
    public static func load(directory: URL) throws -> SuppliedReferences {
        let url = directory.appendingPathComponent(fileName)
        let file = url.path
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw ReferenceModelError("\(file): no such file; a directory of supplied reference models holds \(fileName) "
                                      + "(docs/supplied-outputs.md; miaudit audit --save-outputs writes one)", status: .noInput)
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: bytes)
        } catch let error as DecodingError {
            throw ReferenceModelError("\(file): \(describe(error)); see docs/supplied-outputs.md")
        } catch {
            throw ReferenceModelError("\(file): not JSON (\(error)); see docs/supplied-outputs.md")
        }
        guard manifest.format == format else {
            throw ReferenceModelError("\(file): format is \(manifest.format) but this miaudit reads format \(format); rewrite it as docs/supplied-outputs.md describes")
        }
        let shadows = manifest.shadows ?? []
        let golds = manifest.golds ?? []
        let keep = manifest.keep
        if shadows.isEmpty {
            if keep != nil || manifest.shadowMethod != nil {
                throw ReferenceModelError("\(file): keep and shadow_method describe shadows, but shadows is empty; list the shadows' outputs or remove both")
            }
        } else {
            guard let keep else {
                throw ReferenceModelError("\(file): keep is missing; with shadows, give {\"ids\": [pool example ids], \"rows\": [one 0/1 row per shadow]}")
            }
            guard manifest.shadowMethod != nil else {
                throw ReferenceModelError("\(file): shadow_method is missing; name the unlearning method every shadow applied to the pool rows it kept (none when it applied nothing)")
            }
            guard keep.rows.count == shadows.count else {
                throw ReferenceModelError("\(file): keep.rows has \(keep.rows.count) rows but there are \(shadows.count) shadows; give one row per shadow, in the same order")
            }
            if let bad = keep.rows.firstIndex(where: { $0.count != keep.ids.count }) {
                throw ReferenceModelError("\(file): keep.rows[\(bad)] has \(keep.rows[bad].count) entries but keep.ids names \(keep.ids.count) examples; give one 0/1 per id")
            }
            if let duplicate = Dictionary(grouping: keep.ids, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw ReferenceModelError("\(file): keep.ids names \(duplicate) twice; name each pool example once")
            }
        }
        func resolved(_ description: AdapterDescription) -> AdapterDescription {
            func absolute(_ path: String) -> String { URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL.path }
            switch description {
            case var .native(settings):
                settings.path = absolute(settings.path)
                return .native(settings)
            case var .outputs(settings):
                settings.path = absolute(settings.path)
                settings.ids = settings.ids.map(absolute)
                return .outputs(settings)
            case var .process(settings):
                settings.workingDirectory = absolute(settings.workingDirectory ?? ".")
                return .process(settings)
            }
        }
        return SuppliedReferences(directory: directory.standardizedFileURL.path, shadowMethod: manifest.shadowMethod,
                                  keepIDs: keep?.ids ?? [], keep: keep?.rows.map { $0.map { $0 != 0 } } ?? [],
                                  shadows: shadows.map(resolved), golds: golds.map(resolved))
    }

    /// The keep matrix over `pool` (columns in pool order), checked: every pool example appears in
    /// keep.ids and nothing else does, and each is kept by at least one shadow and left out by another.
    /// - Throws: `ReferenceModelError` naming the example and the fix.
    public func keepMatrix(pool: AttackPool, in dataSet: PairDataSet) throws -> KeepMatrix {
        let file = directory + "/" + Self.fileName
        let column = Dictionary(uniqueKeysWithValues: keepIDs.enumerated().map { ($1, $0) })
        let poolIDs = pool.rows.map { dataSet.ids[$0] }
        if let missing = poolIDs.first(where: { column[$0] == nil }) {
            throw ReferenceModelError("\(file): keep.ids lacks pool example \(missing) (the pool is the forget and holdout splits, \(poolIDs.count) examples); give every pool example's membership")
        }
        if keepIDs.count != poolIDs.count {
            let pool = Set(poolIDs)
            let extra = keepIDs.first { !pool.contains($0) } ?? "?"
            throw ReferenceModelError("\(file): keep.ids names \(extra), which is not in the forget or holdout split; list exactly the pool's \(poolIDs.count) examples")
        }
        let rows = keep.map { row in poolIDs.map { row[column[$0]!] } }
        for (x, id) in poolIDs.enumerated() {
            let inCount = rows.filter { $0[x] }.count
            if inCount == 0 || inCount == rows.count {
                throw ReferenceModelError("\(file): pool example \(id) is \(inCount == 0 ? "kept by no" : "kept by every") shadow; the online attacks need each example in some shadows and out of others (half each is best)")
            }
        }
        return KeepMatrix(rows: rows)
    }

    private struct Manifest: Decodable {
        struct Keep: Decodable {
            let ids: [String]
            let rows: [[Int]]
        }
        let format: Int
        let shadowMethod: String?
        let keep: Keep?
        let shadows: [AdapterDescription]?
        let golds: [AdapterDescription]?

        enum CodingKeys: String, CodingKey {
            case format, keep, shadows, golds
            case shadowMethod = "shadow_method"
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "the top level" : text)
        }
        switch error {
        case let .keyNotFound(key, context):
            let at = path(context)
            return "\(at == "the top level" ? "" : at + ".")\(key.stringValue) is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "\(path(context)): \(context.debugDescription)"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "not JSON (\(context.debugDescription))" }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// The manifest for `shadows` and `golds` written by miaudit (their outputs already in the directory).
    public static func manifestJSON(shadowMethod: String?, keepIDs: [String], keep: [[Bool]], shadows: [AdapterDescription],
                                    golds: [AdapterDescription]) throws -> Data {
        struct Keep: Encodable {
            let ids: [String]
            let rows: [[Int]]
        }
        struct Manifest: Encodable {
            let format: Int
            let shadowMethod: String?
            let keep: Keep?
            let shadows: [AdapterDescription]
            let golds: [AdapterDescription]
            enum CodingKeys: String, CodingKey {
                case format, keep, shadows, golds
                case shadowMethod = "shadow_method"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Manifest(format: format, shadowMethod: shadows.isEmpty ? nil : shadowMethod,
                                           keep: shadows.isEmpty ? nil : Keep(ids: keepIDs, rows: keep.map { $0.map { $0 ? 1 : 0 } }),
                                           shadows: shadows, golds: golds))
    }
}

/// Opens supplied reference models (kind `supplied`): nothing is trained; each job's model is the
/// adapter the manifest lists at its kind and index.
public final class SuppliedReferenceProvider: ReferenceModelProvider {
    public let references: SuppliedReferences
    public let dataSet: PairDataSet

    public init(references: SuppliedReferences, dataSet: PairDataSet) {
        self.references = references
        self.dataSet = dataSet
    }

    public var kind: String { "supplied" }

    public func referenceModels(for jobs: [ModelJob], progress: @Sendable (ModelBankProgress) -> Void) throws -> [ReferenceModel] {
        var models: [ReferenceModel] = []
        for (done, job) in jobs.enumerated() {
            let list = job.kind == .shadow ? references.shadows : references.golds
            guard job.index < list.count, job.kind != .target else {
                throw ReferenceModelError("\(references.directory)/\(SuppliedReferences.fileName) lists \(list.count) \(job.kind.rawValue) models but the audit needs \(job.kind.rawValue) \(job.index); list as many as the spec asks for")
            }
            let adapter = try AdapterFactory.open(list[job.index], for: dataSet)
            let record = ModelRecord(kind: job.kind.rawValue, index: job.index, key: adapter.identity.digest, attempts: 1,
                                     validationAccuracies: [], trainSeed: 0, unlearnSeed: 0, seconds: 0, fromCache: false)
            models.append(ReferenceModel(job: job, record: record, adapter: adapter))
            progress(ModelBankProgress(done: done + 1, total: jobs.count, note: "\(job.kind.rawValue) \(job.index) opened"))
        }
        return models
    }
}
