import ArgumentParser
import Foundation
import MembershipInference
import ModelAdapters

struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Run a membership-inference attack on an audited model.",
        subcommands: [SVMAttackCommand.self, ULiRACommand.self, UMIACommand.self, ForgetQualityCommand.self])
}

struct SVMAttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svm",
        abstract: "The SVM black-box attack (SPEC §5.1): existence probability of the forget set before and after.",
        discussion: """
            The attacker (RBF C-SVC, C = 3, γ = 1/features) learns members (a retain subset as large as \
            the validation split) from non-members (the validation split) on the original model's outputs, \
            then scores the forget set under the original (prior) and the audited model (post), and the \
            holdout under the audited model, reached through any adapter (--target FILE for a native \
            model; --adapter outputs|process as for predict). attacker_auc is its AUC on held-out members vs non-members: \
            without power (interval touching 0.5) a low post value proves nothing.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: ArgumentHelp("The original model (.safetensors): the attacker's reference.", valueName: "file"))
    var original: String
    @OptionGroup var adapterOptions: AdapterOptions
    @Option(name: .long, help: "Seed of the attacker's subsets and libsvm's probability fit.")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try reportingErrors {
            threadOptions.apply()
            let (dataSet, _) = try dataOptions.load()
            let reference = try NativeAdapter(settings: .init(path: original))
            let audited = try AdapterFactory.open(try adapterOptions.description(), for: dataSet)
            defer { audited.close() }
            let result = try SVMMembershipAttack.run(
                dataSet: dataSet, reference: reference, audited: audited,
                forget: try dataSet.indices(ofSplit: "forget"), retain: try dataSet.indices(ofSplit: "retain"),
                validation: try dataSet.indices(ofSplit: "validation"), holdout: try dataSet.indices(ofSplit: "holdout"),
                settings: SVMAttackSettings(seed: seed))
            switch format {
            case .json: print(try OutputFormat.json(result))
            case .text:
                print(String(format: "existence probability on forget: prior %.4f, post %.4f, ratio %.3f; holdout under the audited model %.4f",
                             result.priorExistence, result.postExistence, result.ratio, result.holdoutExistence))
                let interval = result.attackerAUCInterval.count == 2
                    ? String(format: " [%.3f, %.3f]", result.attackerAUCInterval[0], result.attackerAUCInterval[1]) : ""
                print(String(format: "attacker AUC on held-out members vs non-members: %.3f%@ — %@", result.attackerAUC, interval,
                             result.attackerHasPower ? "the attack has power" : "the attack has no power here; its verdict means nothing"))
            }
        }
    }
}
