import Diagnostics
import MatchingTask
import NeuralNet
import NumericCore

/// What an unlearning method is asked to do: make `model` (trained on forget ∪ retain) behave as
/// if it had never seen the forget rows.
public struct UnlearningRequest: Sendable {
    /// The data every row index refers to.
    public let data: MatchingData
    /// The rows to remove (D_f for an audit; the kept part of the pool for a shadow).
    public let forget: [Int]
    /// The rows to keep (D_r).
    public let retain: [Int]
    /// The recipe the model was trained with: `retrain` trains from scratch with it.
    public let recipe: TrainingRecipe
    /// The method's own seed (derived by the caller, so every shadow unlearns differently).
    public let seed: UInt64
    /// Never-trained rows a method may consult (e.g. `multidelete-calibrated`'s stop rule); empty
    /// when the caller has none. Never the test or holdout split.
    public let validation: [Int]

    public init(data: MatchingData, forget: [Int], retain: [Int], recipe: TrainingRecipe, seed: UInt64,
                validation: [Int] = []) {
        self.data = data
        self.forget = forget
        self.retain = retain
        self.recipe = recipe
        self.seed = seed
        self.validation = validation
    }
}

/// An unlearning method (SPEC §7): the remediation step, and what shadow models apply so that
/// U-MIA and U-LiRA can tell "trained on, then unlearned" from "never seen" (SPEC §5.2).
///
/// A method is a value: its name and settings fix its behaviour, and `cacheKey` must change
/// whenever a setting that changes the result changes, because shadows are cached under it.
public protocol UnlearningMethod: Sendable {
    /// The name used on the command line and in reports, e.g. `retrain`.
    var name: String { get }
    /// The settings that change results, as name/value pairs, for cache keys and reports.
    var settings: [String: String] { get }
    /// False when the method ignores the trained model (as `retrain` does): shadows then skip
    /// training on retain ∪ kept, which would be thrown away.
    var needsTrainedModel: Bool { get }
    /// Returns the unlearned model. `model` is the trained model (a fresh, untrained one when
    /// `needsTrainedModel` is false); `progress` receives a short note per stage.
    func unlearn(_ model: FusionModel, request: UnlearningRequest,
                 progress: @Sendable (String) -> Void) throws -> FusionModel
}

extension UnlearningMethod {
    /// `name` followed by the settings in key order: `name{k=v,…}`.
    public var cacheKey: String {
        name + "{" + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }
}

/// `none`: a claimed deletion that changed nothing. An audit must fail it.
public struct NoUnlearning: UnlearningMethod {
    public init() {}
    public var name: String { "none" }
    public var settings: [String: String] { [:] }
    public var needsTrainedModel: Bool { true }
    public func unlearn(_ model: FusionModel, request: UnlearningRequest,
                        progress: @Sendable (String) -> Void) throws -> FusionModel { model }
}

/// `retrain`: exact unlearning, a model trained from scratch on the retain rows with the original
/// recipe and the request's seed (the gold standard; SPEC §7). An audit must pass it.
public struct RetrainUnlearning: UnlearningMethod {
    public init() {}
    public var name: String { "retrain" }
    public var settings: [String: String] { [:] }
    public var needsTrainedModel: Bool { false }
    public func unlearn(_ model: FusionModel, request: UnlearningRequest,
                        progress: @Sendable (String) -> Void) throws -> FusionModel {
        guard !request.retain.isEmpty else {
            throw UnlearningError(method: name, problem: "the retain set is empty", fix: "give retain rows to train on")
        }
        return MatchingTrainer(recipe: request.recipe, seed: request.seed).train(data: request.data, rows: request.retain) { report in
            progress("retrain epoch \(report.epoch)/\(report.epochs)")
        }
    }
}

/// The methods miaudit knows by name.
public enum UnlearningMethods {
    /// Every method name, for help texts and errors.
    public static var names: [String] {
        ["none", "retrain", "multidelete", "multidelete-f", "multidelete-calibrated", "finetune", "neggrad", "dtd"]
    }

    /// The published `multidelete` with one loss weight set to 0 (α for L_MD, β for L_MKR, γ for
    /// L_UKR): the ablation `miaudit results` runs. `named` knows them; `names` does not list them.
    public static let ablationNames = ["multidelete-without-md", "multidelete-without-mkr", "multidelete-without-ukr"]

    /// The method called `name`, with its default settings.
    /// - Throws: `UnlearningError` naming the known methods when `name` is not one.
    public static func named(_ name: String) throws -> any UnlearningMethod {
        if ablationNames.contains(name) {
            var configuration = MultiDeleteUnlearning.published.configuration
            switch name {
            case "multidelete-without-md": configuration.weights.decoupling = 0
            case "multidelete-without-mkr": configuration.weights.multimodalRetention = 0
            default: configuration.weights.unimodalRetention = 0
            }
            return MultiDeleteUnlearning(name: name, configuration: configuration)
        }
        switch name {
        case "none": return NoUnlearning()
        case "retrain": return RetrainUnlearning()
        case "multidelete": return MultiDeleteUnlearning.published
        case "multidelete-f": return MultiDeleteUnlearning.fusionOnly
        case "multidelete-calibrated": return MultiDeleteUnlearning.calibrated
        case "finetune": return FineTuneUnlearning()
        case "neggrad": return NegGradUnlearning()
        case "dtd": return DescentToDeleteUnlearning()
        default:
            throw UnlearningError(method: name, problem: "is not a known unlearning method",
                                  fix: "use one of: \(names.joined(separator: ", "))")
        }
    }
}

/// Why an unlearning method could not run.
public struct UnlearningError: ReportableError, Equatable {
    public let method: String
    public let problem: String
    public let fix: String
    public init(method: String, problem: String, fix: String) {
        self.method = method
        self.problem = problem
        self.fix = fix
    }
    public var description: String { "unlearning method \"\(method)\": \(problem); \(fix)" }
    public var exitStatus: SysExit { .usage }
}
