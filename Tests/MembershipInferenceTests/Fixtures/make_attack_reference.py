"""Golden values for two membership-inference scoring rules, computed with plain numpy loops.

Writes attack_reference.json next to this script. Every case's data comes from
np.random.default_rng(seed) with the seed stored in the case, and all inputs are written out
in full, so the Swift tests read them back rather than regenerating them. Floats go through
json.dumps, which writes the shortest string that reads back to the same double.

RMIA (Zarifzadeh et al., ICML 2024, "Low-Cost High-Power Membership Inference Attacks"),
as miaudit defines it. Shapes: ref_pool K x M, keep K x M (true = reference k trained on x),
target_pool M, ref_pop K x Z (no reference trained on any z), target_pop Z.
- mean = sum in reference order (k = 0, 1, ...) in float64, then divided by the count.
- online:  P(x) = mean over all K of ref_pool[k][x];  P(z) = mean over all K of ref_pop[k][z].
- offline(a): P_OUT(x) = mean of ref_pool[k][x] over the k with keep[k][x] false;
  P_OUT(z) = mean over all K of ref_pop[k][z];  P = 0.5 * ((1 + a) * P_OUT + (1 - a)).
- ratio_x = target_pool[x] / P(x), ratio_z = target_pop[z] / P(z);
  count(x) = #{z : (ratio_x / ratio_z) >= gamma}, compared literally in float64;
  score(x) = count(x) / Z (one float64 division; the integer counts are stored too).
- tuning a: attack reference 0 (pool p = ref_pool[0], population p = ref_pop[0],
  labels = keep[0]) with references 1..K-1 (their keep rows decide OUT; for the population
  P_OUT(z) is the mean over references 1..K-1). Pool examples with no OUT reference among
  1..K-1 are left out. For a = i / 10.0, i = 0..10: AUC (Mann-Whitney, ties 1/2) of the offline
  scores of the remaining examples against keep[0][x]. tuned_a = the a with the largest AUC,
  the first on ties. K < 2, or no positive or no negative left -> tuned_a and tuning_aucs null.
  offline_tuned = offline scores of the audited model (all K references) at tuned_a.

U-LiRA (per-example Gaussians over shadow LiRA scores phi, K x M, keep K x M, target M):
- mu_in / mu_out = mean of phi[k][x] over the IN / OUT shadows (sum in shadow order).
- per_example: sd = sqrt(sum over that side's k of (phi[k][x] - mu(x))^2 / n_side(x)) (ddof 0).
- pooled: sd_side = sqrt(sum over x, then over that side's k, of (phi[k][x] - mu(x))^2 / entries).
- every sd floored: sd = max(sd, 1e-12).
- online  = logN(t; mu_in, sd_in) - logN(t; mu_out, sd_out),
  logN(t; m, s) = -((t - m) / s)^2 / 2 - log(sqrt(2 pi)) - log(s).
- offline = -log Pr[Z >= t], Z ~ N(mu_out, sd_out^2) = -log_ndtr(-(t - mu_out) / sd_out)
  (scipy.special.log_ndtr).

Usage: cd Tests/MembershipInferenceTests/Fixtures && python3 make_attack_reference.py
"""
import json
import math
import platform
from pathlib import Path

import numpy as np
import scipy
from scipy.special import log_ndtr

HERE = Path(__file__).resolve().parent
OUT = HERE / "attack_reference.json"
A_GRID = [i / 10.0 for i in range(11)]


# ---------------------------------------------------------------- helpers

def mean_of(values):
    """Sum in the given order as Python floats (float64), then divide by the count."""
    total = 0.0
    for v in values:
        total += float(v)
    return total / len(values)


