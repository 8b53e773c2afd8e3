#!/usr/bin/env python3
"""Training throughput of miaudit's native fusion model against the same model in PyTorch (CPU).

    swift build -c release
    python3 benchmarks/train_vs_pytorch.py [--data DIR] [--epochs 3] [--batch 64] [--repeats 3] [--threads 1,2]

Both peers train the model of docs/method.md §3 with miaudit's default recipe on the train split of the same
data set, and are measured in the same run:
  - each epoch: the train split's true pairs (label 1) plus one mismatched pair per true pair (label
    0; the text of a train row from a different group, drawn uniformly); the rows are shuffled and a
    minibatch takes --batch // 2 whole rows, each with its true and its mismatched pair (--batch
    pairs); the image encoder runs once per row of the batch and h_I is indexed per pair (autograd
    sums the two pairs' gradients at h_I); softmax cross-entropy (mean over the pairs); AdamW (lr
    1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.1); PyTorch's default nn.Linear initialisation;
  - samples/s = pairs processed per second over --epochs epochs (drawing the pairs, gathering the
    rows and the optimiser steps included; reading files excluded), after one untimed warm-up epoch;
    the best of --repeats;
  - at each thread count: torch.set_num_threads(T) here, `miaudit bench train --threads T` there.
The miaudit side runs as a subprocess (`--miaudit`, default .build/release/miaudit); when the binary is
missing, or the data directory has no manifest.json, only the PyTorch figures are printed.

Share of the sgemm bound = model FLOPs per sample × samples/s ÷ the FLOP/s sgemm reaches on the model's
own GEMM shapes (miaudit measures OpenBLAS; this script measures torch.mm, i.e. MKL, the same way; the
image encoder's products at --batch // 2 rows, the others at --batch).
Model FLOPs per sample: 2·in·out per Linear forward; backward 2× forward, except the first layer of
each encoder (its input gradient is not needed): 1×; the image encoder's layers count half, since
each image serves two pairs (2.462 MFLOP per sample with the default sizes; 4.133 per pair-encoded
image before the encoder ran once per image).

The machine may be shared: before each timed run the script waits (--max-wait) until other processes
use < 0.15 cores, measures the CPU they took during the run, retries a run they loaded by > 0.25 cores
(--tries), and records the figure with every run.

Results: a table on stdout and benchmarks/results/train_vs_pytorch.json.
"""
import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

# miaudit's default recipe (Sources/MatchingTask/TrainingRecipe.swift).
IMAGE_HIDDEN = [256, 128]
TEXT_HIDDEN = [256, 128]
FUSION_HIDDEN = [128]
CLASSES = 2
# Pairs per row in an epoch: its true pair and one mismatched pair (miaudit's negatives_per_positive = 1).
PAIRS_PER_IMAGE = 2
LEARNING_RATE, BETAS, EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.999), 1e-8, 0.1


# ---------------------------------------------------------------------------------------------
# data


def load_data(directory, seed):
    """(images float32 [n, F] scaled to [0,1], texts float32 [n, d], groups int64 [n], train rows, description, has_manifest).

    A miaudit data-set directory (manifest.json) gives its own train split. The raw emoji-cldr source
    directory (PROVENANCE.json, pairs.jsonl, no manifest) gets a train split of a random 60% of groups.
    """
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        arrays = manifest["arrays"]
        images = np.load(directory / arrays["images"]["file"], allow_pickle=False)
        texts = np.load(directory / arrays["texts"]["file"], allow_pickle=False)
        groups = np.load(directory / arrays["groups"]["file"], allow_pickle=False).astype(np.int64)
        scale = float(manifest.get("pixel_scale", 1))
        train = np.asarray(manifest["splits"]["train"], dtype=np.int64)
        described = f"{directory} (manifest train split)"
    else:
        images = np.load(directory / "images_u8_32x32x3.npy", allow_pickle=False)
        texts = np.load(directory / "caption_minilm384_f16.npy", allow_pickle=False)
        with open(directory / "pairs.jsonl") as f:
            groups = np.asarray([json.loads(line)["group_id"] for line in f if line.strip()], dtype=np.int64)
        scale = 255.0
        distinct = sorted(set(groups.tolist()))
        chosen = set(random.Random(seed).sample(distinct, round(0.6 * len(distinct))))
        train = np.asarray([i for i, g in enumerate(groups) if g in chosen], dtype=np.int64)
        described = f"{directory} (raw emoji-cldr; train = random 60% of groups, seed {seed})"
    images = (images.reshape(len(images), -1).astype(np.float32) / np.float32(scale))
    return images, texts.astype(np.float32), groups, train, described, manifest_path.exists()


