#!/usr/bin/env python3
"""What sharding reference-model training buys: seconds per model on one core, and the predicted
wall time of K models on W workers (docs/scale-out.md).

    swift build -c release
    python3 benchmarks/scale_out_cost.py                    # 8 shadows + 8 gold on emoji-cldr
    python3 benchmarks/scale_out_cost.py --shadows 4 --gold 4

In a fresh temporary directory it trains the original (audits/fake-deletion.yaml's recipe), then
runs `miaudit models train SPEC --shard 0/1 --threads 1` on a spec with the given shadows (method
none) and gold models from an empty cache: one worker, one core, one model at a time. Seconds per
model = that wall time / models trained (process start and data loading included). Then
`miaudit audit SPEC --require-cached` gathers: the attacks and the report from the cache.

Prediction for K models on W workers, each one core: ceil(K / W) * seconds per model + the gather,
where the gather's cost grows with K (the attacks query every model) and is scaled linearly from the
measured one. Shared storage and scheduler latency are not included. Prints a table and writes
benchmarks/results/scale_out_cost.json with the machine and the OpenBLAS kernel.
"""
import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import timed_command  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(command):
    """Runs a command from the repository root; returns (seconds, foreign cores, completed process)."""
    return timed_command(command, cwd=ROOT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--miaudit", default=os.path.join(ROOT, ".build/release/miaudit"))
    parser.add_argument("--data", default=os.path.join(ROOT, "fixtures/emoji-cldr"))
    parser.add_argument("--shadows", type=int, default=8)
    parser.add_argument("--gold", type=int, default=8)
    parser.add_argument("--output", default=os.path.join(ROOT, "benchmarks/results/scale_out_cost.json"))
    args = parser.parse_args(argv)
    if not os.access(args.miaudit, os.X_OK):
        sys.exit(f"scale_out_cost: no miaudit binary at {args.miaudit}; run swift build -c release first")
    work = tempfile.mkdtemp(prefix="miaudit-scale-out-")
    try:
        key = os.path.join(work, "auditor.key")
        subprocess.run([args.miaudit, "keys", "generate", "--out", key], check=True, capture_output=True)
        original = os.path.join(work, "original.safetensors")
        done = subprocess.run([args.miaudit, "train", "--data", args.data, "--out", original, "--seed", "0", "--no-evaluate"],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            sys.exit(f"scale_out_cost: training the original failed:\n{done.stderr}")
        spec = os.path.join(work, "spec.yaml")
        with open(spec, "w") as f:
            f.write(f"name: scale-out-cost\nseed: 0\ndata: {args.data}\noriginal: {{path: {original}}}\n"
                    f"target: {{unlearn: {{method: none}}}}\nshadows: {{count: {args.shadows}}}\ngold: {args.gold}\n"
                    f"attacks: [svm, ulira, umia, forget_quality, rmia]\ncache: {os.path.join(work, 'cache')}\n")
        models = args.shadows + args.gold
        train_s, train_foreign, done = timed([args.miaudit, "models", "train", spec, "--shard", "0/1", "--threads", "1"])
        if done.returncode != 0 or f"trained {models} model(s)" not in done.stdout:
            sys.exit(f"scale_out_cost: models train failed or trained another count:\n{done.stdout}\n{done.stderr}")
        per_model = train_s / models
        gather_s, gather_foreign, done = timed([args.miaudit, "audit", spec, "--require-cached", "--db",
                                                os.path.join(work, "a.sqlite"), "--key", key, "--threads", "1", "--format", "json"])
        if done.returncode not in (0, 1, 2):
            sys.exit(f"scale_out_cost: the audit from the cache failed:\n{done.stderr}")
        bench = subprocess.run([args.miaudit, "bench", "train", "--format", "json", "--epochs", "1", "--threads", "1"],
                               capture_output=True, text=True, cwd=ROOT)
        try:
            kernel = json.loads(bench.stdout).get("openblas_corename")
        except (json.JSONDecodeError, AttributeError):
            kernel = None
    finally:
        shutil.rmtree(work, ignore_errors=True)

    predictions = []
    for k in (16, 64, 256):
        gather = gather_s * k / models
        for workers in (1, 8, 64):
            predictions.append({"models": k, "workers": workers,
                                "seconds": math.ceil(k / workers) * per_model + gather, "gather_seconds": gather})
    results = {"machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count()},
               "openblas_corename": kernel, "data": os.path.relpath(args.data, ROOT), "shadows": args.shadows, "gold": args.gold,
               "train_seconds": train_s, "train_foreign_cores": train_foreign, "seconds_per_model": per_model,
               "gather_seconds": gather_s, "gather_foreign_cores": gather_foreign, "predictions": predictions}
    print(f"{models} models on one core: {train_s:.1f} s, {per_model:.2f} s per model ({train_foreign:.2f} foreign cores); "
          f"audit from the cache: {gather_s:.1f} s ({gather_foreign:.2f} foreign cores); kernel {kernel}")
    print("| K | 1 worker | 8 workers | 64 workers |")
    print("|---|---|---|---|")
    for k in (16, 64, 256):
        row = [p for p in predictions if p["models"] == k]
        print(f"| {k} | " + " | ".join(f"{p['seconds']:.0f} s" for p in row) + " |")
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.output, ROOT)}")


if __name__ == "__main__":
    main()
