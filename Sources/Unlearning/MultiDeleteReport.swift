/// What a MultiDelete run did (SPEC §7: the losses per epoch, the time, and the checkpoint-selection rule).
public struct MultiDeleteReport: Sendable, Equatable, Codable {
    /// One epoch (a pass over the forget rows; the last may be cut short by the stop rule).
    public struct Epoch: Sendable, Equatable, Codable {
        /// 1-based.
        public var epoch: Int
        /// Optimizer steps taken in this epoch.
        public var steps: Int
        /// Each loss term's mean over the epoch's steps (measured before each step's update).
        public var meanLosses: MultiDeleteLossTerms
    }

    /// One evaluation of the stop rule.
    public struct StopCheck: Sendable, Equatable, Codable {
        /// Optimizer steps taken before the check (0 = the original model).
        public var step: Int
        /// AUC of the forget set's LiRA scores against the validation subset's.
        public var areaUnderCurve: Double

        enum CodingKeys: String, CodingKey { case step, areaUnderCurve = "auc" }
    }

    /// The method's name.
    public var method: String
    /// Per-epoch loss terms, in order.
    public var epochs: [Epoch]
    /// Optimizer steps taken.
    public var steps: Int
    /// Optimizer steps behind the returned model (≤ `steps` when an earlier checkpoint was kept).
    public var selectedStep: Int
    /// Wall-clock seconds of the whole run, stop checks included.
    public var seconds: Double
    /// How the returned model was chosen, in words.
    public var checkpointRule: String
    /// Every stop check, in order (empty without a stop rule).
    public var stopChecks: [StopCheck]
    /// Whether the stop rule's band was reached; nil without a stop rule.
    public var stopReached: Bool?

    enum CodingKeys: String, CodingKey {
        case method, epochs, steps, selectedStep = "selected_step", seconds, checkpointRule = "checkpoint_rule"
        case stopChecks = "stop_checks", stopReached = "stop_reached"
    }
}
