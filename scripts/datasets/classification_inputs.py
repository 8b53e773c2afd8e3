"""Prepare the raw inputs of two labelled image-classification data sets for `miaudit data create`.

Subcommands (run from the repository root):

  emoji-groups --source fixtures/emoji-cldr --emoji-test /usr/share/unicode/emoji/emoji-test.txt --out DIR
      The 3635 emoji images of fixtures/emoji-cldr, in the same order, each labelled with its Unicode
      emoji group ("Smileys & Emotion", ..., "Flags") from the `# group:` headers of emoji-test.txt.
      A row's code points are looked up exactly first, then with U+FE0F removed from both sides.
      A row found neither way stops the script with the list of such rows, unless it is named by an
      explicit `--assign CODEPOINTS=GROUP` (recorded in PROVENANCE.json and NOTICE.txt). No image file
      is written: the data set uses emoji-cldr's images.npy itself.

  digits --out DIR
      scikit-learn's bundled copy of the UCI optical handwritten digits (1797 images, 8x8, values
      0..16), labels 0..9, every row its own group. Writes images.npy (uint8 [1797, 8, 8]).

Each writes into DIR (created; a non-empty DIR is refused): rows.csv (`id,group,label`), labels.npy
(int64), classes.txt, PROVENANCE.json, NOTICE.txt, and for digits images.npy. The output depends only on
the inputs: running it twice gives the same bytes. Malformed input stops the script with a message that
names the file (and line, for text files).
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys

import numpy as np

SCRIPT = "scripts/datasets/classification_inputs.py"
FE0F = "U+FE0F"
ID_RE = re.compile(r"^U\+[0-9A-F]{4,6}( U\+[0-9A-F]{4,6})*$")
HEX_RE = re.compile(r"^[0-9A-F]{4,6}$")
EMOJI_TEST_STATUSES = {"component", "fully-qualified", "minimally-qualified", "unqualified"}
UCI_DIGITS_DOI = "https://doi.org/10.24432/C50P49"
COMMAND_NOTE = ("run from the repository root; OUT stands for the scratch directory the inputs were written "
                "to, which scripts/datasets/build-classification-fixtures.sh then passes to `miaudit data create`")
UCI_DIGITS_PAGE = "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits"


class InputError(Exception):
    """Malformed or inconsistent input; the message names the file (and line)."""


# ----------------------------------------------------------------------------------------- helpers


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def slug(name):
    """'Smileys & Emotion' -> 'smileys-emotion'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def csv_field(text):
    """RFC 4180: quote only a field holding a comma, a double quote or a line break."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def command_line(argv):
    """The command as run from the repository root, with the scratch output directory as OUT so that the
    recorded command (and so PROVENANCE.json) does not depend on where the inputs were written."""
    words = list(argv)
    for i, word in enumerate(words):
        if word == "--out" and i + 1 < len(words):
            words[i + 1] = "OUT"
        elif word.startswith("--out="):
            words[i] = "--out=OUT"
    return "python3 " + SCRIPT + " " + shlex.join(words)


def check_out(path):
    """Refuse an --out that exists and is not an empty directory (checked first, and again before writing)."""
    if os.path.lexists(path):
        if not os.path.isdir(path):
            raise InputError(f"{path}: --out exists and is not a directory")
        if os.listdir(path):
            raise InputError(f"{path}: --out is not empty; choose a new or empty directory")


def prepare_out(path):
    """Create DIR, or accept an existing empty one; refuse anything else. Returns the path."""
    check_out(path)
    os.makedirs(path, exist_ok=True)
    return path


def save_npy(path, array):
    with open(path, "wb") as handle:
        np.save(handle, array, allow_pickle=False)


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_outputs(out, ids, groups, labels, classes, provenance, notice, images=None):
    """Everything is computed before this is called, so a failure never leaves a half-written DIR
    behind except through an I/O error."""
    n = len(ids)
    assert len(groups) == n and len(labels) == n
    labels = np.asarray(labels, dtype="<i8")
    assert labels.ndim == 1 and (labels.size == 0 or (labels.min() >= 0 and labels.max() < len(classes)))
    lines = ["id,group,label"]
    lines += [f"{csv_field(i)},{int(g)},{int(lab)}" for i, g, lab in zip(ids, groups, labels)]
    prepare_out(out)
    write_text(os.path.join(out, "rows.csv"), "\n".join(lines) + "\n")
    save_npy(os.path.join(out, "labels.npy"), labels)
    write_text(os.path.join(out, "classes.txt"), "".join(c + "\n" for c in classes))
    if images is not None:
        save_npy(os.path.join(out, "images.npy"), images)
    write_text(os.path.join(out, "PROVENANCE.json"),
               json.dumps(provenance, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    write_text(os.path.join(out, "NOTICE.txt"), notice if notice.endswith("\n") else notice + "\n")


def debian_package(path):
    """(package, version) of the installed Debian package that owns `path` with unchanged contents, or
    None when dpkg does not know the file (or it was modified after installation)."""
    try:
        owner = subprocess.run(["dpkg-query", "-S", os.path.realpath(path)], capture_output=True, text=True)
    except OSError:
        return None
    if owner.returncode != 0 or ":" not in owner.stdout:
        return None
    package = owner.stdout.split(":", 1)[0].strip()
    if "," in package:
        return None
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    if version.returncode != 0 or not version.stdout.strip():
        return None
    md5sums = f"/var/lib/dpkg/info/{package}.md5sums"
    if os.path.exists(md5sums):
        relative = os.path.realpath(path).lstrip("/")
        with open(md5sums, encoding="utf-8") as handle:
            expected = {line.split(None, 1)[1].strip(): line.split(None, 1)[0]
                        for line in handle if len(line.split(None, 1)) == 2}
        if relative in expected:
            with open(path, "rb") as handle:
                if hashlib.md5(handle.read()).hexdigest() != expected[relative]:
                    return None
    return package, version.stdout.strip()


# ------------------------------------------------------------------------------------ emoji-groups


def parse_emoji_test(path):
    """Parse emoji-test.txt. Returns (groups in order of first appearance, {codepoint key: (group index,
    status, line)}, header facts). Keys are "U+XXXX U+YYYY", as in emoji-cldr's ids.json."""
    groups, entries, header = [], {}, {}
    current = None
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 ({error})")
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        where = f"{path}:{number}"
        if not line.strip():
            continue
        if line.startswith("#"):
            text = line[1:].strip()
            if text.startswith("group:"):
                name = text[len("group:"):].strip()
                if not name:
                    raise InputError(f"{where}: empty group name")
                if name in groups:
                    raise InputError(f"{where}: group {name!r} appears twice")
                if slug(name) in (slug(g) for g in groups) or not slug(name):
                    raise InputError(f"{where}: group {name!r} has a slug that is empty or already taken")
                groups.append(name)
                current = len(groups) - 1
            elif text.startswith("Version:") and "version" not in header:
                header["version"] = text[len("Version:"):].strip()
            elif text.startswith("Date:") and "date" not in header:
                header["date"] = text[len("Date:"):].strip()
            elif text.startswith("©") and "copyright" not in header:
                header["copyright"] = text
            elif text.startswith("For terms of use") and "terms" not in header:
                header["terms"] = text
            continue
        if ";" not in line or "#" not in line.split(";", 1)[1]:
            raise InputError(f"{where}: expected 'code points ; status # comment', got {line!r}")
        points, rest = line.split(";", 1)
        status = rest.split("#", 1)[0].strip()
        codes = points.split()
        if not codes or not all(HEX_RE.match(c) for c in codes):
            raise InputError(f"{where}: bad code points {points.strip()!r}")
        if status not in EMOJI_TEST_STATUSES:
            raise InputError(f"{where}: unknown status {status!r}")
        if current is None:
            raise InputError(f"{where}: emoji line before the first '# group:' header")
        key = " ".join("U+" + c for c in codes)
        if key in entries:
            raise InputError(f"{where}: code points {key} already listed on line {entries[key][2]}")
        entries[key] = (current, status, number)
    if not groups or not entries:
        raise InputError(f"{path}: no '# group:' headers or no emoji lines; is this emoji-test.txt?")
    return groups, entries, header


