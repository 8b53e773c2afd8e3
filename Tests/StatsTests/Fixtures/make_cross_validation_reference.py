"""Reference out-of-fold probabilities from scikit-learn, for Stats.CrossValidation.

The shadow-free U-MIA (SPEC §5.3) fits the logistic attacker by stratified 10-fold cross-validation.
This script makes a small two-class data set (120 rows x 3 features: two overlapping Gaussian classes
of 60 rows each, columns on different scales), assigns fixed stratified folds (StratifiedKFold with a
fixed random_state), and for every fold fits StandardScaler on the other nine folds, then
LogisticRegression(C=1.0, tol=1e-12, max_iter=10000) (lbfgs, intercept unpenalised) on the scaled
training rows, and predicts P(class 1) for the held-out rows. A newton-cg fit of the same problem
is recorded as well, to show how far the two solvers are apart.
Recorded: features, labels (0/1), folds (0..9 per row) and the held-out probabilities in row order.

Usage: python3 make_cross_validation_reference.py  (writes cross_validation_reference.json beside this script)
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(11)

n_per_class, n_folds = 60, 10
members = rng.normal([0.6, -0.4, 0.3], 1.0, (n_per_class, 3))
others = rng.normal([0.0, 0.0, 0.0], 1.0, (n_per_class, 3))
x = np.r_[members, others] * [1.0, 20.0, 0.05] + [0.0, 3.0, -1.0]
y = np.r_[np.ones(n_per_class), np.zeros(n_per_class)].astype(int)
order = rng.permutation(len(y))  # interleave the classes
x, y = x[order], y[order]

folds = np.empty(len(y), dtype=int)
for k, (_, test) in enumerate(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=3).split(x, y)):
    folds[test] = k


def out_of_fold(solver):
    probability = np.empty(len(y))
    for k in range(n_folds):
        train, test = folds != k, folds == k
        scaler = StandardScaler().fit(x[train])
        model = LogisticRegression(C=1.0, solver=solver, tol=1e-12, max_iter=10000).fit(scaler.transform(x[train]), y[train])
        probability[test] = model.predict_proba(scaler.transform(x[test]))[:, 1]
    return probability


probability = out_of_fold("lbfgs")
gap = float(np.max(np.abs(probability - out_of_fold("newton-cg"))))
doc = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "C": 1.0,
       "features": x.tolist(), "labels": y.tolist(), "folds": folds.tolist(),
       "probability": probability.tolist(), "newton_cg_max_difference": gap}
path = HERE / "cross_validation_reference.json"
path.write_text(json.dumps(doc, separators=(",", ":")))
print(f"wrote {path}; lbfgs vs newton-cg max difference {gap:.3g}")
