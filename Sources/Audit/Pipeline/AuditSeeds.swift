import NumericCore

/// The one rule from an audit's run seed s to every random choice it makes: each choice has a
/// label, and its seed is `RandomSource.derivedSeed(s, label)` (SplitMix64's finaliser of s mixed
/// with the FNV-1a hash of the label), so adding a choice never shifts another's stream.
///
/// | choice | label |
/// |---|---|
/// | keep matrix (which shadows keep which pool rows) | `keep-matrix` |
/// | shadow k / gold g, attempt a: training, then unlearning | `shadow-k-attempt-a-train`, `…-unlearn`, `gold-g-attempt-a-…` |
/// | SVM attack: member subset and halves; libsvm's `rand()` | `svm-attack`; `svm-libsvm` |
/// | U-MIA's cross-validation folds | `umia-folds` |
/// | truth-ratio perturbations (then one child per row: the row's id) | `truth-ratio` |
/// | the original's training, when `original.train.seed` is not given | `original-train` |
/// | the target's unlearning, when `target.unlearn.seed` is not given | `target-unlearn` |
/// | a remediation step's method | `remediate-<method>` |
///
/// AUC intervals are DeLong's (no bootstrap, so no seed); RMIA uses every population row (no
/// sampling). Reports record the run seed and every model's training and unlearning seeds.
public enum AuditSeeds {
    /// The seed of the original's training when the spec does not fix it.
    public static func originalTraining(_ run: UInt64) -> UInt64 { RandomSource.derivedSeed(run, "original-train") }

    /// The seed of the target's unlearning when the spec does not fix it.
    public static func targetUnlearning(_ run: UInt64) -> UInt64 { RandomSource.derivedSeed(run, "target-unlearn") }

    /// The seed of a remediation step's method: never the seed the original was trained with (a
    /// retrain with it would start from the original's initial weights).
    public static func remedy(_ run: UInt64, action: String) -> UInt64 { RandomSource.derivedSeed(run, "remediate-\(action)") }
}
