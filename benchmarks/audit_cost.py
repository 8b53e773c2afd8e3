#!/usr/bin/env python3
"""What one audit costs from an empty model cache, per profile, and what the demo costs.

    swift build -c release
    python3 benchmarks/audit_cost.py                 # full and fast profiles, then the demo
    python3 benchmarks/audit_cost.py --skip-demo --profiles fast

Each run gets a fresh temporary directory: an empty model cache, a new report store and key.
The original model (audits/fake-deletion.yaml's recipe, seed 0) is trained once first and timed
on its own; the profile audits then audit the claim that it unlearned the forget split with
method "none" (no target training) with every attack and the profile's default gate, so their
wall time is the reference models' training plus the attacks. The demo is `miaudit demo` on a
copy of audits/fake-deletion.yaml whose cache and original live in the temporary directory, so
it trains everything, the original included, as on a fresh clone.

Prints a table and writes benchmarks/results/audit_cost.json with the wall times, the models
trained (from each report), the verdicts, the CPU other processes used meanwhile, the machine and
the OpenBLAS kernel. Targets (issue 15): the fast profile <= 60 s, the demo <= 120 s, on 2 cores.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import timed_command  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def spec_text(profile, data, original, cache):
    """A fake-deletion audit of `original` with every attack and the profile's default gate."""
    references = "shadows: {count: 16}\n" if profile == "full" else "profile: fast\n"
    return (f"name: cost-{profile}\nseed: 0\ndata: {data}\n"
            f"original:\n  path: {original}\n  train: {{seed: 0}}\n"
            f"target:\n  unlearn: {{method: none}}\n"
            f"{references}gold: 16\nattacks: [svm, ulira, umia, forget_quality, rmia]\ncache: {cache}\n")


def run(command, env):
    """Runs a miaudit command from the repository root; returns (seconds, foreign cores, completed process)."""
    return timed_command(command, cwd=ROOT, env=env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--miaudit", default=os.path.join(ROOT, ".build/release/miaudit"))
    parser.add_argument("--data", default=os.path.join(ROOT, "fixtures/emoji-cldr"))
    parser.add_argument("--profiles", default="full,fast")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--output", default=os.path.join(ROOT, "benchmarks/results/audit_cost.json"))
    args = parser.parse_args(argv)
    if not os.access(args.miaudit, os.X_OK):
        sys.exit(f"audit_cost: no miaudit binary at {args.miaudit}; run swift build -c release first")
    env = dict(os.environ)
    work = tempfile.mkdtemp(prefix="miaudit-audit-cost-")
    results = {"machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count()},
               "threads": args.threads, "data": os.path.relpath(args.data, ROOT), "runs": []}
    try:
        key = os.path.join(work, "auditor.key")
        subprocess.run([args.miaudit, "keys", "generate", "--out", key], check=True, capture_output=True, env=env)
        original = os.path.join(work, "original.safetensors")
        seconds, foreign, done = run([args.miaudit, "train", "--data", args.data, "--out", original, "--seed", "0",
                                      "--threads", str(args.threads), "--no-evaluate"], env)
        if done.returncode != 0:
            sys.exit(f"audit_cost: training the original failed:\n{done.stderr}")
        kernel = re.search(r"corename[^\w]*(\w+)", done.stdout + done.stderr)
        results["original"] = {"seconds": seconds, "foreign_cores": foreign}
        print(f"original: {seconds:.1f} s ({foreign:.2f} foreign cores)", flush=True)
        for profile in args.profiles.split(","):
            cache = os.path.join(work, f"cache-{profile}")
            spec = os.path.join(work, f"{profile}.yaml")
            with open(spec, "w") as f:
                f.write(spec_text(profile, args.data, original, cache))
            db = os.path.join(work, f"{profile}.sqlite")
            seconds, foreign, done = run([args.miaudit, "audit", spec, "--db", db, "--key", key, "--format", "json",
                                          "--threads", str(args.threads)], env)
            if done.returncode not in (0, 1, 2):
                sys.exit(f"audit_cost: the {profile} audit failed:\n{done.stderr}")
            report = json.loads(done.stdout)
            refs = report.get("references") or {}
            trained = sum(1 for m in refs.get("shadow_models", []) + refs.get("gold_models", []) if not m.get("from_cache"))
            row = {"profile": profile, "seconds": seconds, "foreign_cores": foreign, "models_trained": trained,
                   "shadows": len(refs.get("shadow_models", [])), "golds": len(refs.get("gold_models", [])),
                   "verdict": report["gate"]["verdict"], "audit_seconds": report.get("seconds")}
            results["runs"].append(row)
            print(f"{profile}: {seconds:.1f} s, {trained} models trained ({row['shadows']} shadows, {row['golds']} gold), "
                  f"verdict {row['verdict']}, {foreign:.2f} foreign cores", flush=True)
        if not args.skip_demo:
            demo_dir = os.path.join(work, "demo")
            os.makedirs(demo_dir)
            with open(os.path.join(ROOT, "audits/fake-deletion.yaml")) as f:
                text = f.read()
            text = text.replace("../fixtures/emoji-cldr", args.data)
            text = text.replace("../reports/demo/original.safetensors", os.path.join(demo_dir, "original.safetensors"))
            text = text.replace("../audits/cache", os.path.join(demo_dir, "cache"))
            spec = os.path.join(demo_dir, "fake-deletion.yaml")
            with open(spec, "w") as f:
                f.write(text)
            seconds, foreign, done = run([args.miaudit, "demo", "--spec", spec, "--output", os.path.join(demo_dir, "out"),
                                          "--db", os.path.join(demo_dir, "audits.sqlite"), "--key", key,
                                          "--threads", str(args.threads)], env)
            if done.returncode != 0:
                sys.exit(f"audit_cost: the demo failed:\n{done.stderr}")
            verdicts = re.findall(r"^\d+\s+\S+\s+\S+\s+(PASS|FAIL|INCONCLUSIVE)", done.stdout, re.M)
            results["demo"] = {"seconds": seconds, "foreign_cores": foreign, "verdicts": verdicts}
            print(f"demo: {seconds:.1f} s from an empty cache, steps {' → '.join(verdicts)}, {foreign:.2f} foreign cores", flush=True)
        bench = subprocess.run([args.miaudit, "bench", "train", "--format", "json", "--epochs", "1", "--threads", "1"],
                               capture_output=True, text=True, env=env, cwd=ROOT)
        try:
            results["openblas_corename"] = json.loads(bench.stdout).get("openblas_corename")
        except (json.JSONDecodeError, AttributeError):
            results["openblas_corename"] = kernel.group(1) if kernel else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.output, ROOT)}")


if __name__ == "__main__":
    main()
