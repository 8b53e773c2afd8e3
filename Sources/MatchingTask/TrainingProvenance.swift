import Foundation
import NumericCore

/// How a model was trained, stored in its metadata under `miaudit.training`.
public struct TrainingProvenance: Codable, Equatable, Sendable {
    public static let key = "miaudit.training"
    public let dataSet: String
    public let dataSetDigest: String
    public let split: String
    public let excluded: String?
    public let rows: Int
    public let recipe: TrainingRecipe
    public let seed: UInt64
    public let threads: Int
    public let tool: String
    /// The OpenBLAS kernel: with the seed and thread count it fixes the weights' bytes.
    public var openblasCorename: String = BLAS.coreName

    public init(dataSet: String, dataSetDigest: String, split: String, excluded: String?, rows: Int, recipe: TrainingRecipe,
                seed: UInt64, threads: Int, tool: String) {
        self.dataSet = dataSet
        self.dataSetDigest = dataSetDigest
        self.split = split
        self.excluded = excluded
        self.rows = rows
        self.recipe = recipe
        self.seed = seed
        self.threads = threads
        self.tool = tool
    }

    /// The provenance in a model file's metadata, or nil when it has none or it does not decode.
    /// Why scoring the model on data set `name` (SHA-256 `digest`) at `place` is probably a mistake
    /// (it was trained on another data set), with the fix; nil when the digests agree.
    public func dataSetMismatch(name: String, digest: String, place: String) -> (problem: String, fix: String)? {
        guard digest != dataSetDigest else { return nil }
        return ("the model was trained on data set \(dataSet) (sha256 \(dataSetDigest.prefix(12))…) but \(place) is \(name) (sha256 \(digest.prefix(12))…)",
                "give the data set it was trained on (--data), or pass --allow-other-data (allow_other_data: true in an adapter description) if scoring it on other data is intended")
    }

    public static func from(metadata: [String: String]) -> TrainingProvenance? {
        guard let json = metadata[key] else { return nil }
        return try? JSONDecoder().decode(TrainingProvenance.self, from: Data(json.utf8))
    }

    enum CodingKeys: String, CodingKey {
        case dataSet = "data_set", dataSetDigest = "data_set_sha256", split, excluded, rows, recipe, seed, threads, tool
        case openblasCorename = "openblas_corename"
    }

    /// Canonical JSON (sorted keys), as stored in a model file's metadata.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