def default_data():
    for candidate in (ROOT / "fixtures" / "emoji-cldr", ROOT.parent / "shared" / "datasets" / "emoji-cldr"):
        if (candidate / "manifest.json").exists() or (candidate / "pairs.jsonl").exists():
            return candidate
    sys.exit("no data: pass --data (a miaudit data-set directory or the emoji-cldr source directory)")


# ---------------------------------------------------------------------------------------------
# model and FLOPs


def linear_shapes(image_features, text_features):
    """(input, output) of every Linear in storage order: image encoder, text encoder, fusion, head."""
    shapes, width = [], image_features
    for h in IMAGE_HIDDEN:
        shapes.append((width, h)); width = h
    width = text_features
    for h in TEXT_HIDDEN:
        shapes.append((width, h)); width = h
    width = IMAGE_HIDDEN[-1] + TEXT_HIDDEN[-1]
    for h in FUSION_HIDDEN:
        shapes.append((width, h)); width = h
    shapes.append((IMAGE_HIDDEN[-1] + TEXT_HIDDEN[-1] + FUSION_HIDDEN[-1], CLASSES))
    return shapes


def first_layers():
    """Indices (into linear_shapes) of each encoder's first layer, whose input gradient is not needed."""
    return {0, len(IMAGE_HIDDEN)}


def image_layers():
    """Indices (into linear_shapes) of the image encoder's layers, which run once per distinct image."""
    return set(range(len(IMAGE_HIDDEN)))


def training_flops_per_sample(image_features, text_features, pairs_per_image=PAIRS_PER_IMAGE):
    """Training FLOPs per pair when each image serves `pairs_per_image` pairs (its true and its
    mismatched pair) and the image encoder runs once per image."""
    total = 0.0
    for index, (i, o) in enumerate(linear_shapes(image_features, text_features)):
        forward = 2 * i * o
        layer = forward + (forward if index in first_layers() else 2 * forward)
        total += layer / pairs_per_image if index in image_layers() else layer
    return total


