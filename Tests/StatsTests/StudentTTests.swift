import Foundation
import Testing
@testable import Stats

/// Student's t against scipy (Fixtures/make_student_t_reference.py).
@Suite struct StudentTTests {
    struct Reference: Decodable {
        struct Point: Decodable { let nu: Double; let t: Double; let cdf: Double; let sf: Double }
        struct Quantile: Decodable { let nu: Double; let p: Double; let t: Double }
        struct Normal: Decodable { let p: Double; let z: Double }
        let t: [Point]
        let tPpf: [Quantile]
        let normPpf: [Normal]
        enum CodingKeys: String, CodingKey { case t, tPpf = "t_ppf", normPpf = "norm_ppf" }
    }

    @Test func cdfAndSurvivalMatchScipy() throws {
        let reference = try Fixture.load("student_t_reference", as: Reference.self)
        for point in reference.t {
            let cdf = StudentTDistribution.cdf(point.t, degreesOfFreedom: point.nu)
            let sf = StudentTDistribution.survival(point.t, degreesOfFreedom: point.nu)
            #expect(Fixture.relativeError(cdf, point.cdf) < 1e-11, "cdf ν = \(point.nu), t = \(point.t): \(cdf) vs \(point.cdf)")
            #expect(Fixture.relativeError(sf, point.sf) < 1e-11, "sf ν = \(point.nu), t = \(point.t): \(sf) vs \(point.sf)")
        }
    }

    @Test func quantilesMatchScipyAndInvertTheCDF() throws {
        let reference = try Fixture.load("student_t_reference", as: Reference.self)
        for point in reference.tPpf {
            let t = StudentTDistribution.quantile(point.p, degreesOfFreedom: point.nu)
            #expect(Fixture.relativeError(t, point.t) < 1e-9 || abs(t - point.t) < 1e-12, "ν = \(point.nu), p = \(point.p): \(t) vs \(point.t)")
        }
        #expect(StudentTDistribution.quantile(0.5, degreesOfFreedom: 7) == 0)
        #expect(StudentTDistribution.quantile(1, degreesOfFreedom: 7) == .infinity)
        #expect(StudentTDistribution.survival(.infinity, degreesOfFreedom: 3) == 0)
    }

    @Test func theNormalQuantileMatchesScipyAtTheGatesExtremes() throws {
        for point in try Fixture.load("student_t_reference", as: Reference.self).normPpf {
            let z = NormalDistribution.quantile(point.p)
            #expect(Fixture.relativeError(z, point.z) < 1e-12 || abs(z - point.z) < 1e-14, "p = \(point.p): \(z) vs \(point.z)")
        }
    }
}
