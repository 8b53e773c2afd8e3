import GradientChecking
import Foundation
import MatchingTask
import NeuralNet
import NumericCore
import Testing
@testable import Unlearning

/// Finite-difference checks of MultiDelete's loss terms (papers/multidelete.md Eq. 2, 4, 6, 7).
@Suite struct MultiDeleteObjectiveTests {
    /// Twelve rows in six groups of two; widths small enough to check every parameter.
    static let data = MatchingData(images: randomMatrix(12, 6, seed: 101, scale: 1),
                                   texts: randomMatrix(12, 5, seed: 102, scale: 1),
                                   groups: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    static let batch = MultiDeleteBatch(forget: [0, 2, 4], retain: [6, 8, 10, 11],
                                        mismatchedImages: [7, 9, 6], mismatchedTexts: [10, 6, 11])

    /// The frozen f (GELU, so finite differences meet no kinks; parameters uniform in ±1 so the
    /// representations are O(1)) and f′ = f with every parameter moved by up to ±0.3, so every term
    /// and its gradient is far from zero.
    static func models() -> (teacher: FusionModel, student: FusionModel) {
        let architecture = FusionArchitecture(imageFeatures: 6, textFeatures: 5, imageHidden: [5, 4], textHidden: [4, 3],
                                              fusionHidden: [4, 3], classes: 2, activation: .gelu)
        var generator = RandomSource(seed: 103)
        let mean = (0..<6).map { _ in generator.nextFloat(in: 0, 0.5) }
        var teacher = FusionModel(architecture: architecture, imageMean: mean, generator: &generator)
        for index in teacher.layers.indices {
            for i in 0..<teacher.layers[index].weight.count { teacher.layers[index].weight.storage[i] = generator.nextFloat(in: -1, 1) }
            for i in teacher.layers[index].bias.indices { teacher.layers[index].bias[i] = generator.nextFloat(in: -1, 1) }
        }
        var student = teacher
        for index in student.layers.indices {
            for i in 0..<student.layers[index].weight.count { student.layers[index].weight.storage[i] += generator.nextFloat(in: -0.3, 0.3) }
            for i in student.layers[index].bias.indices { student.layers[index].bias[i] += generator.nextFloat(in: -0.3, 0.3) }
        }
        return (teacher, student)
    }

    /// Every parameter of every layer: the analytic gradient (zero where the group got none) against
    /// central differences of `terms.total`. Returns the failures and the largest analytic magnitude.
    static func check(weights: MultiDeleteWeights, groups: Set<ParameterGroup> = Set(ParameterGroup.allCases))
        -> (failures: [String], largest: Float) {
        let (teacher, student) = models()
        let targets = MultiDeleteTargets(teacher: teacher, data: data, batch: batch)
        let gradients = MultiDeleteObjective.evaluate(student: student, data: data, batch: batch, targets: targets,
                                                      weights: weights, groups: groups).gradients
        func loss(_ model: FusionModel) -> Double {
            MultiDeleteObjective.evaluate(student: model, data: data, batch: batch, targets: targets, weights: weights,
                                          groups: groups).terms.total
        }
        let check = GradientCheck(step: 5e-3, absolute: 1e-4, relative: 1e-2)
        var failures: [String] = []
        var largest: Float = 0
        for index in student.layers.indices {
            let layer = student.layers[index]
            let inGroups = groups.contains { student.layerRange(of: $0).contains(index) }
            let analytic = gradients.layers[index]
                ?? LinearGradient(weight: Matrix(rows: layer.outputSize, columns: layer.inputSize),
                                  bias: [Float](repeating: 0, count: layer.outputSize))
            if !inGroups, gradients.layers[index] != nil { failures.append("\(student.layerName(index)) has a gradient") }
            if !inGroups { continue }  // a frozen layer's true gradient need not be zero; it is just not computed
            largest = max(largest, (analytic.weight.storage + analytic.bias).map(abs).max() ?? 0)
            let w = check.failures(parameters: layer.weight.storage, analytic: analytic.weight.storage) { values in
                var copy = student
                copy.layers[index].weight.storage = values
                return loss(copy)
            }
            let b = check.failures(parameters: layer.bias, analytic: analytic.bias) { values in
                var copy = student
                copy.layers[index].bias = values
                return loss(copy)
            }
            if !w.isEmpty { failures.append("\(student.layerName(index)).weight \(w)") }
            if !b.isEmpty { failures.append("\(student.layerName(index)).bias \(b)") }
        }
        return (failures, largest)
    }

    @Test func decouplingTermGradientMatchesFiniteDifferences() {
        let result = Self.check(weights: MultiDeleteWeights(decoupling: 1, multimodalRetention: 0, unimodalRetention: 0))
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.largest > 0.02)  // 200× the absolute tolerance: the check is not vacuous
    }