def build_model(torch, image_mean, text_features):
    nn = torch.nn

    def mlp(width, sizes):
        layers = []
        for h in sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        return nn.Sequential(*layers)

    class Fusion(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("image_mean", torch.from_numpy(image_mean))
            self.image_encoder = mlp(len(image_mean), IMAGE_HIDDEN)
            self.text_encoder = mlp(text_features, TEXT_HIDDEN)
            self.fusion = mlp(IMAGE_HIDDEN[-1] + TEXT_HIDDEN[-1], FUSION_HIDDEN)
            self.head = nn.Linear(IMAGE_HIDDEN[-1] + TEXT_HIDDEN[-1] + FUSION_HIDDEN[-1], CLASSES)

        def forward(self, images, image_index, texts):
            """images: the batch's distinct image rows; image_index: the row of `images` of each pair."""
            h_i = self.image_encoder(images - self.image_mean)[image_index]
            h_t = self.text_encoder(texts)
            h_f = self.fusion(torch.cat([h_i, h_t], dim=1))
            return self.head(torch.cat([h_i, h_t, h_f], dim=1))

    return Fusion()


# ---------------------------------------------------------------------------------------------
# PyTorch training


class Trainer:
    def __init__(self, torch, images, texts, groups, train, batch, seed):
        self.torch = torch
        self.images = torch.from_numpy(images)
        self.texts = torch.from_numpy(texts)
        self.train_rows = torch.from_numpy(train)
        self.train_groups = torch.from_numpy(groups[train])
        self.batch = batch
        self.generator = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        mean = images[train].astype(np.float64).mean(axis=0).astype(np.float32)
        self.model = build_model(torch, mean, texts.shape[1])
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=LEARNING_RATE, betas=BETAS, eps=EPS,
                                           weight_decay=WEIGHT_DECAY)
        self.loss = torch.nn.CrossEntropyLoss()

    def mismatched_partners(self):
        """For each train row, a uniformly drawn train row of a different group (by rejection)."""
        torch, n = self.torch, len(self.train_rows)
        partner = torch.randint(n, (n,), generator=self.generator)
        same = self.train_groups[partner] == self.train_groups
        while bool(same.any()):
            redraw = same.nonzero().squeeze(1)
            partner[redraw] = torch.randint(n, (len(redraw),), generator=self.generator)
            same = self.train_groups[partner] == self.train_groups
        return self.train_rows[partner]

    def epoch(self):
        """One epoch in whole groups, as miaudit trains: each row's true pair followed by its mismatched
        pair, the rows shuffled, --batch // 2 rows per minibatch; returns the number of pairs processed."""
        torch = self.torch
        rows, partners = self.train_rows, self.mismatched_partners()
        order = torch.randperm(len(rows), generator=self.generator)
        rows, partners = rows[order], partners[order]
        per_batch = max(1, self.batch // PAIRS_PER_IMAGE)
        for start in range(0, len(rows), per_batch):
            batch_rows = rows[start:start + per_batch]
            count = len(batch_rows)
            # Pair 2k is row k's true pair, pair 2k + 1 its mismatched pair; both use image k.
            image_index = torch.arange(count).repeat_interleave(PAIRS_PER_IMAGE)
            text_index = torch.stack([batch_rows, partners[start:start + count]], dim=1).reshape(-1)
            labels = torch.tensor([1, 0], dtype=torch.long).repeat(count)
            logits = self.model(self.images[batch_rows], image_index, self.texts[text_index])
            loss = self.loss(logits, labels)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
        return PAIRS_PER_IMAGE * len(rows)


def gemm_rate(torch, shapes, batch, trials=5, loop_seconds=0.02):
    """FLOP/s of torch.mm on one training step's GEMM shapes, each product timed alone (a loop of at
    least `loop_seconds`, best of `trials`): the image encoder's at batch // 2 rows (one per distinct
    image), the others at the batch's 2 · (batch // 2) pairs."""
    flops = seconds = 0.0
    for index, (i, o) in enumerate(shapes):
        images_per_batch = max(1, batch // PAIRS_PER_IMAGE)
        rows = images_per_batch if index in image_layers() else images_per_batch * PAIRS_PER_IMAGE
        x, w, g = torch.rand(rows, i), torch.rand(o, i), torch.rand(rows, o)
        products = [(x, w.t()), (g.t(), x)]            # forward; weight gradient
        if index not in first_layers():
            products.append((g, w))                    # input gradient
        for a, b in products:
            torch.mm(a, b)
            best = float("inf")
            for _ in range(trials):
                reps, start = 0, time.perf_counter()
                while True:
                    torch.mm(a, b)
                    reps += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= loop_seconds and reps >= 3:
                        break
                best = min(best, elapsed / reps)
            flops += 2.0 * a.shape[0] * a.shape[1] * b.shape[1]
            seconds += best
    return flops / seconds


class ForeignLoad:
    """CPU used by other processes while the block ran, in cores (0 = the machine was ours)."""

    @staticmethod
    def _stat():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values[:8]) - values[3] - values[4]

    def __enter__(self):
        self.busy, self.own, self.wall = self._stat(), self._own(), time.perf_counter()
        return self

    @staticmethod
    def _own():
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.wall
        busy = (self._stat() - self.busy) / os.sysconf("SC_CLK_TCK")
        self.cores = max(0.0, (busy - (self._own() - self.own)) / wall) if wall > 0 else 0.0
        return False


def wait_quiet(max_wait, threshold=0.15, settle=3):
    """Wait (at most max_wait s) until other processes use < threshold cores for `settle` seconds in a row.
    Returns the seconds waited, or None when the machine never became quiet."""
    start, quiet = time.perf_counter(), 0
    while time.perf_counter() - start < max_wait:
        with ForeignLoad() as load:
            time.sleep(1.0)
        quiet = quiet + 1 if load.cores < threshold else 0
        if quiet >= settle:
            return round(time.perf_counter() - start, 1)
    return None if max_wait > 0 else 0.0


def run_quietly(fn, quiet):
    """Run fn() when the machine is quiet; retry (up to quiet["tries"] attempts) while other processes
    used more than quiet["threshold"] cores during the run, keeping the least contaminated attempt.
    Returns (result, {"foreign_cores", "attempts", "waited_for_quiet_s"})."""
    best = None
    for attempt in range(1, quiet["tries"] + 1):
        waited = wait_quiet(quiet["max_wait"])
        with ForeignLoad() as load:
            result = fn()
        info = {"foreign_cores": round(load.cores, 3), "attempts": attempt, "waited_for_quiet_s": waited}
        if best is None or info["foreign_cores"] < best[1]["foreign_cores"]:
            best = (result, info)
        if load.cores <= quiet["threshold"]:
            break
    return best[0], {**best[1], "attempts": attempt}


def measure_pytorch(torch, data, threads, epochs, batch, repeats, seed, quiet):
    torch.set_num_threads(threads)
    images, texts, groups, train = data[:4]
    trainer = Trainer(torch, images, texts, groups, train, batch, seed)
    trainer.epoch()  # warm-up

    def timed():
        start = time.perf_counter()
        samples = sum(trainer.epoch() for _ in range(epochs))
        return samples, time.perf_counter() - start

    runs = []
    for _ in range(repeats):
        (samples, elapsed), info = run_quietly(timed, quiet)
        runs.append({"samples": samples, "seconds": elapsed, "samples_per_second": samples / elapsed, **info})
    best = max(runs, key=lambda r: r["samples_per_second"])
    shapes = linear_shapes(images.shape[1], texts.shape[1])
    rate, info = run_quietly(lambda: gemm_rate(torch, shapes, batch), quiet)
    return {"samples_per_second": best["samples_per_second"], "runs": runs, "threads": torch.get_num_threads(),
            "gemm_flops_per_second": rate, "gemm_measurement": info}


# ---------------------------------------------------------------------------------------------
# miaudit


def measure_miaudit(binary, data_dir, threads, epochs, batch, repeats, quiet, coretype=None):
    """Best of `repeats` runs of `miaudit bench train`, or a dict with "error".
    `coretype` sets OPENBLAS_CORETYPE for the child only (None: inherit the environment)."""
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    command = [str(binary), "bench", "train", "--data", str(data_dir), "--threads", str(threads),
               "--epochs", str(epochs), "--batch", str(batch), "--format", "json"]
    shown = (f"OPENBLAS_CORETYPE={coretype} " if coretype else "") + " ".join(command)

    def once():
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=env)
        except (OSError, subprocess.TimeoutExpired) as e:
            return {"error": f"{shown}: {e}"}
        if done.returncode != 0:
            return {"error": f"{shown} exited {done.returncode}: {done.stderr.strip()[-500:]}"}
        try:
            result = json.loads(done.stdout[done.stdout.index("{"):])
            float(result["samples_per_second"])
            return result
        except (ValueError, KeyError) as e:
            return {"error": f"{shown} printed no JSON with samples_per_second ({e}): {done.stdout[-300:]}"}

    runs = []
    for _ in range(repeats):
        result, info = run_quietly(once, quiet)
        if "error" in result:
            return result
        runs.append({**result, **info})
    best = max(runs, key=lambda r: r["samples_per_second"])
    return {**best, "runs": runs, "command": shown}