def load_emoji_source(source):
    """ids.json, groups.npy, pairs.jsonl and images.npy of emoji-cldr, checked against each other."""
    ids_path = os.path.join(source, "ids.json")
    groups_path = os.path.join(source, "groups.npy")
    pairs_path = os.path.join(source, "pairs.jsonl")
    images_path = os.path.join(source, "images.npy")
    for path in (ids_path, groups_path, pairs_path, images_path):
        if not os.path.isfile(path):
            raise InputError(f"{path}: missing")
    try:
        with open(ids_path, encoding="utf-8") as handle:
            ids = json.load(handle)
    except json.JSONDecodeError as error:
        raise InputError(f"{ids_path}:{error.lineno}: not JSON ({error.msg})")
    if not isinstance(ids, list) or not ids:
        raise InputError(f"{ids_path}: expected a non-empty JSON list of ids")
    for row, value in enumerate(ids):
        if not isinstance(value, str) or not ID_RE.match(value):
            raise InputError(f"{ids_path}: entry {row} is {value!r}, not 'U+XXXX[ U+YYYY...]'")
    if len(set(ids)) != len(ids):
        raise InputError(f"{ids_path}: ids are not unique")
    n = len(ids)
    try:
        groups = np.load(groups_path, allow_pickle=False)
    except ValueError as error:
        raise InputError(f"{groups_path}: not a plain .npy array ({error})")
    if groups.shape != (n,) or groups.dtype.kind not in "iu":
        raise InputError(f"{groups_path}: expected integers of shape ({n},), got {groups.dtype} {groups.shape}")
    if groups.min() < 0:
        raise InputError(f"{groups_path}: negative group id")
    groups = groups.astype(np.int64)
    captions = []
    with open(pairs_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            where = f"{pairs_path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{where}: not JSON ({error.msg})")
            row = number - 1
            if row >= n:
                raise InputError(f"{where}: more lines than the {n} ids of {ids_path}")
            if not isinstance(record, dict):
                raise InputError(f"{where}: expected a JSON object")
            if record.get("index") != row or record.get("codepoints") != ids[row] \
                    or record.get("group_id") != int(groups[row]):
                raise InputError(f"{where}: index/codepoints/group_id "
                                 f"{record.get('index')!r}/{record.get('codepoints')!r}/{record.get('group_id')!r} "
                                 f"disagree with row {row} of ids.json/groups.npy ({ids[row]!r}, {int(groups[row])})")
            captions.append(str(record.get("caption", "")))
    if len(captions) != n:
        raise InputError(f"{pairs_path}: {len(captions)} lines, but {ids_path} has {n} ids")
    try:
        images = np.load(images_path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:
        raise InputError(f"{images_path}: not a plain .npy array ({error})")
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[0] != n or images.shape[3] != 3:
        raise InputError(f"{images_path}: expected uint8 [{n}, H, W, 3], got {images.dtype} {list(images.shape)}")
    image_shape = [int(s) for s in images.shape]
    del images
    provenance_path = os.path.join(source, "PROVENANCE.json")
    source_provenance = {}
    if os.path.isfile(provenance_path):
        with open(provenance_path, encoding="utf-8") as handle:
            try:
                source_provenance = json.load(handle)
            except json.JSONDecodeError as error:
                raise InputError(f"{provenance_path}:{error.lineno}: not JSON ({error.msg})")
    notice_path = os.path.join(source, "NOTICE.txt")
    if not os.path.isfile(notice_path):
        raise InputError(f"{notice_path}: missing; its notice must travel with the images")
    with open(notice_path, encoding="utf-8") as handle:
        notice = handle.read()
    files = {name: sha256_file(os.path.join(source, name))
             for name in ("ids.json", "groups.npy", "pairs.jsonl", "images.npy")}
    return dict(ids=ids, groups=groups, captions=captions, image_shape=image_shape, notice=notice,
                provenance=source_provenance, sha256=files)


def parse_assignments(values, group_names, source_flag="--assign"):
    """--assign 'U+0023=Symbols' (group by name or slug) -> {id: group index}."""
    by_name = {}
    for index, name in enumerate(group_names):
        by_name[name] = index
        by_name[slug(name)] = index
    result = {}
    for value in values:
        if "=" not in value:
            raise InputError(f"{source_flag} {value!r}: expected CODEPOINTS=GROUP")
        key, group = (part.strip() for part in value.split("=", 1))
        key = " ".join(key.upper().split())
        if not ID_RE.match(key):
            raise InputError(f"{source_flag} {value!r}: code points must look like 'U+0023' or 'U+0023 U+20E3'")
        if group not in by_name:
            raise InputError(f"{source_flag} {value!r}: unknown group {group!r}; groups are "
                             + ", ".join(f"{g!r}" for g in group_names))
        if key in result:
            raise InputError(f"{source_flag}: {key} given twice")
        result[key] = by_name[group]
    return result


def emoji_groups(args, argv):
    check_out(args.out)
    data = load_emoji_source(args.source)
    groups, entries, header = parse_emoji_test(args.emoji_test)
    assigned = parse_assignments(args.assign, groups)
    stripped = {}
    for key, (group, status, line) in entries.items():
        short = " ".join(c for c in key.split() if c != FE0F)
        stripped.setdefault(short, []).append((group, status, line, key))

    ids, captions = data["ids"], data["captions"]
    labels = np.empty(len(ids), dtype="<i8")
    status_counts = {}
    fe0f_matches, assigned_rows, missing = [], [], []
    for row, key in enumerate(ids):
        if key in entries:
            group, status, _ = entries[key]
            labels[row] = group
            status_counts[status] = status_counts.get(status, 0) + 1
            continue
        short = " ".join(c for c in key.split() if c != FE0F)
        candidates = stripped.get(short, [])
        found = sorted({c[0] for c in candidates})
        if len(found) > 1:
            raise InputError(f"{args.emoji_test}: row {row} ({key}) matches lines "
                             + ", ".join(str(c[2]) for c in candidates)
                             + " in different groups once U+FE0F is removed")
        if found:
            labels[row] = found[0]
            fe0f_matches.append({"row": row, "id": key, "matched": sorted(c[3] for c in candidates),
                                 "group": groups[found[0]]})
        elif key in assigned:
            labels[row] = assigned[key]
            assigned_rows.append({"row": row, "id": key, "caption": captions[row], "group": groups[assigned[key]]})
        else:
            missing.append((row, key, captions[row]))
    if missing:
        listing = "\n".join(f"  row {row}: {key} ({caption})" for row, key, caption in missing)
        raise InputError(
            f"{args.emoji_test}: {len(missing)} of {len(ids)} rows of {args.source} are not listed, not even "
            f"with U+FE0F removed:\n{listing}\n"
            "No row is dropped. Give each one a group explicitly with --assign 'CODEPOINTS=GROUP' "
            "(recorded in PROVENANCE.json and NOTICE.txt), or fix the inputs.")
    unused = sorted(set(assigned) - {r["id"] for r in assigned_rows})
    if unused:
        raise InputError("--assign names code points that need no assignment (listed in emoji-test.txt) or "
                         f"are not rows of {args.source}: " + ", ".join(unused))

    source_groups = data["groups"]
    first = {}
    for row, (group_id, label) in enumerate(zip(source_groups.tolist(), labels.tolist())):
        if first.setdefault(group_id, (row, label))[1] != label:
            other = first[group_id][0]
            raise InputError(f"{args.source}/groups.npy: group {group_id} holds row {other} ({ids[other]}, "
                             f"{groups[first[group_id][1]]}) and row {row} ({ids[row]}, {groups[label]})")

    classes = [slug(g) for g in groups]
    counts = np.bincount(labels, minlength=len(classes))
    emoji_test_sha = sha256_file(args.emoji_test)
    package = debian_package(args.emoji_test)
    source_images = data["provenance"].get("images", {})
    label_source = {
        "file": "emoji-test.txt",
        "sha256": emoji_test_sha,
        "emoji_version": header.get("version"),
        "file_date": header.get("date"),
        "copyright": header.get("copyright"),
        "terms_of_use": header.get("terms"),
        "license": "Unicode License: Unicode-DFS-2016 (Unicode License Agreement - Data Files and Software, "
                   "as carried in Debian's copyright file for unicode-data); Unicode's current terms are "
                   "Unicode-3.0. The file itself points to https://www.unicode.org/terms_of_use.html. "
                   "Keep NOTICE.txt with the data.",
        "method": "label = position of the row's '# group:' header among the groups of emoji-test.txt in file "
                  "order; code points matched exactly, then with U+FE0F removed from both sides",
    }
    if package:
        label_source["source"] = f"Debian {package[0]} {package[1]}, {args.emoji_test}"
    else:
        label_source["source"] = f"{args.emoji_test} (not found unmodified in an installed Debian package)"
        print(f"warning: {args.emoji_test} is not an unmodified file of an installed Debian package; "
              "PROVENANCE.json records only its sha256", file=sys.stderr)
    provenance = {
        "name": "emoji-groups",
        "task": "classification",
        "rows": len(ids),
        "groups": int(len(np.unique(source_groups))),
        "classes": classes,
        "class_names": groups,
        "class_counts": {c: int(k) for c, k in zip(classes, counts)},
        "images": {
            "file": "images.npy of emoji-cldr, unchanged (same bytes, same row order)",
            "sha256": data["sha256"]["images.npy"],
            "shape": data["image_shape"],
            "dtype": "uint8",
            "source": source_images.get("source"),
            "font_sha256": source_images.get("font_sha256"),
            "license": source_images.get("license", "emoji art Apache-2.0; font OFL-1.1"),
        },
        "rows_source": {
            "data_set": "emoji-cldr",
            "ids": "ids.json, in order (code points of each emoji)",
            "groups": "groups.npy (skin-tone variants of one emoji share a group)",
            "files_sha256": {k: v for k, v in data["sha256"].items() if k != "images.npy"},
        },
        "labels": label_source,
        "matching": {
            "exact": int(sum(status_counts.values())),
            "exact_by_status": status_counts,
            "after_removing_fe0f": fe0f_matches,
            "assigned_on_command_line": assigned_rows,
        },
        "command": command_line(argv),
        "command_note": COMMAND_NOTE,
    }
    notice = data["notice"].rstrip("\n") + "\n\n" + emoji_notice(header, package, emoji_test_sha, assigned_rows)
    write_outputs(args.out, ids, source_groups.tolist(), labels, classes, provenance, notice)
    return provenance


def emoji_notice(header, package, sha, assigned_rows):
    origin = f"Debian {package[0]} {package[1]}" if package else "emoji-test.txt"
    text = [
        "emoji-groups data set: of the emoji-cldr data set above it holds the images (its images.npy,",
        "unchanged), the row ids and the groups, and labels each image with its Unicode emoji group.",
        f"Labels: derived from emoji-test.txt (Unicode Emoji {header.get('version', '?')}, {origin},",
        f"  sha256 {sha}).",
        "  " + header.get("copyright", "© Unicode, Inc."),
        "  Unicode and the Unicode Logo are registered trademarks of Unicode, Inc. in the U.S. and other countries.",
        "  Distributed under the Unicode License Agreement - Data Files and Software (Unicode-DFS-2016; Unicode's",
        "  current terms: Unicode-3.0); terms of use: https://www.unicode.org/terms_of_use.html.",
        "  Modified: this data set does not contain emoji-test.txt; it holds, per image, the index of the",
        "  '# group:' header under which the emoji's code points are listed (classes.txt names the groups).",
    ]
    if assigned_rows:
        text.append("  Not from emoji-test.txt, which does not list these code points: the labels of")
        text += [f"    {r['id']} ({r['caption']}) -> {r['group']}" for r in assigned_rows]
        text.append("  were assigned by this project (see PROVENANCE.json, matching.assigned_on_command_line).")
    text.append("  This notice must accompany the data.")
    return "\n".join(text) + "\n"


# ------------------------------------------------------------------------------------------ digits


def digits_file():
    """Path and package-relative name of the file sklearn.datasets.load_digits reads."""
    import sklearn.datasets
    path = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "digits.csv.gz")
    if not os.path.isfile(path):
        raise InputError(f"{path}: missing from the installed scikit-learn")
    return path, "sklearn/datasets/data/digits.csv.gz"


