#!/usr/bin/env bash
# Builds the labelled image-classification fixtures fixtures/emoji-groups and fixtures/digits.
#
#   1. scripts/datasets/classification_inputs.py writes each data set's raw inputs (rows.csv, labels.npy,
#      classes.txt, PROVENANCE.json, NOTICE.txt, and images.npy for digits) into a temporary directory;
#   2. `miaudit data create` turns them into the data-set directories, splits drawn by group with seed 0;
#   3. fixtures/emoji-groups/images.npy, a copy of fixtures/emoji-cldr/images.npy, is replaced by the
#      relative symlink ../emoji-cldr/images.npy once sha256sum shows the two are identical.
#
# Run from anywhere; paths are taken from the repository root. Needs: python3 with numpy and
# scikit-learn (python3 -m pip install scikit-learn), Debian unicode-data 15.0.0-1
# (apt-get install unicode-data: /usr/share/unicode/emoji/emoji-test.txt), and a built miaudit:
# ${MIAUDIT:-.build/release/miaudit}, a relative path being relative to the repository root.
# Refuses to overwrite: remove fixtures/emoji-groups and fixtures/digits first to rebuild them.
set -euo pipefail

die() { echo "build-classification-fixtures: $*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
MIAUDIT="${MIAUDIT:-.build/release/miaudit}"
PYTHON="${PYTHON:-python3}"
EMOJI_TEST=/usr/share/unicode/emoji/emoji-test.txt
INPUTS=scripts/datasets/classification_inputs.py

# emoji-test.txt does not list the bare ASCII characters '#' (U+0023) and '*' (U+002A), which
# emoji-cldr holds as rows 0 and 2 (CLDR annotates them), so the Python script stops on them unless
# they are given a group explicitly. They go with their keycap sequences (U+0023 U+20E3,
# U+002A U+20E3), which emoji-test.txt lists under Symbols (subgroup keycap). The assignment is
# recorded in PROVENANCE.json and NOTICE.txt.
EMOJI_ASSIGN=(--assign 'U+0023=Symbols' --assign 'U+002A=Symbols')

[ -x "$MIAUDIT" ] || die "no miaudit binary at $MIAUDIT (build it: swift build -c release, or set MIAUDIT)"
[ -f "$EMOJI_TEST" ] || die "$EMOJI_TEST missing (apt-get install unicode-data)"
"$PYTHON" -c 'import numpy, sklearn' 2>/dev/null || die "$PYTHON needs numpy and scikit-learn (python3 -m pip install scikit-learn)"
for name in emoji-groups digits; do
  [ ! -e "fixtures/$name" ] || die "fixtures/$name exists; remove it first to rebuild"
done
if [ ! -f fixtures/emoji-cldr/images.npy ] || [ -L fixtures/emoji-cldr/images.npy ]; then
  die "fixtures/emoji-cldr/images.npy missing or a symlink"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$PYTHON" "$INPUTS" emoji-groups --source fixtures/emoji-cldr --emoji-test "$EMOJI_TEST" \
  "${EMOJI_ASSIGN[@]}" --out "$work/emoji-groups"
"$PYTHON" "$INPUTS" digits --out "$work/digits"

rows() { echo $(( $(wc -l < "$1/rows.csv") - 1 )); }
classes() { wc -l < "$1/classes.txt" | tr -d ' '; }

emoji_rows="$(rows "$work/emoji-groups")"
emoji_classes="$(classes "$work/emoji-groups")"
"$MIAUDIT" data create --out fixtures/emoji-groups --name emoji-groups --task classification \
  --images fixtures/emoji-cldr/images.npy \
  --labels "$work/emoji-groups/labels.npy" \
  --classes "$work/emoji-groups/classes.txt" \
  --rows "$work/emoji-groups/rows.csv" \
  --seed 0 \
  --description "Emoji images labelled with their Unicode emoji group: the ${emoji_rows} 32x32 RGB images of fixtures/emoji-cldr (rendered from Noto Color Emoji, same file and row order), each labelled with one of ${emoji_classes} classes, the '# group:' headers of Unicode's emoji-test.txt (Emoji 15.0, Debian unicode-data 15.0.0-1) under which its code points are listed; '#' and '*', which that file does not list, are labelled Symbols like their keycaps. Skin-tone variants of one emoji form one group, and train/test splits are drawn by group with seed 0 and the default fractions. Made by scripts/datasets/build-classification-fixtures.sh." \
  --provenance "$work/emoji-groups/PROVENANCE.json" \
  --notice "$work/emoji-groups/NOTICE.txt"

digit_rows="$(rows "$work/digits")"
"$MIAUDIT" data create --out fixtures/digits --name digits --task classification \
  --images "$work/digits/images.npy" \
  --labels "$work/digits/labels.npy" \
  --classes "$work/digits/classes.txt" \
  --rows "$work/digits/rows.csv" \
  --seed 0 \
  --pixel-scale 16 \
  --description "Handwritten digits 0-9: scikit-learn's bundled copy of the test set of the UCI Optical Recognition of Handwritten Digits data (Alpaydin & Kaynak 1998, CC BY 4.0), ${digit_rows} 8x8 grayscale images whose pixels count the on-pixels of 4x4 blocks of a 32x32 bitmap (integers 0..16, pixel scale 16). The bundled copy has no writer ids, so every row is its own group and rows are treated as independent (one writer's digits can fall in different splits); train/test splits are drawn by group with seed 0 and the default fractions. Made by scripts/datasets/build-classification-fixtures.sh." \
  --provenance "$work/digits/PROVENANCE.json" \
  --notice "$work/digits/NOTICE.txt"

# emoji-groups shares emoji-cldr's image file: replace the copy by a relative symlink, only if identical.
copy=fixtures/emoji-groups/images.npy
if [ ! -f "$copy" ] || [ -L "$copy" ]; then
  die "$copy was not written by miaudit data create as a regular file"
fi
want="$(sha256sum < fixtures/emoji-cldr/images.npy | cut -d' ' -f1)"
have="$(sha256sum < "$copy" | cut -d' ' -f1)"
[ "$want" = "$have" ] || die "$copy (sha256 $have) differs from fixtures/emoji-cldr/images.npy (sha256 $want); not replacing it"
ln -s ../emoji-cldr/images.npy fixtures/emoji-groups/.images.npy.link
mv -fT fixtures/emoji-groups/.images.npy.link "$copy"
[ "$(sha256sum < "$copy" | cut -d' ' -f1)" = "$want" ] || die "$copy symlink does not resolve to emoji-cldr's images"

echo "built fixtures/emoji-groups (${emoji_rows} rows, images.npy -> ../emoji-cldr/images.npy) and fixtures/digits (${digit_rows} rows)"
