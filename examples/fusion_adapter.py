#!/usr/bin/env python3
"""Serve a miaudit native fusion model (or native classifier) to `miaudit --adapter process` (protocol version 1).

    python3 examples/fusion_adapter.py --model M.safetensors [--outputs logits|probabilities] [--dtype float32|float64]
    miaudit predict --adapter process --data DIR --split test --out p.npy -- \\
        python3 examples/fusion_adapter.py --model M.safetensors

The protocol (docs/adapter-protocol.md): UTF-8 JSON objects, one per line, on stdin (from miaudit)
and stdout (to miaudit); stderr is free-form logging. miaudit sends a hello, predict requests and a
bye; this script answers the hello with the model's id, digest and classes, and every predict
request with one row of logits (or probabilities) per example, in request order.

Needs numpy only. The model file is read here (8-byte little-endian header length, JSON header,
data buffer), as scripts/parity_forward.py does, and the forward pass is the same:
    x   = image features − image_mean       (miaudit sends the features already divided by pixel_scale)
    h_I = act(… act(L_0(x)))                 image_encoder.{0,2,…}
    h_T = act(… act(L_0(t)))                 text_encoder.{0,2,…}
    h_F = act(… act(L_0([h_I; h_T])))        fusion.{0,2,…}
    logits = head([h_I; h_T; h_F])
with act = ReLU or exact GELU from the "miaudit.architecture" metadata. With --dtype float32 (the
default) the arithmetic is float32, as in miaudit's native adapter; the two agree to a few 1e-6
relative (summation orders differ). With --dtype float64 the float32 weights and inputs are widened
and every operation runs in float64, which agrees with the native adapter to about 1e-6 (its own
float32 rounding) but takes about twice as long. Logits go back in the dtype they were computed in;
probabilities are soft-maxed in float64.
"""
import argparse
import base64
import binascii
import hashlib
import json
import math
import os
import struct
import sys
import time

import numpy as np

PROTOCOL = 1
TASK = "image-text-matching"
CLASSES = ["no_match", "match"]
ARCHITECTURE_KEY = "miaudit.architecture"
CLASSES_KEY = "miaudit.classes"
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2"}


class RequestError(Exception):
    """A malformed request; answered with an error reply naming the problem."""


