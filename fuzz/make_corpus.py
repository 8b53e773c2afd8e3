#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<harness>/ (run from the repository root).

Small valid inputs, which the harness must accept, and near-valid ones (cut short, a field
changed) named bad-*, which it must reject; FuzzSmokeTests checks both. Taken from fixtures/,
audits/ and docs/adapter-protocol.md, or written with numpy the way numpy.save writes them.
Deterministic: running it again gives the same bytes. Needs numpy.
"""
import base64
import io
import json
import pathlib
import struct

import numpy as np

ROOT = pathlib.Path("fuzz/corpus")


def put(harness, name, data):
    directory = ROOT / harness
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, array) in tensors.items():
        blob = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def npy_corpus():
    put("npy", "f4-2x3.npy", npy(np.arange(6, dtype="<f4").reshape(2, 3) / 7))
    put("npy", "f8-scalar.npy", npy(np.float64(0.25)))
    put("npy", "f2-4.npy", npy(np.array([0, 1, -2, 65504], dtype="<f2")))
    put("npy", "i8-5.npy", npy(np.array([0, -1, 2**62, 7, 3], dtype="<i8")))
    put("npy", "i4-2x2.npy", npy(np.array([[1, 2], [3, -4]], dtype="<i4")))
    put("npy", "u1-3x1x2.npy", npy(np.arange(6, dtype="u1").reshape(3, 1, 2)))
    put("npy", "b1-3.npy", npy(np.array([True, False, True])))
    put("npy", "f4-empty-0x4.npy", npy(np.zeros((0, 4), dtype="<f4")))
    put("npy", "f4-fortran-1d.npy", npy(np.asfortranarray(np.arange(3, dtype="<f4"))))
    version2 = bytearray(npy(np.arange(4, dtype="<f4")))
    header_length = version2[8] | version2[9] << 8
    put("npy", "f4-version-2.npy", bytes(version2[:6]) + b"\x02\x00" + struct.pack("<I", header_length + 2)
        + bytes(version2[10:10 + header_length]) + b"  " + bytes(version2[10 + header_length:]))
    put("npy", "bad-big-endian-f4.npy", npy(np.arange(2, dtype=">f4")))
    images = pathlib.Path("fixtures/digits/images.npy").read_bytes()
    put("npy", "bad-digits-images-cut.npy", images[:300])
    groups = pathlib.Path("fixtures/digits/groups.npy").read_bytes()
    put("npy", "bad-digits-groups-header-only.npy", groups[:128])
    put("npy", "python2-long-shape.npy", npy(np.arange(2, dtype="<i8")).replace(b"(2,), ", b"(2L,),"))


def safetensors_corpus():
    put("safetensors", "f32-2x2.safetensors", safetensors({"weight": ("F32", np.array([[1, 2], [3, 4]], dtype="<f4"))}))
    put("safetensors", "two-tensors-metadata.safetensors", safetensors(
        {"a": ("F64", np.array([0.5, -1.0], dtype="<f8")), "b": ("I64", np.array([[7]], dtype="<i8")),
         "c": ("U8", np.array([1, 2, 3], dtype="u1"))}, metadata={"format": "pt", "note": "caf\u00e9 \\u00e9"}))
    put("safetensors", "f16-bf16-i32.safetensors", safetensors(
        {"h": ("F16", np.array([1, 2], dtype="<f2")), "g": ("BF16", np.array([16256, 0], dtype="<u2")),
         "i": ("I32", np.array([-1], dtype="<i4"))}))
    put("safetensors", "empty-header.safetensors", struct.pack("<Q", 2) + b"{}")
    put("safetensors", "zero-size-tensor.safetensors", safetensors({"z": ("F32", np.zeros((0, 3), dtype="<f4"))}))
    good = safetensors({"weight": ("F32", np.array([[1, 2], [3, 4]], dtype="<f4"))})
    put("safetensors", "bad-cut-in-data.safetensors", good[:-3])
    put("safetensors", "bad-cut-in-header.safetensors", good[:30])


def outputs_corpus():
    probabilities = np.array([[0.25, 0.75], [0.5, 0.5], [1.0, 0.0]])
    logits = np.array([[0.1, -2.0, 3.0], [0.0, 0.0, 0.0]], dtype="<f4")
    put("outputs", "npy-probabilities-lines", b"\x00" + npy(probabilities) + b"\n--ids--\na\nb\r\nc\n")
    put("outputs", "npy-logits-json-ids", b"\x04" + npy(logits) + b"\n--ids--\n[\"x\", \"y\"]")
    put("outputs", "bad-npy-f16-ids-mismatch", b"\x00" + npy(probabilities.astype("<f2")) + b"\n--ids--\na\nb\n")
    put("outputs", "safetensors-probabilities", b"\x01" + safetensors(
        {"probabilities": ("F64", probabilities)}, metadata={"ids": json.dumps(["a", "b", "c"])}))
    put("outputs", "safetensors-logits-miaudit-ids", b"\x05" + safetensors(
        {"logits": ("F32", logits)}, metadata={"miaudit.ids": "[\"p\",\"q\"]", "ids": "[\"p\",\"q\"]"}))
    put("outputs", "csv-probabilities", b"\x02id,no_match,match\na,0.25,0.75\r\n\"b,1\",0.5,0.5\n\nc,1,0\n")
    put("outputs", "csv-logits-bom", b"\x06\xef\xbb\xbfid,cat,dog,bird\nx,1e-3,-2.5,3\ny,0,0,0")
    put("outputs", "bad-csv-number", b"\x02id,no_match,match\na,0.25,abc\n")


def manifest_corpus():
    small = pathlib.Path("fixtures/emoji-cldr-small/manifest.json").read_bytes()
    put("manifest", "emoji-cldr-small.json", small)
    digits = json.loads(pathlib.Path("fixtures/digits/manifest.json").read_text())
    digits["splits"] = {name: rows[:6] for name, rows in digits["splits"].items()}
    put("manifest", "digits-short-splits.json", json.dumps(digits, indent=2, sort_keys=True) + "\n")
    groups = json.loads(pathlib.Path("fixtures/emoji-groups/manifest.json").read_text())
    groups["splits"] = {name: rows[:4] for name, rows in groups["splits"].items()}
    put("manifest", "emoji-groups-short-splits.json", json.dumps(groups, sort_keys=True))
    bad = dict(digits)
    bad["arrays"] = dict(digits["arrays"], images=dict(digits["arrays"]["images"], dtype="<u2"))
    put("manifest", "bad-digits-dtype.json", json.dumps(bad, sort_keys=True))
    put("manifest", "bad-emoji-cldr-small-cut.json", small[:700])


def spec_corpus():
    for path in sorted(pathlib.Path("audits").glob("*.yaml")):
        put("spec", path.name, path.read_bytes())
    put("spec", "bad-aliases-unknown-key.yaml", "name: &n aliased\ndata: ../fixtures/emoji-cldr\noriginal: &o {path: a.safetensors}\n"
        "target: {unlearn: {method: retrain}}\nsettings: &s {}\nx: [*n, *o, *s]\n")
    put("spec", "bad-duplicate-key.yaml", "name: a\ndata: d\nname: b\n")


def process_replies_corpus():
    hello = ('{"type":"hello","protocol":1,"model":{"id":"tiny.safetensors","digest":"sha256:beeac92598bec2cc44233c932411db67'
             'a6207c9e5410511b16a647dcdde30edf"},"classes":["no_match","match"],"outputs":"logits","input_dtypes":["f32","u8"]}')
    result = '{"type":"result","request":1,"logits":{"dtype":"f32","shape":[2,2],"data":"3q9WP+aroD875jZA0J13vw=="}}'
    put("process-replies", "transcript-base64", hello + "\n" + result + "\n")
    put("process-replies", "transcript-json", hello.replace('"logits"', '"probabilities"') + "\r\n"
        + '{"type":"result","request":1,"probabilities":[[0.3973246624507566,0.6026753375492435],'
        + '[0.978648570770754,0.021351429229246138]]}\n')
    put("process-replies", "bad-error-reply", '{"type":"error","request":1,"message":"CUDA out of memory"}\n')
    put("process-replies", "trainer", '{"type":"hello","protocol":1,"model":{"id":"trainer.py","digest":"sha256:00"},'
        '"classes":["no_match","match"],"outputs":"probabilities","trainer":{"version":1,"recipe":{"epochs":3,"lr":0.001},'
        '"code_digest":"sha256:abcdef0123","methods":["none","retrain","multidelete"]}}\n'
        '{"type":"trained","request":1,"digest":"sha256:beef"}\n'
        '{"type":"loaded","request":1,"model":{"id":"m","digest":"sha256:beef"}}\n')
    put("process-replies", "f64-three-classes", '{"type":"hello","protocol":1,"model":{"id":"c","digest":"sha256:1"},'
        '"classes":["a","b","c"],"outputs":"logits"}\n  \n'
        '{"type":"result","request":1,"logits":{"dtype":"f64","shape":[2,3],'
        '"data":"' + base64.b64encode(struct.pack("<6d", 1, 2, 3, 0, 0, -1e300)).decode() + '"}}')
    put("process-replies", "bad-garbage", "loading weights...\n{\"type\":\"result\",\"request\":true}\n[1,2]\n")


if __name__ == "__main__":
    npy_corpus()
    safetensors_corpus()
    outputs_corpus()
    manifest_corpus()
    spec_corpus()
    process_replies_corpus()