def read_digits_csv(path):
    """Parse digits.csv.gz line by line: 64 pixels 0..16 and a label 0..9, all integers."""
    pixels, labels = [], []
    try:
        with gzip.open(path, "rt", encoding="ascii", newline="") as handle:
            for number, line in enumerate(handle, 1):
                where = f"{path}:{number}"
                fields = line.strip().split(",")
                if fields == [""]:
                    continue
                if len(fields) != 65:
                    raise InputError(f"{where}: {len(fields)} fields, expected 64 pixels and a label")
                try:
                    values = [float(f) for f in fields]
                except ValueError:
                    raise InputError(f"{where}: a field is not a number")
                if any(v != int(v) for v in values):
                    raise InputError(f"{where}: a value is not an integer")
                values = [int(v) for v in values]
                if not all(0 <= v <= 16 for v in values[:64]):
                    raise InputError(f"{where}: a pixel is outside 0..16")
                if not 0 <= values[64] <= 9:
                    raise InputError(f"{where}: label {values[64]} is outside 0..9")
                pixels.append(values[:64])
                labels.append(values[64])
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: unreadable ({error})")
    return np.array(pixels, dtype=np.int64), np.array(labels, dtype=np.int64)


def digits(args, argv):
    import sklearn
    from sklearn.datasets import load_digits

    check_out(args.out)
    path, name = digits_file()
    csv_pixels, csv_labels = read_digits_csv(path)
    bunch = load_digits()
    data, target = np.asarray(bunch.data), np.asarray(bunch.target)
    if data.shape != (1797, 64) or target.shape != (1797,):
        raise InputError(f"{path}: load_digits gave data {data.shape} and target {target.shape}, "
                         "expected (1797, 64) and (1797,)")
    if not np.array_equal(data, np.round(data)) or data.min() < 0 or data.max() > 16:
        raise InputError(f"{path}: load_digits pixels are not integers in 0..16")
    if not np.array_equal(data.astype(np.int64), csv_pixels) or not np.array_equal(target, csv_labels):
        raise InputError(f"{path}: load_digits disagrees with the file's own rows")
    if not np.array_equal(np.asarray(bunch.images), data.reshape(-1, 8, 8)):
        raise InputError(f"{path}: load_digits images are not its data reshaped to 8x8")
    images = data.reshape(-1, 8, 8).astype(np.uint8)
    labels = target.astype("<i8")
    if set(labels.tolist()) != set(range(10)):
        raise InputError(f"{path}: labels do not cover 0..9")
    n = len(labels)
    ids = [f"digit-{i:04d}" for i in range(n)]
    classes = [str(d) for d in range(10)]
    counts = np.bincount(labels, minlength=10)
    provenance = {
        "name": "digits",
        "task": "classification",
        "rows": n,
        "groups": n,
        "classes": classes,
        "class_counts": {c: int(k) for c, k in zip(classes, counts)},
        "images": {
            "shape": [int(s) for s in images.shape],
            "dtype": "uint8",
            "pixel_values": "integers 0..16 (on-pixel counts of 4x4 blocks of a 32x32 bitmap); pixel scale 16",
        },
        "source": {
            "package": f"PyPI scikit-learn {sklearn.__version__}",
            "loader": "sklearn.datasets.load_digits()",
            "file": name,
            "sha256": sha256_file(path),
            "content": "the test set of the UCI data (optdigits.tes: 1797 images by 13 writers), as bundled by "
                       "scikit-learn; load_digits' output was checked against the file's rows",
        },
        "original": {
            "title": "Optical Recognition of Handwritten Digits",
            "repository": "UCI Machine Learning Repository",
            "creators": "E. Alpaydin, C. Kaynak",
            "year": 1998,
            "doi": UCI_DIGITS_DOI,
            "page": UCI_DIGITS_PAGE,
            "license": "CC-BY-4.0",
        },
        "groups_note": "every row is its own group: the writer of each image is not in the bundled copy, so "
                       "rows are treated as independent. The 1797 images come from 13 writers, so images by one "
                       "writer can fall in different splits.",
        "ids": "digit-NNNN = row NNNN of digits.csv.gz / load_digits()",
        "command": command_line(argv),
        "command_note": COMMAND_NOTE,
    }
    notice = "\n".join([
        "digits data set",
        "",
        "Data: Optical Recognition of Handwritten Digits, by E. Alpaydin and C. Kaynak (1998),",
        f"  UCI Machine Learning Repository, {UCI_DIGITS_DOI}",
        f"  ({UCI_DIGITS_PAGE}).",
        "  Licensed under the Creative Commons Attribution 4.0 International licence (CC BY 4.0),",
        "  https://creativecommons.org/licenses/by/4.0/",
        f"Taken from the copy bundled with scikit-learn {sklearn.__version__} ({name},",
        "  the UCI test set of 1797 images). Changes: the first 64 values of each row are stored as an 8x8",
        "  uint8 image and the last as its label, otherwise unchanged; ids (digit-NNNN) and one group per row",
        "  were added; the splits are this project's.",
        "This notice must accompany the data.",
        "",
    ])
    write_outputs(args.out, ids, list(range(n)), labels, classes, provenance, notice, images=images)
    return provenance


