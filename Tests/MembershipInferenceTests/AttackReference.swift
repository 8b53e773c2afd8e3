import Foundation

/// Fixtures/attack_reference.json, made by Fixtures/make_attack_reference.py (numpy, written from
/// the papers independently of the Swift code).
struct AttackReference: Decodable {
    struct RMIACase: Decodable {
        struct Extra: Decodable {
            let a: Double
            let offline: [Double]
        }

        let name: String
        let gamma: Double
        let a: Double
        let refPool: [[Double]]
        let keep: [[Int]]
        let targetPool: [Double]
        let refPop: [[Double]]
        let targetPop: [Double]
        let labels: [Int]
        let online: [Double]
        let onlineCounts: [Int]
        let offline: [Double]
        let tuningAucs: [Double]?
        let tunedA: Double?
        let tunedExamples: Int
        let offlineTuned: [Double]?
        let extraOffline: [Extra]

        enum CodingKeys: String, CodingKey {
            case name, gamma, a, keep, labels, online, offline
            case refPool = "ref_pool", targetPool = "target_pool", refPop = "ref_pop", targetPop = "target_pop"
            case onlineCounts = "online_counts", tuningAucs = "tuning_aucs", tunedA = "tuned_a", tunedExamples = "tuned_examples"
            case offlineTuned = "offline_tuned", extraOffline = "extra_offline"
        }
    }

    struct ULiRACase: Decodable {
        struct Variance: Decodable {
            let muIn: [Double]
            let muOut: [Double]
            let sdIn: [Double]
            let sdOut: [Double]
            let online: [Double]
            let offline: [Double]

            enum CodingKeys: String, CodingKey {
                case online, offline
                case muIn = "mu_in", muOut = "mu_out", sdIn = "sd_in", sdOut = "sd_out"
            }
        }

        let name: String
        let phi: [[Double]]
        let keep: [[Int]]
        let target: [Double]
        let perExample: Variance
        let pooled: Variance

        enum CodingKeys: String, CodingKey {
            case name, phi, keep, target, pooled
            case perExample = "per_example"
        }
    }

    let rmia: [RMIACase]
    let ulira: [ULiRACase]

    static func load() throws -> AttackReference {
        guard let url = Bundle.module.url(forResource: "Fixtures/attack_reference", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(AttackReference.self, from: Data(contentsOf: url))
    }
}
