#!/usr/bin/env python3
"""A PyTorch two-tower image-text model that miaudit can train, unlearn and query (adapter protocol 1
with the trainer message set, docs/adapter-protocol.md).

    pip install 'torch==2.13.0+cpu'
    miaudit audit audits/torch-two-tower.yaml

miaudit starts this script and speaks JSON lines with it on stdin/stdout:
- hello: it answers as the trainer and announces its recipe, the SHA-256 of this file (so a changed
  script never reuses a cached model) and the unlearning methods it implements;
- train: it trains a model on the given example ids of the data set (or starts from a saved one),
  optionally applies an unlearning method, and saves the model in the directory miaudit names;
- load: it serves the model saved in a directory; predict requests are then answered by that
  model, as by any process adapter.

The model is not miaudit's fusion network: an image tower (pixels -> 128 -> 64, ReLU) and a text
tower (sentence embedding -> 128 -> 64, ReLU) map both sides into one space, and the match logit is
scale * cos(h_image, h_text) + bias. It is trained with binary cross-entropy on each true pair and
one mismatched pair from another group per row and epoch, with Adam. Everything is seeded and runs
on one thread with PyTorch's deterministic algorithms, so a seed gives the same model.

Unlearning methods: none; retrain (a new model trained on the retain rows); multidelete, this
model's version of MultiDelete's three losses (decoupling the forgotten pairs: they are trained
towards "no match"; multimodal knowledge retention: the match probabilities on retain pairs stay
close to the original's (KL); unimodal knowledge retention: the towers' embeddings of retain rows
stay close to the original's (squared error)).
"""
import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

PROTOCOL = 1
TRAINER_VERSION = 1
RECIPE = {
    "architecture": "two-tower relu 128-64, cosine logit",
    "epochs": 30, "batch_size": 64, "learning_rate": 0.002, "weight_decay": 0.0,
    "unlearn_epochs": 8, "unlearn_learning_rate": 0.001, "retention_weight": 1.0, "embedding_weight": 1.0,
}
METHODS = ["none", "retrain", "multidelete"]
CODE_DIGEST = "sha256:" + hashlib.sha256(open(__file__, "rb").read()).hexdigest()

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(text):
    print(text, file=sys.stderr, flush=True)


class TwoTower(torch.nn.Module):
    def __init__(self, image_features, text_features):
        super().__init__()
        self.image = torch.nn.Sequential(torch.nn.Linear(image_features, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64))
        self.text = torch.nn.Sequential(torch.nn.Linear(text_features, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64))
        self.scale = torch.nn.Parameter(torch.tensor(5.0))
        self.bias = torch.nn.Parameter(torch.tensor(0.0))

    def embed(self, images, texts):
        return F.normalize(self.image(images), dim=1), F.normalize(self.text(texts), dim=1)

    def forward(self, images, texts):
        h_image, h_text = self.embed(images, texts)
        return self.scale * (h_image * h_text).sum(dim=1) + self.bias


class DataSet:
    """A miaudit data-set directory: image pixels scaled by pixel_scale, caption embeddings, groups."""

    def __init__(self, directory):
        manifest = json.load(open(os.path.join(directory, "manifest.json")))
        arrays = manifest["arrays"]
        images = np.load(os.path.join(directory, arrays["images"]["file"]))
        self.images = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(manifest["pixel_scale"]))
        self.texts = torch.from_numpy(np.load(os.path.join(directory, arrays["texts"]["file"])).astype(np.float32))
        self.groups = np.load(os.path.join(directory, arrays["groups"]["file"]))
        self.row = {example: k for k, example in enumerate(json.load(open(os.path.join(directory, manifest["ids"]))))}

    def rows(self, ids):
        missing = [example for example in ids if example not in self.row]
        if missing:
            raise ValueError(f"example id {missing[0]} is not in the data set")
        return np.array([self.row[example] for example in ids], dtype=np.int64)


def partners(data, rows, generator):
    """For each row, another row of the list from a different group (a mismatched pair)."""
    chosen = np.empty_like(rows)
    for k, row in enumerate(rows):
        while True:
            other = rows[generator.integers(len(rows))]
            if data.groups[other] != data.groups[row]:
                chosen[k] = other
                break
    return chosen


def pair_batches(data, rows, generator, batch_size):
    """One epoch: every row's true pair and one mismatched pair, shuffled, in batches."""
    negatives = partners(data, rows, generator)
    images = np.concatenate([rows, rows])
    texts = np.concatenate([rows, negatives])
    labels = np.concatenate([np.ones(len(rows)), np.zeros(len(rows))]).astype(np.float32)
    order = generator.permutation(len(images))
    for start in range(0, len(order), batch_size):
        pick = order[start:start + batch_size]
        yield data.images[images[pick]], data.texts[texts[pick]], torch.from_numpy(labels[pick])


def train(data, rows, seed):
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    model = TwoTower(data.images.shape[1], data.texts.shape[1])
    optimiser = torch.optim.Adam(model.parameters(), lr=RECIPE["learning_rate"], weight_decay=RECIPE["weight_decay"])
    for _ in range(RECIPE["epochs"]):
        for images, texts, labels in pair_batches(data, rows, generator, RECIPE["batch_size"]):
            optimiser.zero_grad()
            F.binary_cross_entropy_with_logits(model(images, texts), labels).backward()
            optimiser.step()
    return model


