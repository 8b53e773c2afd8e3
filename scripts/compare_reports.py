"""Compare the numbers of two audit reports (JSON payloads, e.g. from `miaudit audit SPEC --format json`
or `miaudit report export ID --format json`), to check that a refactor kept them.

Both reports are flattened to leaf paths -> values after mapping schema 1 (`miaudit.audit-report/1`:
`svm`, `shadow_audit`) onto schema 2 (`attacks`, `references`), so a report from before the attack
registry compares with one after it. Fields that legitimately differ between any two runs (time,
seconds, cache hits, signer, chain links, the tool version) are skipped.

Usage: python3 scripts/compare_reports.py BEFORE.json AFTER.json [--tolerance 0]
Prints every leaf that differs or exists on one side only, grouped by top-level field, and a
summary; exits 1 when a compared leaf differs.
"""
import argparse
import json
import sys

VOLATILE = {"created_at", "seconds", "from_cache", "signer_key_id", "previous_digest", "tool_version", "environment",
            "previous_step_digest", "schema"}


def v1_to_v2(report):
    """Schema 1's attack fields in schema 2's places; other fields unchanged."""
    if report.get("schema", "").endswith("/2"):
        return report
    out = {k: v for k, v in report.items() if k not in ("svm", "shadow_audit")}
    shadow = report.get("shadow_audit") or {}
    nulls = shadow.get("nulls", {})
    attacks = {}

    def pick(prefix):
        return {k: v for k, v in nulls.items() if k.startswith(prefix)}

    if shadow.get("ulira"):
        u = shadow["ulira"]
        attacks["ulira"] = {"variants": {"online": u["online"], "offline": u["offline"]}, "nulls": pick("ulira."),
                            "detail": {"variance": u["variance"], "shadows": u["shadows"],
                                       "minimum_in_shadows": u["minimum_in_shadows"],
                                       "minimum_out_shadows": u["minimum_out_shadows"], "method_level": u.get("method_level")}}
    if shadow.get("umia") or shadow.get("umia_cross_validated"):
        variants = {}
        if shadow.get("umia"):
            variants["shadow"] = shadow["umia"]["metrics"]
        if shadow.get("umia_cross_validated"):
            variants["cross_validated"] = shadow["umia_cross_validated"]["metrics"]
        attacks["umia"] = {"variants": variants, "nulls": pick("umia.")}
    if shadow.get("forget_quality"):
        q = shadow["forget_quality"]
        attacks["forget_quality"] = {"values": {"median_pvalue": q["median_pvalue"]}, "nulls": pick("forget_quality."),
                                     "detail": {"tests": q["tests"], "median_pvalue": q["median_pvalue"],
                                                "audited_median_ratio": q["audited_median_ratio"],
                                                "gold_median_ratio": q["gold_median_ratio"]}}
    if report.get("svm"):
        s = report["svm"]
        attacks["svm"] = {"values": {"post_existence": s["post_existence"], "prior_to_post_ratio": s["ratio"]},
                          "detail": {k: s[k] for k in s}}
    out["attacks"] = attacks
    if shadow:
        out["references"] = {"shadow_models": shadow.get("shadow_models", []), "gold_models": shadow.get("gold_models", []),
                             "shadow_method": report.get("models", {}).get("shadow_method")}
    return out


def flatten(value, path=""):
    if isinstance(value, dict):
        for key in sorted(value):
            if key in VOLATILE:
                continue
            yield from flatten(value[key], f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{path}[{index}]")
    else:
        yield path, value


def same(a, b, tolerance):
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
            return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))
    return a == b


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--tolerance", type=float, default=0.0, help="relative tolerance for numbers (default: exact)")
    parser.add_argument("--only", action="append", default=[], help="compare only these top-level fields (repeatable)")
    args = parser.parse_args()
    with open(args.before) as f:
        before = dict(flatten(v1_to_v2(json.load(f))))
    with open(args.after) as f:
        after = dict(flatten(v1_to_v2(json.load(f))))
    if args.only:
        keep = lambda path: path.split(".")[0].split("[")[0] in args.only
        before = {k: v for k, v in before.items() if keep(k)}
        after = {k: v for k, v in after.items() if keep(k)}
    differ, only_before, only_after = [], [], []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            only_before.append(path)
        elif path not in before:
            only_after.append(path)
        elif not same(before[path], after[path], args.tolerance):
            differ.append(path)
    compared = len(set(before) & set(after))
    for title, paths, show in (("differ", differ, True), ("only before", only_before, False), ("only after", only_after, False)):
        if not paths:
            continue
        groups = {}
        for path in paths:
            groups.setdefault(path.split("[")[0].split(".")[0] + "." + ".".join(path.split(".")[1:2]), []).append(path)
        print(f"{title}: {len(paths)} leaves")
        for group, members in sorted(groups.items()):
            print(f"  {group}: {len(members)}")
            if show:
                for path in members[:6]:
                    print(f"    {path}: {before[path]!r} -> {after[path]!r}")
    print(f"compared {compared} leaves: {compared - len(differ)} equal, {len(differ)} differ; "
          f"{len(only_before)} only before, {len(only_after)} only after")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