def mann_whitney_auc(scores, labels):
    """AUC = P(score_pos > score_neg) + 1/2 P(equal), by an explicit double loop."""
    pos = [s for s, l in zip(scores, labels) if l]
    neg = [s for s, l in zip(scores, labels) if not l]
    total = 0.0
    for p in pos:
        for n in neg:
            if p > n:
                total += 1.0
            elif p == n:
                total += 0.5
    return total / (len(pos) * len(neg))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def balanced_keep(rng, K, M):
    """Every example IN in exactly K/2 references, chosen by a seeded permutation per example."""
    keep = np.zeros((K, M), dtype=bool)
    for x in range(M):
        keep[rng.permutation(K)[: K // 2], x] = True
    return keep


# ---------------------------------------------------------------- RMIA

def rmia_counts(target_pool, p_pool, target_pop, p_pop, gamma):
    """count(x) = #{z : (ratio_x / ratio_z) >= gamma}, with ratio = target p / reference P."""
    ratio_pool = [float(target_pool[x]) / p_pool[x] for x in range(len(target_pool))]
    ratio_pop = [float(target_pop[z]) / p_pop[z] for z in range(len(target_pop))]
    counts = []
    for rx in ratio_pool:
        c = 0
        for rz in ratio_pop:
            if (rx / rz) >= gamma:
                c += 1
        counts.append(c)
    return counts


def rmia_online(ref_pool, target_pool, ref_pop, target_pop, gamma):
    K, M = ref_pool.shape
    Z = ref_pop.shape[1]
    p_pool = [mean_of([ref_pool[k, x] for k in range(K)]) for x in range(M)]
    p_pop = [mean_of([ref_pop[k, z] for k in range(K)]) for z in range(Z)]
    counts = rmia_counts(target_pool, p_pool, target_pop, p_pop, gamma)
    return counts, [c / Z for c in counts]


def offline_p(p_out, a):
    return 0.5 * ((1.0 + a) * p_out + (1.0 - a))


def rmia_offline(ref_pool, keep, target_pool, ref_pop, target_pop, gamma, a):
    K, M = ref_pool.shape
    Z = ref_pop.shape[1]
    p_pool = []
    for x in range(M):
        outs = [ref_pool[k, x] for k in range(K) if not keep[k, x]]
        assert outs, f"pool example {x} has no OUT reference"
        p_pool.append(offline_p(mean_of(outs), a))
    p_pop = [offline_p(mean_of([ref_pop[k, z] for k in range(K)]), a) for z in range(Z)]
    counts = rmia_counts(target_pool, p_pool, target_pop, p_pop, gamma)
    return counts, [c / Z for c in counts]


def rmia_tune(ref_pool, keep, ref_pop, gamma):
    """Attack reference 0 with references 1..K-1; returns (aucs or None, tuned_a or None, kept)."""
    K, M = ref_pool.shape
    if K < 2:
        return None, None, 0
    usable = [x for x in range(M) if any(not keep[k, x] for k in range(1, K))]
    labels = [bool(keep[0, x]) for x in usable]
    if not any(labels) or all(labels):
        return None, None, len(usable)
    others_pool = ref_pool[1:, usable]
    others_keep = keep[1:, usable]
    aucs = []
    for a in A_GRID:
        _, scores = rmia_offline(others_pool, others_keep, ref_pool[0, usable], ref_pop[1:], ref_pop[0], gamma, a)
        aucs.append(mann_whitney_auc(scores, labels))
    best = 0
    for i in range(1, len(aucs)):
        if aucs[i] > aucs[best]:  # strictly greater: the first a wins ties
            best = i
    return aucs, A_GRID[best], len(usable)


def make_probabilities(rng, keep, labels, Z, center):
    """Reference and target p for the true class: members / IN get a higher logit.
    center = mean logit of a non-member (lower center = smaller p, so ratios can reach gamma 2)."""
    K, M = keep.shape
    difficulty = rng.normal(center, 1.2, M)
    effect = rng.gamma(4.0, 0.4, M)
    ref_pool = sigmoid(difficulty[None, :] + effect[None, :] * keep + rng.normal(0, 0.5, (K, M)))
    target_pool = sigmoid(difficulty + effect * labels + rng.normal(0, 0.5, M))
    pop_difficulty = rng.normal(center, 1.2, Z)
    ref_pop = sigmoid(pop_difficulty[None, :] + rng.normal(0, 0.5, (K, Z)))
    target_pop = sigmoid(pop_difficulty + rng.normal(0, 0.5, Z))
    return ref_pool, target_pool, ref_pop, target_pop


def rmia_case(name, seed, K, M, Z, gamma, a, keep_kind="balanced", tie_rows=0, extra_a=(), center=1.0):
    rng = np.random.default_rng(seed)
    if keep_kind == "balanced":
        keep = balanced_keep(rng, K, M)
    else:  # independent coin flips, then give every all-IN example one OUT reference
        keep = rng.random((K, M)) < 0.5
        for x in range(M):
            if keep[:, x].all():
                keep[int(rng.integers(0, K)), x] = False
    labels = np.zeros(M, dtype=bool)
    labels[rng.permutation(M)[: M // 2]] = True
    ref_pool, target_pool, ref_pop, target_pop = make_probabilities(rng, keep, labels, Z, center)
    for i in range(tie_rows):  # population row i is an exact copy of pool row i
        ref_pop[:, i] = ref_pool[:, i]
        target_pop[i] = target_pool[i]
    for arr in (ref_pool, target_pool, ref_pop, target_pop):
        assert np.all(arr > 0.0) and np.all(arr < 1.0)
    for x in range(M):
        assert not keep[:, x].all()

    online_counts, online = rmia_online(ref_pool, target_pool, ref_pop, target_pop, gamma)
    offline_counts, offline = rmia_offline(ref_pool, keep, target_pool, ref_pop, target_pop, gamma, a)
    aucs, tuned_a, tuned_examples = rmia_tune(ref_pool, keep, ref_pop, gamma)
    offline_tuned = None
    if tuned_a is not None:
        _, offline_tuned = rmia_offline(ref_pool, keep, target_pool, ref_pop, target_pop, gamma, tuned_a)
    extra = []
    for ea in extra_a:
        c, s = rmia_offline(ref_pool, keep, target_pool, ref_pop, target_pop, gamma, ea)
        extra.append({"a": ea, "offline_counts": c, "offline": s})
    return {
        "name": name, "seed": seed, "K": K, "M": M, "Z": Z, "gamma": gamma, "a": a,
        "ref_pool": ref_pool.tolist(), "keep": keep.astype(int).tolist(),
        "target_pool": target_pool.tolist(), "ref_pop": ref_pop.tolist(),
        "target_pop": target_pop.tolist(), "labels": labels.astype(int).tolist(),
        "online": online, "online_counts": online_counts,
        "offline": offline, "offline_counts": offline_counts,
        "a_grid": A_GRID, "tuning_aucs": aucs, "tuned_a": tuned_a, "tuned_examples": tuned_examples,
        "offline_tuned": offline_tuned, "extra_offline": extra,
    }


# ---------------------------------------------------------------- U-LiRA

def log_normal_density(t, m, s):
    return -((t - m) / s) ** 2 / 2.0 - math.log(math.sqrt(2.0 * math.pi)) - math.log(s)


def ulira_fit(phi, keep, variance, floor=1e-12):
    K, M = phi.shape
    mu_in, mu_out, sq_in, sq_out, n_in, n_out = [], [], [], [], [], []
    for x in range(M):
        ins = [float(phi[k, x]) for k in range(K) if keep[k, x]]
        outs = [float(phi[k, x]) for k in range(K) if not keep[k, x]]
        mi, mo = mean_of(ins), mean_of(outs)
        si = 0.0
        for v in ins:
            si += (v - mi) ** 2
        so = 0.0
        for v in outs:
            so += (v - mo) ** 2
        mu_in.append(mi); mu_out.append(mo)
        sq_in.append(si); sq_out.append(so)
        n_in.append(len(ins)); n_out.append(len(outs))
    if variance == "per_example":
        sd_in = [math.sqrt(sq_in[x] / n_in[x]) for x in range(M)]
        sd_out = [math.sqrt(sq_out[x] / n_out[x]) for x in range(M)]
    else:
        total_in, total_out = 0.0, 0.0
        for x in range(M):
            total_in += sq_in[x]
            total_out += sq_out[x]
        sd_in = [math.sqrt(total_in / sum(n_in))] * M
        sd_out = [math.sqrt(total_out / sum(n_out))] * M
    sd_in = [max(s, floor) for s in sd_in]
    sd_out = [max(s, floor) for s in sd_out]
    return mu_in, mu_out, sd_in, sd_out


def ulira_case(name, seed, K, M):
    rng = np.random.default_rng(seed)
    keep = balanced_keep(rng, K, M)
    difficulty = rng.normal(2.0, 1.5, M)
    effect = rng.gamma(2.0, 0.5, M)
    spread = rng.uniform(0.3, 1.2, M)  # per-example noise, so per-example and pooled sds differ
    phi = difficulty[None, :] + effect[None, :] * keep + spread[None, :] * rng.normal(0, 1, (K, M))
    labels = np.zeros(M, dtype=bool)
    labels[rng.permutation(M)[: M // 2]] = True
    target = difficulty + effect * labels + spread * rng.normal(0, 1, M)
    case = {"name": name, "seed": seed, "K": K, "M": M, "phi": phi.tolist(),
            "keep": keep.astype(int).tolist(), "target": target.tolist(), "labels": labels.astype(int).tolist()}
    for variance in ("per_example", "pooled"):
        mu_in, mu_out, sd_in, sd_out = ulira_fit(phi, keep, variance)
        online, offline = [], []
        for x in range(M):
            t = float(target[x])
            online.append(log_normal_density(t, mu_in[x], sd_in[x]) - log_normal_density(t, mu_out[x], sd_out[x]))
            offline.append(-float(log_ndtr(-(t - mu_out[x]) / sd_out[x])))
        case[variance] = {"mu_in": mu_in, "mu_out": mu_out, "sd_in": sd_in, "sd_out": sd_out,
                          "online": online, "offline": offline}
    return case


# ---------------------------------------------------------------- main

def main():
    rmia = [
        rmia_case("k8", 101, K=8, M=40, Z=60, gamma=1.0, a=0.3),
        rmia_case("k2", 102, K=2, M=20, Z=30, gamma=1.0, a=0.5),
        rmia_case("k4_ties", 103, K=4, M=24, Z=30, gamma=1.0, a=0.3, tie_rows=5),
        rmia_case("k16_gamma2", 104, K=16, M=60, Z=80, gamma=2.0, a=0.6, center=-1.5),
        rmia_case("k6_unbalanced", 105, K=6, M=30, Z=40, gamma=1.0, a=0.0, keep_kind="independent",
                  extra_a=(1.0,)),
    ]
    ulira = [ulira_case("k16", 201, K=16, M=50), ulira_case("k64", 202, K=64, M=30)]
    doc = {"generator": "make_attack_reference.py", "numpy": np.__version__, "scipy": scipy.__version__,
           "python": platform.python_version(), "definitions": __doc__, "rmia": rmia, "ulira": ulira}
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")

    # ------------------------------------------------------------ sanity checks
    for c in rmia:
        lab = [bool(v) for v in c["labels"]]
        print(f"rmia {c['name']:14s} online AUC {mann_whitney_auc(c['online'], lab):.3f}  "
              f"offline AUC {mann_whitney_auc(c['offline'], lab):.3f}  tuned_a {c['tuned_a']}  "
              f"tuned_examples {c['tuned_examples']}  tuning_aucs "
              f"{None if c['tuning_aucs'] is None else [round(v, 3) for v in c['tuning_aucs']]}")
        if c["name"] in ("k8", "k16_gamma2"):
            assert mann_whitney_auc(c["online"], lab) > 0.7 and mann_whitney_auc(c["offline"], lab) > 0.7
        for e in c["extra_offline"]:
            print(f"    offline at a={e['a']}: AUC {mann_whitney_auc(e['offline'], lab):.3f}")
    ties = next(c for c in rmia if c["name"] == "k4_ties")
    ref_pool, ref_pop = np.array(ties["ref_pool"]), np.array(ties["ref_pop"])
    K, M, Z = ties["K"], ties["M"], ties["Z"]
    p_pool = [mean_of([ref_pool[k, x] for k in range(K)]) for x in range(M)]
    p_pop = [mean_of([ref_pop[k, z] for k in range(K)]) for z in range(Z)]
    exact, strict_counts = [], []
    for x in range(M):
        rx = ties["target_pool"][x] / p_pool[x]
        strict = 0
        for z in range(Z):
            q = rx / (ties["target_pop"][z] / p_pop[z])
            if q == ties["gamma"]:
                exact.append((x, z))
            if q > ties["gamma"]:
                strict += 1
        strict_counts.append(strict)
    diff = sum(ties["online_counts"]) - sum(strict_counts)
    print(f"k4_ties online: {len(exact)} (x, z) pairs with ratio exactly == gamma: {exact}; "
          f">= counts exceed > counts by {diff}")
    assert len(exact) >= 5 and diff == len(exact)


if __name__ == "__main__":
    main()