def log(message):
    print(f"fusion_adapter: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# the model


def read_safetensors(path):
    """(tensors: name → numpy array, metadata: dict of str) from a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} is beyond the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buffer = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype!r}")
        if not 0 <= begin <= end <= len(buffer) or end - begin != math.prod(shape) * np.dtype(DTYPES[dtype]).itemsize:
            raise ValueError(f"{path}: tensor {name!r} has inconsistent data_offsets {[begin, end]} for shape {shape}")
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=DTYPES[dtype]).reshape(shape)
    return tensors, metadata, data


class FusionModel:
    """The native fusion model of a miaudit .safetensors file, evaluated in `dtype`."""

    def __init__(self, path, dtype):
        tensors, metadata, data = read_safetensors(path)
        self.id = os.path.basename(path)
        self.digest = "sha256:" + hashlib.sha256(data).hexdigest()
        arch = json.loads(metadata[ARCHITECTURE_KEY])
        self.image_features, self.text_features = int(arch["image_features"]), int(arch["text_features"])
        self.activation = arch.get("activation", "relu")
        self.class_count = int(arch["classes"])
        # A model without text features is miaudit's MLP classifier for classification data sets;
        # its class names are in the "miaudit.classes" metadata.
        self.task = "classification" if CLASSES_KEY in metadata or self.text_features == 0 else TASK
        self.classes = json.loads(metadata[CLASSES_KEY]) if CLASSES_KEY in metadata else (
            CLASSES if self.task == TASK else [str(c) for c in range(self.class_count)])
        if self.activation not in ("relu", "gelu") or len(self.classes) != self.class_count or (
                self.task == TASK and self.class_count != len(CLASSES)):
            raise ValueError(f"{path}: unsupported architecture {arch}")
        self.dtype = dtype
        self.image_mean = tensors["image_mean"].astype(dtype)
        self.layers = {}
        for prefix, key in (("image_encoder", "image_hidden"), ("text_encoder", "text_hidden"), ("fusion", "fusion_hidden")):
            if prefix == "text_encoder" and self.text_features == 0:
                self.layers[prefix] = []
                continue
            self.layers[prefix] = [(tensors[f"{prefix}.{2 * i}.weight"].T.astype(dtype),
                                    tensors[f"{prefix}.{2 * i}.bias"].astype(dtype)) for i in range(len(arch[key]))]
        self.head = (tensors["head.weight"].T.astype(dtype), tensors["head.bias"].astype(dtype))

    def activate(self, z):
        if self.activation == "relu":
            return np.maximum(z, 0, out=z)
        erf = np.frompyfunc(math.erf, 1, 1)
        return (0.5 * z * (1 + erf(z / math.sqrt(2)).astype(self.dtype))).astype(self.dtype)

    def mlp(self, x, prefix):
        for weight, bias in self.layers[prefix]:
            x = self.activate(x @ weight + bias)
        return x

    def logits(self, images, texts):
        """Logits [n, C] in the model's dtype from scaled image features [n, F_image] and text features
        [n, F_text] (None for a classifier without a text side: h_T is then empty)."""
        h_i = self.mlp(images.astype(self.dtype, copy=False) - self.image_mean, "image_encoder")
        h_t = self.mlp(texts.astype(self.dtype, copy=False), "text_encoder") if texts is not None else h_i[:, :0]
        h_f = self.mlp(np.concatenate([h_i, h_t], axis=1), "fusion")
        weight, bias = self.head
        return np.concatenate([h_i, h_t, h_f], axis=1) @ weight + bias


# ---------------------------------------------------------------------------------------------
# the protocol


def decode_array(value, name, rows, columns, pixels=False):
    """A [rows, columns] float32 array from a tensor object (base64) or nested JSON arrays.

    With `pixels`, a tensor may also be dtype u8 with a "scale": the features are then
    float32(byte) / float32(scale), computed here exactly as miaudit computes them.
    """
    if isinstance(value, dict):
        dtypes = {"f32": "<f4", "f64": "<f8", **({"u8": "u1"} if pixels else {})}
        if value.get("dtype") not in dtypes or not isinstance(value.get("data"), str):
            raise RequestError(f"{name} needs dtype {', '.join(dtypes)} and a base64 string data")
        if value.get("shape") != [rows, columns]:
            raise RequestError(f"{name} has shape {value.get('shape')}, expected [{rows}, {columns}]")
        try:
            raw = b64decode(value["data"])
        except (binascii.Error, ValueError) as e:
            raise RequestError(f"{name} data is not valid base64 ({e})")
        dtype = np.dtype(dtypes[value["dtype"]])
        if len(raw) != rows * columns * dtype.itemsize:
            raise RequestError(f"{name} data holds {len(raw)} bytes, shape [{rows}, {columns}] of {value['dtype']} "
                               f"needs {rows * columns * dtype.itemsize}")
        array = np.frombuffer(raw, dtype=dtype).reshape(rows, columns)
        if value["dtype"] == "u8":
            scale = value.get("scale")
            if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
                raise RequestError(f"{name} is u8 but has no positive scale")
            array = np.divide(array, np.float32(scale), dtype=np.float32)
    elif isinstance(value, list):
        try:
            array = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError) as e:
            raise RequestError(f"{name} is not a rectangular array of numbers ({e})")
        if array.shape != (rows, columns):
            raise RequestError(f"{name} has shape {list(array.shape)}, expected [{rows}, {columns}]")
    else:
        raise RequestError(f"{name} is neither a tensor object nor nested arrays")
    if not np.isfinite(array).all():
        raise RequestError(f"{name} holds non-finite values")
    return array


def b64decode(text):
    """Strict base64 decoding (invalid characters are an error, not skipped)."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except TypeError:  # Python before 3.11 has no strict_mode
        return base64.b64decode(text, validate=True)


def encode_array(values, encoding):
    """A float32 or float64 array [n, C] as a tensor object (base64) or nested arrays, per the hello's encoding."""
    if encoding == "json":
        return values.tolist()
    dtype = "<f4" if values.dtype == np.float32 else "<f8"
    return {"dtype": "f32" if dtype == "<f4" else "f64", "shape": list(values.shape),
            "data": binascii.b2a_base64(np.ascontiguousarray(values, dtype=dtype).tobytes(), newline=False).decode("ascii")}


class Server:
    def __init__(self, model, outputs, pixels, output_stream):
        self.model, self.outputs, self.pixels, self.out = model, outputs, pixels, output_stream
        self.encoding = None
        self.requests = self.pairs = 0
        self.compute_seconds = 0.0

    def send(self, message):
        self.out.write(json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n")
        self.out.flush()

    def hello(self, message):
        if message.get("protocol") != PROTOCOL:
            raise RequestError(f"this adapter speaks protocol {PROTOCOL}, miaudit sent {message.get('protocol')!r}")
        if message.get("task") != self.model.task:
            raise RequestError(f"this model serves task {self.model.task!r}, not {message.get('task')!r}")
        if self.model.task != TASK and message.get("classes") not in (None, self.model.classes):
            raise RequestError(f"the model's classes are {self.model.classes}, miaudit asked for {message.get('classes')}")
        if message.get("encoding") not in ("base64", "json"):
            raise RequestError(f"unknown encoding {message.get('encoding')!r}")
        inputs = message.get("inputs")
        if inputs is not None:
            widths = (inputs.get("image", {}).get("features"), inputs.get("text", {}).get("features", 0))
            if widths != (self.model.image_features, self.model.text_features):
                raise RequestError(f"the model takes {self.model.image_features} image and {self.model.text_features} "
                                   f"text features, miaudit announced {widths[0]} and {widths[1]}")
        self.encoding = message["encoding"]
        self.send({"type": "hello", "protocol": PROTOCOL, "model": {"id": self.model.id, "digest": self.model.digest},
                   "classes": self.model.classes, "outputs": self.outputs, "input_dtypes": ["f32", "u8"] if self.pixels else ["f32"]})

    def predict(self, message):
        if self.encoding is None:
            raise RequestError("predict before hello")
        examples, inputs = message.get("examples"), message.get("inputs")
        needed = {"image", "text"} if self.model.text_features > 0 else {"image"}
        if not isinstance(examples, list) or not isinstance(inputs, dict) or not needed <= inputs.keys():
            raise RequestError("a predict request needs examples and " + " and ".join(f"inputs.{k}" for k in sorted(needed)))
        n = len(examples)
        images = decode_array(inputs["image"], "inputs.image", n, self.model.image_features, self.pixels)
        texts = decode_array(inputs["text"], "inputs.text", n, self.model.text_features) if self.model.text_features > 0 else None
        start = time.perf_counter()
        values = self.model.logits(images, texts)
        if self.outputs == "probabilities":
            values = values.astype(np.float64)
            values = np.exp(values - values.max(axis=1, keepdims=True))
            values /= values.sum(axis=1, keepdims=True)
        self.compute_seconds += time.perf_counter() - start
        self.requests, self.pairs = self.requests + 1, self.pairs + n
        self.send({"type": "result", "request": message["request"], self.outputs: encode_array(values, self.encoding)})

    def serve(self, lines):
        """Answers messages until bye or end of input; returns the exit status."""
        for line in lines:
            if not line.strip():
                continue
            request = None
            try:
                try:
                    message = json.loads(line)
                except ValueError as e:
                    raise RequestError(f"the line is not JSON ({e})")
                if not isinstance(message, dict):
                    raise RequestError("the line is not a JSON object")
                kind, request = message.get("type"), message.get("request")
                if not isinstance(request, int) or isinstance(request, bool):
                    request = None
                if kind == "bye":
                    log(f"bye after {self.requests} requests, {self.pairs} pairs, {self.compute_seconds:.3f} s computing")
                    return 0
                if kind == "hello":
                    self.hello(message)
                elif kind == "predict":
                    if request is None:
                        raise RequestError("a predict request needs an integer request number")
                    self.predict(message)
                else:
                    raise RequestError(f"unknown message type {kind!r}")
            except RequestError as e:
                log(f"error: {e}")
                self.send({"type": "error", "request": request, "message": str(e)})
        log("stdin closed without bye")
        return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="the fusion model (.safetensors) miaudit wrote")
    parser.add_argument("--outputs", choices=("logits", "probabilities"), default="logits",
                        help="what results carry (default logits; miaudit soft-maxes them in float64)")
    parser.add_argument("--f32-inputs", action="store_true",
                        help="do not offer to read images as u8 pixel bytes (slower; for testing the plain path)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="arithmetic of the forward pass (default float32, as miaudit's native adapter)")
    args = parser.parse_args(argv)
    try:
        model = FusionModel(args.model, np.dtype(args.dtype))
    except (OSError, ValueError, KeyError, TypeError) as e:
        log(f"error: cannot load {args.model}: {e}")
        return 2
    log(f"serving {model.id} ({model.digest[:19]}…, {model.activation}, {args.dtype}) over protocol {PROTOCOL}")
    # A 1 MiB read buffer: requests are lines of megabytes.
    requests = open(sys.stdin.fileno(), "rb", buffering=1 << 20, closefd=False)
    return Server(model, args.outputs, not args.f32_inputs, sys.stdout.buffer).serve(requests)


if __name__ == "__main__":
    status = main()
    # Everything is flushed; skip the interpreter's teardown (tens of milliseconds with numpy),
    # since miaudit waits for the exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
