"""U-LiRA Gaussian fit and scoring: miaudit (Stats.ShadowGaussians) against vectorised numpy, same run.

Both sides take the same inputs: shadow LiRA scores phi (K x M float64, default K = 128 shadows,
M = 10,000 examples), a balanced keep matrix (K x M; every example kept by exactly K/2 shadows) and
the target model's scores (M). One call fits each example's in and out Gaussians (masked means,
population sd with ddof 0, or one pooled RMS per side; sd floored at 1e-12) and computes the online
score log N(t; mu_in, sd_in^2) - log N(t; mu_out, sd_out^2) and the one-sided offline score -log Pr[Z >= t], Z ~ N(mu_out,
sd_out^2). Both variance estimates are timed (per-example and pooled). Each side times whole calls
in a loop lasting >= 0.1 s, --repeats times, after a warm-up; inputs are read once, outside the
timing. miaudit times itself in process (`miaudit bench lira`); numpy is timed here. The script
checks that both give the same scores (max error relative to max(|score|, 1); 1e-9 allowed) before printing the ratio.

Usage: swift build -c release && python3 benchmarks/lira_vs_numpy.py [--examples 10000] [--shadows 128]
       [--repeats 7] [--miaudit .build/release/miaudit] [--output benchmarks/results/lira_vs_numpy.json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.special import log_ndtr

from peer_timing import foreign_cores, time_calls

ROOT = Path(__file__).resolve().parent.parent
LOG_SQRT_2PI = np.log(np.sqrt(2 * np.pi))
VARIANCES = ("per-example", "pooled")


def make_inputs(shadows, examples, seed):
    """phi (K x M), a balanced bool keep matrix (K x M) and target scores (M); in shadows score higher."""
    rng = np.random.default_rng(seed)
    keep = np.argsort(rng.random((shadows, examples)), axis=0) < shadows // 2
    center = rng.normal(0.0, 3.0, examples)
    lift = rng.uniform(0.0, 2.0, examples)
    spread = rng.uniform(0.3, 2.0, examples)
    phi = center + keep * lift + spread * rng.standard_normal((shadows, examples))
    member = rng.random(examples) < 0.5
    target = center + member * lift + spread * rng.standard_normal(examples)
    return phi, keep, target


def log_density(x, mean, sd):
    z = (x - mean) / sd
    return -z * z / 2.0 - LOG_SQRT_2PI - np.log(sd)


def ulira_numpy(phi, keep, target, variance, floor=1e-12):
    """Online and offline U-LiRA scores from shadow scores, vectorised over examples.

    Masked sums as einsum against 0/1 float masks: the fastest exact form found here (np.where
    temporaries and .sum(axis=0) took about 1.7x as long; subtracting the in sum from the total is
    faster still but not exact)."""
    kept = keep.astype(np.float64)
    left = 1.0 - kept
    n_in = kept.sum(axis=0)
    n_out = keep.shape[0] - n_in
    mu_in = np.einsum("km,km->m", phi, kept) / n_in
    mu_out = np.einsum("km,km->m", phi, left) / n_out
    r = phi - np.where(keep, mu_in, mu_out)
    r *= r
    ss_in = np.einsum("km,km->m", r, kept)
    ss_out = np.einsum("km,km->m", r, left)
    if variance == "pooled":
        sd_in = np.sqrt(ss_in.sum() / n_in.sum())
        sd_out = np.sqrt(ss_out.sum() / n_out.sum())
    else:
        sd_in = np.sqrt(ss_in / n_in)
        sd_out = np.sqrt(ss_out / n_out)
    sd_in, sd_out = np.maximum(sd_in, floor), np.maximum(sd_out, floor)
    # Offline is LiRA's one-sided test: -log Pr[Z >= phi], Z ~ N(mu_out, sd_out^2).
    offline = -log_ndtr(-(target - mu_out) / sd_out)
    return log_density(target, mu_in, sd_in) - log_density(target, mu_out, sd_out), offline


def max_relative_error(a, b):
    """max |a - b| / max(|b|, 1): relative, except near 0 where an online score is the difference of
    two log densities of order 1 and a plain relative error would measure their cancellation."""
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10000, help="M, pool examples")
    ap.add_argument("--shadows", type=int, default=128, help="K, shadow models (even)")
    ap.add_argument("--seed", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--miaudit", default=str(ROOT / ".build/release/miaudit"))
    ap.add_argument("--output", default=str(ROOT / "benchmarks/results/lira_vs_numpy.json"))
    args = ap.parse_args()
    if args.shadows < 2 or args.shadows % 2:
        ap.error(f"--shadows must be even and at least 2, got {args.shadows}")

    phi, keep, target = make_inputs(args.shadows, args.examples, args.seed)
    rows = {}
    for variance in VARIANCES:
        timing, foreign = foreign_cores(lambda: time_calls(lambda: ulira_numpy(phi, keep, target, variance), args.repeats))
        rows[f"numpy {variance}"] = {**timing, "foreign_cores": foreign}

    miaudit = None
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: Path(tmp) / f"{name}.npy" for name in ("phi", "keep", "target", "scores")}
        np.save(paths["phi"], phi)
        np.save(paths["keep"], keep.astype(np.uint8))  # miaudit's .npy reader takes uint8, not numpy bool
        np.save(paths["target"], target)
        command = [args.miaudit, "bench", "lira", str(paths["phi"]), str(paths["keep"]), str(paths["target"]),
                   "--repeats", str(args.repeats), "--scores-out", str(paths["scores"]), "--format", "json"]
        if not Path(args.miaudit).exists():
            print(f"no miaudit binary at {args.miaudit}: build with `swift build -c release`; numpy alone:")
        else:
            proc, foreign = foreign_cores(lambda: subprocess.run(command, capture_output=True, text=True))
            if proc.returncode != 0:
                print(f"`{' '.join(command[1:3])}` failed ({proc.stderr.strip()}); numpy alone:")
            else:
                miaudit = {**json.loads(proc.stdout), "foreign_cores": foreign}
                swift_scores = np.load(paths["scores"])

    agreement = {}
    if miaudit is not None:
        for i, variance in enumerate(VARIANCES):
            online, offline = ulira_numpy(phi, keep, target, variance)
            agreement[variance] = {"online": max_relative_error(swift_scores[2 * i], online),
                                   "offline": max_relative_error(swift_scores[2 * i + 1], offline)}
            rows[f"miaudit {variance}"] = {**miaudit[variance], "foreign_cores": miaudit["foreign_cores"]}

    print(f"U-LiRA fit + online and offline scores, K={args.shadows} shadows x M={args.examples} examples")
    print(f"{'':20s} {'min ms':>9s} {'median ms':>10s} {'calls/timing':>13s} {'foreign':>8s}")
    for name, r in rows.items():
        print(f"{name:20s} {r['min'] * 1e3:9.3f} {r['median'] * 1e3:10.3f} {r['inner_reps']:13d} {r['foreign_cores']:8.2f}")
    same = True
    for variance, errors in agreement.items():
        ratio = rows[f"numpy {variance}"]["min"] / rows[f"miaudit {variance}"]["min"]
        ok = max(errors.values()) <= 1e-9
        same = same and ok
        print(f"{variance:12s} numpy / miaudit time (min): {ratio:6.2f}x; max relative error online "
              f"{errors['online']:.2e}, offline {errors['offline']:.2e}{'' if ok else '  MISMATCH'}")
        rows[f"ratio_numpy_over_miaudit {variance}"] = ratio
    if not same:
        print("MISMATCH: miaudit and numpy scores differ by more than 1e-9 relative", file=sys.stderr)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"bench": "ulira_fit_score", "shadows": args.shadows, "examples": args.examples,
                               "seed": args.seed, "machine": platform.processor() or platform.machine(),
                               "cores": os.cpu_count(), "numpy": np.__version__, "max_relative_error": agreement,
                               "same_result": same if agreement else None, "rows": rows}, indent=1))
    print(f"wrote {out}")
    if agreement and not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
