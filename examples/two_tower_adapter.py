#!/usr/bin/env python3
"""Serve an untrained two-tower image-text model to `miaudit --adapter process` (protocol version 1).

    python3 examples/two_tower_adapter.py [--seed S] [--width 64] [--scale 10]
    miaudit predict --adapter process --data DIR --split test --out p.npy -- \\
        python3 examples/two_tower_adapter.py --seed 1

A model of another kind than miaudit's native fusion model, and with random weights: an image tower
and a text tower (one tanh layer each, width --width) map both sides into one space, and
p(match) = sigmoid(scale * cos(h_image, h_text)). Its outputs look nothing like a trained model's.
It exists to show what an audit says when the audited model does not resemble its reference models
(docs/method.md §5.2): no verdict, with the reason. numpy only; the weights come from numpy's default
generator with --seed, so the same seed serves the same model.
"""
import argparse
import base64
import json
import sys

import numpy as np

PROTOCOL = 1


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def decode(value):
    """A feature array from a tensor object or nested JSON lists, as float32 rows."""
    if isinstance(value, list):
        return np.asarray(value, dtype=np.float32)
    raw = base64.b64decode(value["data"], validate=True)
    if value["dtype"] == "u8":
        return np.frombuffer(raw, np.uint8).reshape(value["shape"]).astype(np.float32) / np.float32(value["scale"])
    dtype = "<f4" if value["dtype"] == "f32" else "<f8"
    return np.frombuffer(raw, dtype).reshape(value["shape"]).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args()

    hello = json.loads(sys.stdin.readline())
    if hello.get("protocol") != PROTOCOL:
        send({"type": "error", "request": None, "message": f"this adapter speaks protocol {PROTOCOL}"})
        return
    send({"type": "hello", "protocol": PROTOCOL,
          "model": {"id": f"two-tower-untrained-seed-{args.seed}", "digest": f"seed:{args.seed}-width:{args.width}"},
          "classes": ["no_match", "match"], "outputs": "probabilities", "input_dtypes": ["f32", "u8"]})
    towers = {}
    generator = np.random.default_rng(args.seed)
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("type") != "predict":
            break
        images, texts = decode(message["inputs"]["image"]), decode(message["inputs"]["text"])
        if not towers:  # the widths come with the first request
            towers["image"] = generator.standard_normal((images.shape[1], args.width)).astype(np.float32) / np.sqrt(images.shape[1])
            towers["text"] = generator.standard_normal((texts.shape[1], args.width)).astype(np.float32) / np.sqrt(texts.shape[1])
        h_image = np.tanh(images @ towers["image"]).astype(np.float64)
        h_text = np.tanh(texts @ towers["text"]).astype(np.float64)
        cosine = np.sum(h_image * h_text, axis=1) / (np.linalg.norm(h_image, axis=1) * np.linalg.norm(h_text, axis=1) + 1e-12)
        match = 1.0 / (1.0 + np.exp(-args.scale * cosine))
        send({"type": "result", "request": message["request"],
              "probabilities": np.stack([1.0 - match, match], axis=1).tolist()})


if __name__ == "__main__":
    main()
