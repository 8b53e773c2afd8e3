"""RBF C-SVC with probability estimates: miaudit (libsvm through SVM.SupportVectorMachine) against
scikit-learn's SVC (its bundled libsvm), same run.

Both sides fit the same data with the settings of docs/method.md §5.1 (C = 3, gamma = 1/features, probability
estimates on, tolerance 1e-3, shrinking) and predict P(label 1) for the same rows. The data: two
overlapping Gaussian classes (default 2,000 train and 2,000 predict rows x 5 features; class 1's
mean shifted by 0.5 per feature; numpy default_rng(--seed)). Fit and predict are timed separately,
each after a warm-up, --repeats times (a predict timing loops until it lasts >= 0.1 s); data are
read once, outside the timing. miaudit times itself in process (`miaudit bench svm`); sklearn is
timed here. The script reports the agreement of the decision values (max abs difference, and
relative to their largest magnitude) and of the probabilities (max abs difference; the Platt fit
uses random 5-fold cross-validation on each side, so these differ a little and never fail the run).

Usage: swift build -c release && python3 benchmarks/svm_vs_sklearn.py [--train 2000] [--predict 2000]
       [--features 5] [--repeats 5] [--miaudit .build/release/miaudit] [--output benchmarks/results/svm_vs_sklearn.json]
"""
import argparse
import json
import os
import platform
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.svm import SVC

from peer_timing import foreign_cores, time_calls

ROOT = Path(__file__).resolve().parent.parent
# scikit-learn 1.9 deprecates SVC(probability=True) for CalibratedClassifierCV; the libsvm Platt fit is
# the peer here, so keep using it while it exists.
warnings.filterwarnings("ignore", message="The `probability` parameter was deprecated", category=FutureWarning)


def make_data(rows, features, shift, rng):
    """Features (rows x features) and labels 0/1 of two overlapping Gaussian classes, about half each."""
    labels = (rng.random(rows) < 0.5).astype(np.int64)
    x = rng.standard_normal((rows, features)) + shift * labels[:, None]
    return x, labels


def sklearn_svc(x, y, seed):
    return SVC(C=3.0, gamma=1.0 / x.shape[1], kernel="rbf", probability=True, tol=1e-3,
               shrinking=True, random_state=seed).fit(x, y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, default=2000, help="training rows")
    ap.add_argument("--predict", type=int, default=2000, help="rows to predict")
    ap.add_argument("--features", type=int, default=5)
    ap.add_argument("--shift", type=float, default=0.5, help="class 1's mean, per feature")
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--miaudit", default=str(ROOT / ".build/release/miaudit"))
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/svm_vs_sklearn.json"))
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    x_train, y_train = make_data(args.train, args.features, args.shift, rng)
    x_predict, _ = make_data(args.predict, args.features, args.shift, rng)

    fit, fit_foreign = foreign_cores(lambda: time_calls(lambda: sklearn_svc(x_train, y_train, args.seed), args.repeats))
    model = sklearn_svc(x_train, y_train, args.seed)
    predict, predict_foreign = foreign_cores(lambda: time_calls(lambda: model.predict_proba(x_predict), args.repeats))
    rows = {"sklearn fit": {**fit, "foreign_cores": fit_foreign},
            "sklearn predict": {**predict, "foreign_cores": predict_foreign}}
    decision = model.decision_function(x_predict)  # positive = label 1, as miaudit's decisionValues
    probability = model.predict_proba(x_predict)[:, list(model.classes_).index(1)]

    miaudit, agreement = None, {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: Path(tmp) / f"{name}.npy" for name in ("train", "labels", "predict", "scores")}
        np.save(paths["train"], x_train)
        np.save(paths["labels"], y_train)
        np.save(paths["predict"], x_predict)
        command = [args.miaudit, "bench", "svm", str(paths["train"]), str(paths["labels"]), str(paths["predict"]),
                   "--seed", str(args.seed), "--repeats", str(args.repeats), "--scores-out", str(paths["scores"]),
                   "--format", "json"]
        if not Path(args.miaudit).exists():
            print(f"no miaudit binary at {args.miaudit}: build with `swift build -c release`; sklearn alone:")
        else:
            proc, foreign = foreign_cores(lambda: subprocess.run(command, capture_output=True, text=True))
            if proc.returncode != 0:
                print(f"`{' '.join(command[1:3])}` failed ({proc.stderr.strip()}); sklearn alone:")
            else:
                miaudit = json.loads(proc.stdout)
                scores = np.load(paths["scores"])
                rows["miaudit fit"] = {**miaudit["fit"], "foreign_cores": foreign}
                rows["miaudit predict"] = {**miaudit["predict"], "foreign_cores": foreign}
                difference = np.abs(scores[0] - decision)
                agreement = {
                    "decision_max_abs": float(difference.max()),
                    "decision_max_rel_to_scale": float(difference.max() / np.abs(decision).max()),
                    "decision_sign_agreement": float(np.mean(np.sign(scores[0]) == np.sign(decision))),
                    "probability_max_abs": float(np.abs(scores[1] - probability).max()),
                    "probability_mean_abs": float(np.abs(scores[1] - probability).mean()),
                    "support_vectors": {"miaudit": miaudit["support_vectors"], "sklearn": int(model.n_support_.sum())},
                }

    print(f"RBF C-SVC (C=3, gamma=1/{args.features}, probability), {args.train} train x {args.features} features, "
          f"{args.predict} predict rows")
    print(f"{'':16s} {'min ms':>10s} {'median ms':>10s} {'calls/timing':>13s} {'foreign':>8s}")
    for name, r in rows.items():
        print(f"{name:16s} {r['min'] * 1e3:10.3f} {r['median'] * 1e3:10.3f} {r['inner_reps']:13d} {r['foreign_cores']:8.2f}")
    if miaudit is not None:
        for part in ("fit", "predict"):
            ratio = rows[f"sklearn {part}"]["min"] / rows[f"miaudit {part}"]["min"]
            rows[f"ratio_sklearn_over_miaudit {part}"] = ratio
            print(f"{part:8s} sklearn / miaudit time (min): {ratio:.2f}x")
        a = agreement
        print(f"support vectors: miaudit {a['support_vectors']['miaudit']}, sklearn {a['support_vectors']['sklearn']}; "
              f"decision values: max |diff| {a['decision_max_abs']:.2e} ({a['decision_max_rel_to_scale']:.2e} of the "
              f"largest |f|), same sign {100 * a['decision_sign_agreement']:.2f}%; "
              f"P(label 1): max |diff| {a['probability_max_abs']:.2e}, mean {a['probability_mean_abs']:.2e}")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"bench": "svc_rbf_probability", "train": args.train, "predict": args.predict,
                               "features": args.features, "shift": args.shift, "seed": args.seed,
                               "machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                               "sklearn": sklearn.__version__, "numpy": np.__version__,
                               "libsvm_version_miaudit": miaudit["libsvm_version"] if miaudit else None,
                               "agreement": agreement, "rows": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