    @Test func multimodalRetentionTermGradientMatchesFiniteDifferences() {
        let result = Self.check(weights: MultiDeleteWeights(decoupling: 0, multimodalRetention: 1, unimodalRetention: 0))
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.largest > 0.02)  // 200× the absolute tolerance: the check is not vacuous
    }

    @Test func unimodalRetentionTermGradientMatchesFiniteDifferences() {
        let result = Self.check(weights: MultiDeleteWeights(decoupling: 0, multimodalRetention: 0, unimodalRetention: 1))
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.largest > 0.02)  // 200× the absolute tolerance: the check is not vacuous
    }

    @Test(arguments: [MultiDeleteWeights(decoupling: 1, multimodalRetention: 1, unimodalRetention: 1),
                      MultiDeleteWeights(decoupling: 0.1, multimodalRetention: 3, unimodalRetention: 1)])
    func combinedLossGradientMatchesFiniteDifferences(weights: MultiDeleteWeights) {
        let result = Self.check(weights: weights)
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.largest > 0.02)  // 200× the absolute tolerance: the check is not vacuous
    }

    @Test func fusionOnlyGradientMatchesFiniteDifferencesAndSkipsOtherLayers() {
        let result = Self.check(weights: MultiDeleteWeights(decoupling: 1, multimodalRetention: 1, unimodalRetention: 1),
                                groups: [.fusion])
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.largest > 0.02)  // 200× the absolute tolerance: the check is not vacuous
    }

    /// The unimodal term touches only the encoders: the head and the fusion layers get no gradient
    /// from it, and the head gets none from any term.
    @Test func headGetsNoGradientAndUnimodalTermSparesFusion() {
        let (teacher, student) = Self.models()
        let targets = MultiDeleteTargets(teacher: teacher, data: Self.data, batch: Self.batch)
        let all = MultiDeleteObjective.evaluate(student: student, data: Self.data, batch: Self.batch, targets: targets,
                                                weights: .init(decoupling: 1, multimodalRetention: 1, unimodalRetention: 1),
                                                groups: Set(ParameterGroup.allCases)).gradients
        #expect(all.layers[student.layerRange(of: .head).lowerBound] == nil)
        let unimodal = MultiDeleteObjective.evaluate(student: student, data: Self.data, batch: Self.batch, targets: targets,
                                                     weights: .init(decoupling: 0, multimodalRetention: 0, unimodalRetention: 1),
                                                     groups: Set(ParameterGroup.allCases)).gradients
        for index in student.layerRange(of: .fusion) {
            #expect(unimodal.layers[index]!.weight.storage.allSatisfy { $0 == 0 })
        }
    }

    /// With f′ = f the retention terms are exactly 0 and L_MD is the MSE between f's own h_F of the
    /// forget pairs and of the mismatched pairs, computed here by hand.
    @Test func termsAtTheStartAreKnown() {
        let (teacher, _) = Self.models()
        let targets = MultiDeleteTargets(teacher: teacher, data: Self.data, batch: Self.batch)
        let terms = MultiDeleteObjective.evaluate(student: teacher, data: Self.data, batch: Self.batch, targets: targets,
                                                  weights: .init(decoupling: 0.5, multimodalRetention: 3, unimodalRetention: 1),
                                                  groups: Set(ParameterGroup.allCases)).terms
        #expect(terms.multimodalRetention == 0)
        #expect(terms.unimodalRetention == 0)
        let forget = teacher.forward(images: Self.data.images.gatherRows(Self.batch.forget),
                                     texts: Self.data.texts.gatherRows(Self.batch.forget)).fusionRepresentation
        let mismatched = teacher.forward(images: Self.data.images.gatherRows(Self.batch.mismatchedImages),
                                         texts: Self.data.texts.gatherRows(Self.batch.mismatchedTexts)).fusionRepresentation
        let expected = zip(forget.storage, mismatched.storage).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) }
            / Double(forget.count)
        #expect(expected > 0.01)
        #expect(abs(terms.decoupling - expected) <= 1e-6 * expected)
        #expect(abs(terms.total - 0.5 * terms.decoupling) <= 1e-12)
    }

    @Test func mismatchedPairsComeFromRetainRowsOfDifferentGroups() {
        var generator = RandomSource(seed: 7)
        let retain = [0, 1, 2, 3, 6, 7]
        let pairs = MultiDeleteBatch.mismatchedPairs(count: 200, retain: retain, groups: Self.data.groups, generator: &generator)
        #expect(pairs.images.count == 200 && pairs.texts.count == 200)
        for (p, q) in zip(pairs.images, pairs.texts) {
            #expect(retain.contains(p) && retain.contains(q))
            #expect(Self.data.groups[p] != Self.data.groups[q])
        }
        #expect(Set(pairs.images).count == retain.count)  // every retain row serves as an image
    }
}

@Suite struct FrozenRepresentationsTests {
    /// Targets from the representations computed once equal those of a forward pass on the batch.
    @Test func cachedTargetsMatchAForwardPassOnTheBatch() {
        let (teacher, _) = MultiDeleteObjectiveTests.models()
        let data = MultiDeleteObjectiveTests.data, batch = MultiDeleteObjectiveTests.batch
        let direct = MultiDeleteTargets(teacher: teacher, data: data, batch: batch)
        let cached = FrozenRepresentations(model: teacher, data: data, rows: Array(0..<12)).targets(for: batch)
        for (a, b) in [(direct.decoupling, cached.decoupling), (direct.multimodalRetention, cached.multimodalRetention),
                       (direct.unimodalRetention, cached.unimodalRetention)] {
            #expect(a.rows == b.rows && a.columns == b.columns)
            #expect(zip(a.storage, b.storage).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        }
    }
}
