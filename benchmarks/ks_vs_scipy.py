"""Two-sample KS test: miaudit (Stats.KolmogorovSmirnov) against scipy.stats.ks_2samp, same run.

Both sides test the same two samples (default 5,000 vs 5,000 normals, the second shifted by 0.05,
numpy default_rng(5000), rounded to 6 decimals: ks_reference.json's `timing_5000_5000` case) with
the same method (default exact). Each side times whole calls (sort, ECDF statistic, p-value) in a
loop long enough to last >= 0.1 s, repeated --repeats times; files are read once, outside the
timing. miaudit times itself in process (`miaudit bench ks`), scipy is timed here with
time.perf_counter. The script checks that both give the same D and p (1e-9 relative).

Usage: swift build -c release && python3 benchmarks/ks_vs_scipy.py [--n 5000] [--method exact]
       [--repeats 7] [--miaudit .build/release/miaudit] [--output benchmarks/results/ks_vs_scipy.json]
"""
import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy
from scipy.stats import ks_2samp

from peer_timing import foreign_cores, time_calls

ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="size of each sample")
    ap.add_argument("--shift", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=5000)
    ap.add_argument("--method", default="exact", choices=("exact", "asymp", "auto"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--miaudit", default=str(ROOT / ".build/release/miaudit"))
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/ks_vs_scipy.json"))
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.normal(0.0, 1.0, args.n).round(6)
    y = rng.normal(args.shift, 1.0, args.n).round(6)
    reference = ks_2samp(x, y, method=args.method)

    scipy_timing, scipy_foreign = foreign_cores(lambda: time_calls(lambda: ks_2samp(x, y, method=args.method), args.repeats))
    rows = {"scipy": {**scipy_timing, "foreign_cores": scipy_foreign, "version": scipy.__version__,
                      "statistic": float(reference.statistic), "pvalue": float(reference.pvalue)}}

    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.npy", Path(tmp) / "b.npy"
        np.save(a, x)
        np.save(b, y)
        command = [args.miaudit, "bench", "ks", str(a), str(b), "--method", args.method,
                   "--repeats", str(args.repeats), "--format", "json"]
        if not Path(args.miaudit).exists():
            print(f"no miaudit binary at {args.miaudit}: build with `swift build -c release`; scipy alone:")
        else:
            proc, foreign = foreign_cores(lambda: subprocess.run(command, capture_output=True, text=True))
            if proc.returncode != 0:
                print(f"`{' '.join(command[1:3])}` failed ({proc.stderr.strip()}); scipy alone:")
            else:
                rows["miaudit"] = {**json.loads(proc.stdout), "foreign_cores": foreign}

    print(f"KS two-sample, {args.n} vs {args.n}, method={args.method}: D={reference.statistic:.6g} p={reference.pvalue:.6g}")
    print(f"{'':8s} {'min ms':>9s} {'median ms':>10s} {'calls/timing':>13s} {'foreign':>8s}")
    for name, r in rows.items():
        print(f"{name:8s} {r['min'] * 1e3:9.3f} {r['median'] * 1e3:10.3f} {r['inner_reps']:13d} {r['foreign_cores']:8.2f}")
    if "miaudit" in rows:
        m = rows["miaudit"]
        same = bool(abs(m["statistic"] - reference.statistic) <= 1e-12
                and abs(m["pvalue"] - reference.pvalue) <= 1e-9 * abs(reference.pvalue))
        ratio = rows["scipy"]["min"] / m["min"]
        print(f"scipy / miaudit time (min): {ratio:.2f}x; same D and p: {same}")
        rows["ratio_scipy_over_miaudit"] = ratio
        rows["same_result"] = same
        if not same:
            print(f"MISMATCH: miaudit D={m['statistic']} p={m['pvalue']}", file=sys.stderr)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"bench": "ks_2samp", "n": args.n, "shift": args.shift, "seed": args.seed,
                               "method": args.method, "machine": platform.processor() or platform.machine(),
                               "numpy": np.__version__, "rows": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
