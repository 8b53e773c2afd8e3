import Foundation
import NumericCore
import Stats
import SVM

/// The SVM black-box membership-inference attack of the MultiDelete paper (§3), as SPEC §5.1 fixes it.
///
/// An RBF C-SVC (libsvm, C = 3, γ = 1/features, probability estimates on) learns members from
/// non-members on the original model's outputs (`CalibrationSample`): features are the sorted
/// probabilities, the entropy and φ, standardised with the fitting rows' statistics. Its score for
/// an example is P(member). Existence E = mean P(member) over D_f: under the original (prior) and the
/// scored model (post); ratio = prior / post. libsvm's probability fit draws from C `rand()`,
/// seeded with the low 32 bits of `RandomSource.derivedSeed(seed, "svm-libsvm")`. The attacker's
/// AUC on the evaluation rows says whether it has power: without it a low post value proves nothing.
public struct SVMMembershipAttack: MembershipAttack {
    public init() {}

    public let name = "svm"
    public let title = "SVM black-box attack"
    public let summary = "Existence probability E = mean P(member) from an RBF SVM trained on the original model's outputs "
        + "(members: a retain subset; non-members: the validation split). Ideal: E(D_f) after unlearning close to E(D_h); far "
        + "below it is over-unlearning."
    public let needs: SignalNeeds = [.original, .calibration]
    public let variants = [ScoreVariant(name: "existence", label: "SVM P(member)")]
    public let valueMetrics = [
        ValueMetric(name: "post_existence", summary: "mean P(member) over D_f under the scored model; high = still looks trained on"),
        ValueMetric(name: "prior_to_post_ratio", summary: "E under the original / E under the scored model; > 1 = D_f looks less like members"),
    ]
    public var detailType: any AttackDetail.Type { SVMAttackDetail.self }

    /// The attacker has power when the lower end of its AUC interval (DeLong, 95%) exceeds this.
    public static let powerThreshold = 0.5

    public func fit(_ table: SignalTable, context: AttackContext) throws -> any FittedAttack {
        guard let sample = table.calibration, let original = table.original else {
            throw AttackError(description: "the SVM attack needs the original model's outputs; this is a bug in the pipeline", status: .software)
        }
        let fitFeatures = zip(sample.fit, sample.fitClasses).map { MembershipSignals.attackFeatures($0, trueClass: $1) }
        let standardizer = try FeatureStandardizer(fitting: fitFeatures, input: "SVM attack features")
        let svm = try SupportVectorMachine(features: fitFeatures.map(standardizer.transform), labels: sample.fitMembers.map { $0 ? 1 : 0 },
                                           settings: SVMSettings(),
                                           seed: UInt32(truncatingIfNeeded: RandomSource.derivedSeed(table.seed, "svm-libsvm")))
        let attacker = Attacker(svm: svm, standardizer: standardizer)
        let evaluation = attacker.existence(sample.evaluation, classes: sample.evaluationClasses)
        let curve = try ROCCurve(scores: evaluation, labels: sample.evaluationMembers, scoresInput: "SVM attacker evaluation scores")
        let auc = curve.areaUnderCurve
        let interval = try AUCInterval.delong(curve)
        let prior = Self.mean(Array(attacker.existence(original.probabilities, classes: original.trueClasses).prefix(table.memberCount)))
        return Fitted(attacker: attacker, table: table, prior: prior, attackerAUC: auc,
                      attackerAUCInterval: interval.map { [$0.lower, $0.upper] } ?? [],
                      hasPower: (interval?.lower ?? auc) > Self.powerThreshold,
                      fitMembers: sample.fitMembers.filter { $0 }.count, fitNonMembers: sample.fitMembers.filter { !$0 }.count)
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// The fitted SVM with its standardisation.
    struct Attacker: Sendable {
        let svm: SupportVectorMachine
        let standardizer: FeatureStandardizer

        /// P(member) of each output distribution, given each row's true class.
        func existence(_ rows: [[Double]], classes: [Int]) -> [Double] {
            svm.probabilityOfPositive(zip(rows, classes).map { standardizer.transform(MembershipSignals.attackFeatures($0, trueClass: $1)) })
        }
    }

    struct Fitted: FittedAttack {
        let attacker: Attacker
        let table: SignalTable
        let prior: Double
        let attackerAUC: Double
        let attackerAUCInterval: [Double]
        let hasPower: Bool
        let fitMembers: Int
        let fitNonMembers: Int

        func score(_ model: ScoredModel) throws -> AttackScoring? {
            let signals = table.signals(of: model)
            let existence = attacker.existence(signals.probabilities, classes: signals.trueClasses)
            let members = table.memberCount
            let post = SVMMembershipAttack.mean(Array(existence.prefix(members)))
            let holdout = SVMMembershipAttack.mean(Array(existence.dropFirst(members)))
            let ratio = prior / post
            var detail: SVMAttackDetail?
            if model == .target {
                detail = SVMAttackDetail(priorExistence: prior, postExistence: post, ratio: ratio.isFinite ? ratio : nil,
                                         holdoutExistence: holdout, attackerAUC: attackerAUC, attackerAUCInterval: attackerAUCInterval,
                                         attackerHasPower: hasPower, trainingMembers: fitMembers, trainingNonMembers: fitNonMembers)
            }
            return AttackScoring(scores: ["existence": existence], values: ["post_existence": post, "prior_to_post_ratio": ratio],
                                 detail: detail,
                                 undecidable: hasPower ? nil : "the SVM attacker has no power on the original model's members (AUC "
                                     + "\(DetailFormat.fixed(attackerAUC)) \(DetailFormat.interval(attackerAUCInterval))), so its existence probabilities prove nothing")
        }
    }
}

/// What the SVM attack found; every probability is P(member) from the attacker.
public struct SVMAttackDetail: AttackDetail, Equatable {
    /// E = mean P(member) over the forget set under the original model.
    public let priorExistence: Double
    /// E over the forget set under the scored model.
    public let postExistence: Double
    /// prior / post; nil when post is 0.
    public let ratio: Double?
    /// E over the holdout set under the scored model: what a never-seen set scores.
    public let holdoutExistence: Double
    /// The attacker's AUC on held-out members vs non-members of the original model.
    public let attackerAUC: Double
    public let attackerAUCInterval: [Double]
    /// False when the attacker cannot tell the original's members apart: a low post value then proves nothing.
    public let attackerHasPower: Bool
    public let trainingMembers: Int
    public let trainingNonMembers: Int

