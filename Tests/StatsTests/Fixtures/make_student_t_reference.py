"""Reference values for Student's t distribution (Stats.StudentTDistribution) and the normal quantile.

- t: scipy.stats.t.cdf, .sf and .ppf for the degrees of freedom the gate uses (G - 1 for G = 2...64
  gold models) and a few more, on t and p grids that reach into the tails.
- norm_ppf: scipy.stats.norm.ppf on a p grid including 1e-300 and 1 - 2^-53 (the gate's probit scale).

Usage: python3 make_student_t_reference.py  (writes student_t_reference.json beside this script)
"""
import json
from pathlib import Path

import numpy as np
import scipy
from scipy.stats import norm, t

HERE = Path(__file__).resolve().parent

rows = []
for nu in [1, 2, 3, 5, 7, 15, 31, 63, 100, 1000]:
    for x in [-40.0, -6.5, -2.1, -0.3, 0.0, 0.25, 1.0, 1.7, 2.9, 5.5, 12.0, 60.0]:
        rows.append({"nu": nu, "t": x, "cdf": float(t.cdf(x, nu)), "sf": float(t.sf(x, nu))})
ppf = []
for nu in [1, 2, 3, 5, 7, 15, 31, 63, 100, 1000]:
    for p in [1e-10, 1e-4, 0.00625, 0.0125, 0.025, 0.05, 0.2, 0.5, 0.8, 0.95, 0.9875, 0.99375, 1 - 1e-6]:
        ppf.append({"nu": nu, "p": p, "t": float(t.ppf(p, nu))})
normal = [{"p": p, "z": float(norm.ppf(p))} for p in [1e-300, 1e-50, 1e-10, 0.001, 0.2, 0.5, 0.8, 0.999, 1 - 1e-12, 1 - 2.0 ** -53]]

(HERE / "student_t_reference.json").write_text(json.dumps(
    {"generator": "make_student_t_reference.py", "numpy": np.__version__, "scipy": scipy.__version__,
     "t": rows, "t_ppf": ppf, "norm_ppf": normal}, indent=1))
print(f"wrote {len(rows)} cdf/sf, {len(ppf)} ppf and {len(normal)} normal quantile values")