# ---------------------------------------------------------------------------------------------
# report


def torch_configuration(torch):
    """The BLAS and threading lines of torch.__config__.show() and parallel_info()."""
    keep = ("Math Kernel", "MKL-DNN", "OpenMP", "CPU capability", "LAPACK")
    lines = [line.strip(" -") for line in torch.__config__.show().splitlines()
             if any(k in line for k in keep) and "Build settings" not in line]
    for line in torch.__config__.show().split(","):
        if "BLAS_INFO" in line:
            lines.append(line.strip().split("Build settings: ")[-1])
    lines += [line.strip() for line in torch.__config__.parallel_info().splitlines()
              if "backend" in line or "get_num" in line]
    return lines


def share(flops_per_sample, samples_per_second, gemm_rate_value):
    if not gemm_rate_value:
        return None
    return flops_per_sample * samples_per_second / gemm_rate_value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="a miaudit data-set directory, or the raw emoji-cldr source directory "
                                       "(default: fixtures/emoji-cldr, else ../shared/datasets/emoji-cldr)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per run (default 3)")
    parser.add_argument("--batch", type=int, default=64, help="minibatch size (default 64, miaudit's recipe)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per peer and thread count; best kept (default 3)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--miaudit", default=str(ROOT / ".build" / "release" / "miaudit"), help="the miaudit binary")
    parser.add_argument("--seed", type=int, default=0, help="seed of the PyTorch init and pair drawing (and raw-data split)")
    parser.add_argument("--openblas-coretype", metavar="NAME",
                        help="set OPENBLAS_CORETYPE for the miaudit runs only (e.g. SkylakeX); default: inherit")
    parser.add_argument("--max-wait", type=float, default=60,
                        help="seconds to wait for other processes to go quiet before each timed run (default 60; 0: no wait)")
    parser.add_argument("--tries", type=int, default=2,
                        help="attempts per timed run while other processes load the CPU (> 0.25 cores); the "
                             "least loaded is kept (default 2)")
    parser.add_argument("--output", default=str(RESULTS / "train_vs_pytorch.json"), help="where to write the JSON results")
    args = parser.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]

    try:
        import torch
    except ImportError:
        sys.exit("PyTorch is not installed: pip install 'torch==2.13.0+cpu'")

    data_dir = Path(args.data) if args.data else default_data()
    data = load_data(data_dir, args.seed)
    images, texts, groups, train, described, has_manifest = data
    flops = training_flops_per_sample(images.shape[1], texts.shape[1])
    binary = Path(args.miaudit)
    run_miaudit = binary.is_file() and os.access(binary, os.X_OK) and has_manifest

    print(f"torch {torch.__version__}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs: {_cpu_model()}")
    for line in torch_configuration(torch):
        print(f"  {line}")
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                          "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    settings = ", ".join(f"{k}={v}" for k, v in env.items() if v is not None)
    print(f"  environment: {settings or 'no BLAS or OpenMP thread variables set'}")
    print(f"data: {described}; {len(train)} train rows, {len(set(groups[train].tolist()))} groups; "
          f"image features {images.shape[1]}, text features {texts.shape[1]}")
    print(f"recipe: batch {args.batch}, {args.epochs} timed epochs after 1 warm-up, best of {args.repeats}; "
          f"{PAIRS_PER_IMAGE * len(train)} pairs per epoch, {args.batch // PAIRS_PER_IMAGE} rows (images) per batch; "
          f"model {flops / 1e6:.3f} MFLOP per training sample")
    if not binary.is_file():
        print(f"miaudit: no binary at {binary} (build it with `swift build -c release`); PyTorch figures only")
    elif not has_manifest:
        print(f"miaudit: {data_dir} has no manifest.json (miaudit needs a data-set directory); PyTorch figures only")

    rows = []
    quiet = {"max_wait": args.max_wait, "tries": args.tries, "threshold": 0.25}
    for threads in thread_counts:
        pt = measure_pytorch(torch, data, threads, args.epochs, args.batch, args.repeats, args.seed, quiet)
        mi = None
        if run_miaudit:
            mi = measure_miaudit(binary, data_dir, threads, args.epochs, args.batch, args.repeats, quiet,
                                 args.openblas_coretype)
        if mi and "error" in mi:
            print(f"miaudit: {mi['error']}")
        if mi and "error" not in mi and abs(float(mi.get("model_flops_per_sample", flops)) - flops) > 0.5:
            print(f"warning: miaudit counts {mi['model_flops_per_sample']} FLOPs per sample, this script {flops}")
        row = {"threads": threads, "pytorch": pt, "miaudit": mi}
        ok = mi and "error" not in mi
        row["ratio_miaudit_to_pytorch"] = mi["samples_per_second"] / pt["samples_per_second"] if ok else None
        row["pytorch_share_of_torch_gemm_bound"] = share(flops, pt["samples_per_second"], pt["gemm_flops_per_second"])
        if ok:
            sgemm = float(mi["sgemm_flops_per_second"])
            row["miaudit_share_of_sgemm_bound"] = share(float(mi["model_flops_per_sample"]), mi["samples_per_second"], sgemm)
            row["pytorch_share_of_openblas_sgemm_bound"] = share(flops, pt["samples_per_second"], sgemm)
        rows.append(row)

    print()
    header = (f"{'threads':>7}  {'miaudit/s':>10}  {'PyTorch/s':>10}  {'ratio':>6}  {'miaudit share':>13}  "
              f"{'PyTorch share':>13}  {'OpenBLAS GF/s':>13}  {'torch GF/s':>10}  corename")
    print(header)
    print("-" * len(header))
    for row in rows:
        pt, mi = row["pytorch"], row["miaudit"]
        ok = mi and "error" not in mi
        print(f"{row['threads']:>7}  {_num(mi['samples_per_second'] if ok else None, '10.0f')}  "
              f"{pt['samples_per_second']:>10.0f}  {_num(row['ratio_miaudit_to_pytorch'], '6.2f')}  "
              f"{_pct(row.get('miaudit_share_of_sgemm_bound'), 13)}  {_pct(row['pytorch_share_of_torch_gemm_bound'], 13)}  "
              f"{_num(float(mi['sgemm_flops_per_second']) / 1e9 if ok else None, '13.1f')}  "
              f"{pt['gemm_flops_per_second'] / 1e9:>10.1f}  {mi.get('openblas_corename', '?') if ok else '-'}")
    print("share = model FLOPs/sample × samples/s ÷ GEMM FLOP/s on the model's own shapes "
          "(miaudit: OpenBLAS sgemm as measured by miaudit; PyTorch: torch.mm/MKL as measured here)")
    kept = [(row["threads"], peer, max(row[peer]["runs"], key=lambda r: r["samples_per_second"])["foreign_cores"])
            for row in rows for peer in ("pytorch", "miaudit") if row[peer] and "runs" in row[peer]]
    kept += [(row["threads"], "torch GEMM", row["pytorch"]["gemm_measurement"]["foreign_cores"]) for row in rows]
    loaded = [f"{peer} at {threads} thread(s) ({cores:.2f} cores)" for threads, peer, cores in kept if cores > 0.25]
    if loaded:
        print("note: other processes loaded the CPU during " + ", ".join(loaded) + "; those figures may be low "
              "(2 threads on 2 cores suffer most)")

    payload = {
        "benchmark": "train_vs_pytorch",
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpu_model": _cpu_model(), "nproc": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "env": env},
        "torch": {"version": torch.__version__, "configuration": torch_configuration(torch)},
        "settings": {"data": described, "train_rows": int(len(train)), "epochs": args.epochs, "batch": args.batch,
                     "repeats": args.repeats, "seed": args.seed, "image_hidden": IMAGE_HIDDEN,
                     "text_hidden": TEXT_HIDDEN, "fusion_hidden": FUSION_HIDDEN, "activation": "relu",
                     "optimizer": {"name": "AdamW", "lr": LEARNING_RATE, "betas": BETAS, "eps": EPS,
                                   "weight_decay": WEIGHT_DECAY},
                     "model_flops_per_sample": flops, "pairs_per_image": PAIRS_PER_IMAGE,
                     "batch_construction": "whole groups: batch // 2 shuffled rows, each with its true and its "
                                           "mismatched pair; the image encoder once per row",
                     "miaudit": str(binary) if run_miaudit else None,
                     "miaudit_openblas_coretype": args.openblas_coretype},
        "results": rows,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {output}")


def _num(value, spec):
    width = int(spec.split(".")[0])
    return f"{value:{spec}}" if value is not None else f"{'-':>{width}}"


def _pct(value, width):
    return f"{100 * value:>{width - 1}.1f}%" if value is not None else f"{'-':>{width}}"


def _cpu_model():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