# -------------------------------------------------------------------------------------------- main


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    emoji = sub.add_parser("emoji-groups", help="emoji-cldr images labelled with their Unicode emoji group")
    emoji.add_argument("--source", required=True, help="the emoji-cldr data-set directory")
    emoji.add_argument("--emoji-test", required=True, help="emoji-test.txt (Debian unicode-data)")
    emoji.add_argument("--out", required=True, help="output directory (created; must be new or empty)")
    emoji.add_argument("--assign", action="append", default=[], metavar="CODEPOINTS=GROUP",
                       help="group of a row that emoji-test.txt does not list, e.g. 'U+0023=Symbols' "
                            "(group name or slug); only for such rows; repeatable")
    dig = sub.add_parser("digits", help="scikit-learn's bundled UCI optical handwritten digits")
    dig.add_argument("--out", required=True, help="output directory (created; must be new or empty)")
    args = parser.parse_args(argv)
    try:
        provenance = emoji_groups(args, argv) if args.command == "emoji-groups" else digits(args, argv)
    except InputError as error:
        print(f"classification_inputs.py {args.command}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"classification_inputs.py {args.command}: error: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{k} {v}" for k, v in provenance["class_counts"].items())
    print(f"{args.command}: {provenance['rows']} rows, {provenance['groups']} groups -> {args.out}\n  {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
