#!/usr/bin/env python3
"""Writes an ELECTRA-small-shaped model folder for tools/serve-bench.sh, from the shared random discriminator.

usage: make-bench-model.py SHARED_DIR OUT_DIR

OUT_DIR/classifier: ElectraForSequenceClassification (2 labels) = the random ELECTRA-small body of
  SHARED_DIR/models/electra-small-random plus a classification head with deterministic random weights (std 0.02);
OUT_DIR/embedder: the same body alone (ElectraModel), for /embed.
Both get the bert-base-uncased vocabulary of SHARED_DIR/fixtures/tokenizer. Pure Python (no numpy): the weights are
random anyway, so only the shapes matter for throughput.
"""
import json, os, random, shutil, struct, sys

shared, out = sys.argv[1], sys.argv[2]
src = os.path.join(shared, "models", "electra-small-random")
with open(os.path.join(src, "model.safetensors"), "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
config = json.load(open(os.path.join(src, "config.json")))
hidden = config["hidden_size"]

def write(folder, tensors, cfg):
    os.makedirs(folder, exist_ok=True)
    meta, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for key, (shape, blob) in tensors.items():
        meta[key] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(meta, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(os.path.join(folder, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    json.dump(cfg, open(os.path.join(folder, "config.json"), "w"), indent=2)
    shutil.copyfile(os.path.join(shared, "fixtures", "tokenizer", "vocab-uncased.txt"), os.path.join(folder, "vocab.txt"))
    json.dump({"do_lower_case": True, "model_max_length": 512}, open(os.path.join(folder, "tokenizer_config.json"), "w"))

body = {}
for key, info in header.items():
    if key == "__metadata__" or not key.startswith("electra."):
        continue
    assert info["dtype"] == "F32", key
    a, b = info["data_offsets"]
    body[key] = (info["shape"], data[a:b])

rng = random.Random(1234)
def rand(*shape):
    count = 1
    for s in shape:
        count *= s
    return list(shape), struct.pack(f"<{count}f", *(rng.gauss(0, 0.02) for _ in range(count)))

classifier = dict(body)
classifier["classifier.dense.weight"] = rand(hidden, hidden)
classifier["classifier.dense.bias"] = rand(hidden)
classifier["classifier.out_proj.weight"] = rand(2, hidden)
classifier["classifier.out_proj.bias"] = rand(2)
write(os.path.join(out, "classifier"), classifier, dict(config, architectures=["ElectraForSequenceClassification"],
      id2label={"0": "NEGATIVE", "1": "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1}))
write(os.path.join(out, "embedder"), {k[len("electra."):]: v for k, v in body.items()},
      dict(config, architectures=["ElectraModel"]))
print(out)