def multidelete(data, model, forget, retain, seed):
    """This model's MultiDelete: decouple the forgotten pairs, keep retain behaviour and embeddings."""
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    original = TwoTower(data.images.shape[1], data.texts.shape[1])
    original.load_state_dict(model.state_dict())
    original.eval()
    optimiser = torch.optim.Adam(model.parameters(), lr=RECIPE["unlearn_learning_rate"])
    batch = RECIPE["batch_size"]
    for _ in range(RECIPE["unlearn_epochs"]):
        order = generator.permutation(len(retain))
        steps = max(1, len(order) // batch)
        for step in range(steps):
            kept = retain[order[step * batch:(step + 1) * batch]]
            gone = forget[generator.integers(len(forget), size=min(batch, len(forget)))]
            optimiser.zero_grad()
            decoupling = F.binary_cross_entropy_with_logits(model(data.images[gone], data.texts[gone]), torch.zeros(len(gone)))
            mismatched = partners(data, kept, generator)
            images = data.images[np.concatenate([kept, kept])]
            texts = data.texts[np.concatenate([kept, mismatched])]
            with torch.no_grad():
                target = torch.sigmoid(original(images, texts))
                image_before, text_before = original.embed(data.images[kept], data.texts[kept])
            retained = F.binary_cross_entropy_with_logits(model(images, texts), target)
            image_now, text_now = model.embed(data.images[kept], data.texts[kept])
            embeddings = ((image_now - image_before) ** 2).sum(dim=1).mean() + ((text_now - text_before) ** 2).sum(dim=1).mean()
            loss = decoupling + RECIPE["retention_weight"] * retained + RECIPE["embedding_weight"] * embeddings
            loss.backward()
            optimiser.step()
    return model


def save(model, directory, image_features, text_features):
    path = os.path.join(directory, "model.pt")
    torch.save({"state": model.state_dict(), "image_features": image_features, "text_features": text_features}, path)
    return "sha256:" + hashlib.sha256(open(path, "rb").read()).hexdigest()


def load(directory):
    path = os.path.join(directory, "model.pt")
    saved = torch.load(path, weights_only=True)
    model = TwoTower(saved["image_features"], saved["text_features"])
    model.load_state_dict(saved["state"])
    model.eval()
    return model, "sha256:" + hashlib.sha256(open(path, "rb").read()).hexdigest()


def decode(value):
    """A feature array from a tensor object or nested JSON lists, as float32 rows."""
    if isinstance(value, list):
        return torch.tensor(value, dtype=torch.float32)
    raw = base64.b64decode(value["data"], validate=True)
    if value["dtype"] == "u8":
        array = np.frombuffer(raw, np.uint8).reshape(value["shape"]).astype(np.float32) / np.float32(value["scale"])
    else:
        array = np.frombuffer(raw, "<f4" if value["dtype"] == "f32" else "<f8").reshape(value["shape"]).astype(np.float32)
    return torch.from_numpy(array.copy())


def handle_train(message, data_sets):
    directory = message["data"]
    if directory not in data_sets:
        data_sets[directory] = DataSet(directory)
    data = data_sets[directory]
    if "from" in message:
        model, _ = load(message["from"])
        model.train()
    else:
        model = train(data, data.rows(message["train"]), message["seed"])
    unlearn = message.get("unlearn")
    if unlearn:
        method = unlearn["method"]
        if method == "retrain":
            model = train(data, data.rows(unlearn["retain"]), unlearn["seed"])
        elif method == "multidelete":
            model = multidelete(data, model, data.rows(unlearn["forget"]), data.rows(unlearn["retain"]), unlearn["seed"])
        elif method != "none":
            raise ValueError(f"unlearning method {method} is not implemented (this trainer implements {', '.join(METHODS)})")
    return save(model, message["out"], data.images.shape[1], data.texts.shape[1])


def main():
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    hello = json.loads(sys.stdin.readline())
    if hello.get("protocol") != PROTOCOL:
        send({"type": "error", "request": None, "message": f"this adapter speaks protocol {PROTOCOL}"})
        return
    model = None
    send({"type": "hello", "protocol": PROTOCOL, "model": {"id": "torch-two-tower-trainer", "digest": CODE_DIGEST},
          "classes": ["no_match", "match"], "outputs": "logits",
          "input_dtypes": ["f32", "u8"],
          "trainer": {"version": TRAINER_VERSION, "recipe": RECIPE, "code_digest": CODE_DIGEST, "methods": METHODS}})
    data_sets = {}
    for line in sys.stdin:
        message = json.loads(line)
        kind = message.get("type")
        if kind == "bye":
            break
        try:
            if kind == "train":
                send({"type": "trained", "request": message["request"], "digest": handle_train(message, data_sets)})
            elif kind == "load":
                model, digest = load(message["path"])
                name = "torch-two-tower:" + os.path.basename(message["path"].rstrip("/"))[:16]
                send({"type": "loaded", "request": message["request"], "model": {"id": name, "digest": digest}})
            elif kind == "predict":
                if model is None:
                    raise ValueError("no model is loaded: open this adapter with a load in the hello to predict")
                with torch.no_grad():
                    match = model(decode(message["inputs"]["image"]), decode(message["inputs"]["text"])).double()
                logits = torch.stack([torch.zeros_like(match), match], dim=1)
                send({"type": "result", "request": message["request"], "logits": logits.tolist()})
            else:
                raise ValueError(f"unknown request type {kind}")
        except (ValueError, KeyError, OSError, RuntimeError) as error:
            send({"type": "error", "request": message.get("request"), "message": str(error)})


if __name__ == "__main__":
    main()
