import Foundation
import Testing
import Unlearning
@testable import ReferenceModels

@Suite struct KeepMatrixTests {
    @Test func everyExampleIsKeptByExactlyHalfTheShadows() throws {
        let keep = try KeepMatrix(shadows: 16, examples: 500, seed: 3)
        #expect(keep.shadows == 16 && keep.examples == 500)
        for x in 0..<500 { #expect((0..<16).filter { keep.rows[$0][x] }.count == 8) }
        // Each shadow keeps about half the pool (binomial, sd ≈ 11 here).
        for k in 0..<16 { #expect(abs(keep.kept(by: k).count - 250) < 60) }
        #expect(try KeepMatrix(shadows: 16, examples: 500, seed: 3) == keep)
        #expect(try KeepMatrix(shadows: 16, examples: 500, seed: 4) != keep)
    }

    @Test(arguments: [3, 7, 2, 0, -4])
    func oddOrTooSmallShadowCountsAreErrors(count: Int) {
        #expect {
            _ = try KeepMatrix(shadows: count, examples: 10, seed: 0)
        } throws: { error in
            "\(error)".contains("shadow count must be even and at least 4") && "\(error)".contains("got \(count)")
        }
    }

    @Test func poolErrors() {
        #expect { _ = try AttackPool(forget: [], holdout: [1]) } throws: { "\($0)".contains("forget set is empty") }
        #expect { _ = try AttackPool(forget: [1], holdout: []) } throws: { "\($0)".contains("holdout set is empty") }
        #expect { _ = try AttackPool(forget: [1, 2, 5], holdout: [5, 6]) } throws: {
            "\($0)".contains("in both the forget and the holdout set") && "\($0)".contains("row 5")
        }
        let pool = try? AttackPool(forget: [4, 1], holdout: [7])
        #expect(pool?.rows == [4, 1, 7] && pool?.labels == [true, true, false])
    }

    @Test func studiesMayGoDownToTwoShadows() throws {
        let keep = try KeepMatrix(shadows: 2, examples: 30, seed: 1, minimum: 2)
        for x in 0..<30 { #expect(keep.rows[0][x] != keep.rows[1][x]) }
        #expect(throws: ReferenceModelError.self) { _ = try KeepMatrix(shadows: 1, examples: 30, seed: 1, minimum: 1) }
    }

    @Test func aPlanNamesEveryModelAndRefusesARetainRowInThePool() throws {
        let pool = try AttackPool(forget: [0, 1, 2], holdout: [3, 4, 5])
        let plan = try ReferencePlan(pool: pool, retain: [6, 7, 8], shadows: 4, method: NoUnlearning(), golds: 2, seed: 3)
        #expect(plan.jobs.map(\.kind) == [.shadow, .shadow, .shadow, .shadow, .gold, .gold])
        #expect(plan.goldJobs.allSatisfy { $0.trainRows == [6, 7, 8] })
        let keep = try #require(plan.keep)
        #expect(keep == (try KeepMatrix(shadows: 4, examples: 6, seed: 3)))
        for (k, job) in plan.shadowJobs.enumerated() {
            #expect(job.forgetRows == keep.kept(by: k).map { pool.rows[$0] })
            #expect(job.trainRows == [6, 7, 8] + job.forgetRows)
        }
        #expect(try ReferencePlan(pool: pool, retain: [6], shadows: 0, method: nil, golds: 1, seed: 0).keep == nil)
        #expect { _ = try ReferencePlan(pool: pool, retain: [5, 6], shadows: 4, method: NoUnlearning(), golds: 0, seed: 0) } throws: {
            "\($0)".contains("row 5 is in the retain set and in forget ∪ holdout")
        }
        #expect { _ = try ReferencePlan(pool: pool, retain: [6], shadows: 4, method: nil, golds: 0, seed: 0) } throws: {
            "\($0)".contains("need the unlearning method")
        }
    }
}