    public init(priorExistence: Double, postExistence: Double, ratio: Double?, holdoutExistence: Double, attackerAUC: Double,
                attackerAUCInterval: [Double], attackerHasPower: Bool, trainingMembers: Int, trainingNonMembers: Int) {
        self.priorExistence = priorExistence
        self.postExistence = postExistence
        self.ratio = ratio
        self.holdoutExistence = holdoutExistence
        self.attackerAUC = attackerAUC
        self.attackerAUCInterval = attackerAUCInterval
        self.attackerHasPower = attackerHasPower
        self.trainingMembers = trainingMembers
        self.trainingNonMembers = trainingNonMembers
    }

    enum CodingKeys: String, CodingKey {
        case priorExistence = "prior_existence", postExistence = "post_existence", ratio
        case holdoutExistence = "holdout_existence", attackerAUC = "attacker_auc"
        case attackerAUCInterval = "attacker_auc_interval", attackerHasPower = "attacker_has_power"
        case trainingMembers = "training_members", trainingNonMembers = "training_non_members"
    }

    public var presentation: [DetailBlock] {
        var blocks: [DetailBlock] = [.facts([
            DetailFact("E(D_f), original model (prior)", DetailFormat.fixed(priorExistence)),
            DetailFact("E(D_f), audited model (post)", DetailFormat.fixed(postExistence)),
            DetailFact("Ratio prior / post", DetailFormat.fixed(ratio)),
            DetailFact("E(D_h), audited model (holdout)", DetailFormat.fixed(holdoutExistence)),
            DetailFact("Post − holdout", DetailFormat.signed(postExistence - holdoutExistence)),
            DetailFact("Attacker AUC [95% DeLong]", "\(DetailFormat.fixed(attackerAUC)) \(DetailFormat.interval(attackerAUCInterval))"),
            DetailFact("Attacker training set", "\(trainingMembers) members, \(trainingNonMembers) non-members"),
        ])]
        if !attackerHasPower {
            blocks.append(.note("The SVM attacker has no power: its AUC on the original model's members vs non-members is not "
                + "clearly above 0.5, so a low post-unlearning existence probability proves nothing.", warning: true))
        }
        return blocks
    }
}
