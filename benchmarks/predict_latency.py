"""Photo -> labelled faces, ours side by side with the ``fer`` package (mini-Xception on FER-2013).

On the same photos (the four posed photos under $FER_DATA_ROOT/posed, else generated
scenes) and the same pre-cropped FER-2013 PrivateTest faces (when $FER_DATA_ROOT has
fer2013/), measures:

- photo latency: median over --repeats of file -> decoded -> faces -> labels, per photo,
  model loading excluded (each side warmed up first);
- accuracy on the posed photos (their labels.csv) and on PrivateTest (``--private-test``
  faces, default all 3,589);
- ours in batch: pre-cropped faces/s of the full residual network, several ways
  (``model.predict``, the traced ``model(x, training=False)`` fer_lib uses, XLA-jit,
  TFLite, a mixed_bfloat16 copy), target >= 500 faces/s on a 2-core CPU.

PrivateTest is fair to ``fer`` only: a network trained on FERGIT (as models/residual.keras
is) trained on most PrivateTest faces, since FERGIT holds all three FER-2013 splits, so its
PrivateTest accuracy is not a held-out score; the output says so beside the number, from the
model's entry in the models.json beside it.

Our model is ``--model PATH`` (a .keras file); without it an *untrained* residual
network stands in, so its accuracy is chance level and the output says so. The peer
runs only when ``fer`` is installed (``pip install --no-deps fer``; see README).
Prints a table, then one JSON line.

    FER_DATA_ROOT=../shared/data .venv/bin/python benchmarks/predict_latency.py [--model models/residual.keras]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from fer_lib.data.classes import FER_CLASSES, canonical_name  # noqa: E402
from fer_lib.data.synthetic import synthetic_scenes  # noqa: E402
from fer_lib.infer.detect import find_faces  # noqa: E402
from fer_lib.infer.peer import load_peer  # noqa: E402
from fer_lib.infer.predict import classify_faces, expand_inputs, predict_faces, predict_function  # noqa: E402
from fer_lib.model.preprocess import preprocess  # noqa: E402
from fer_lib.pipeline.registry import OFFICIAL_SPLIT  # noqa: E402
from fer_lib.settings import data_root  # noqa: E402


def private_test_caveat(model_path: str | None) -> str | None:
    """Why ours is not held out on PrivateTest, from the model's entry in the models.json beside
    it: None for the untrained stand-in or a network trained on FER-2013's official split."""
    if model_path is None:
        return None
    path = Path(model_path)
    manifest = path.parent / "models.json"
    entries = json.loads(manifest.read_text()).values() if manifest.is_file() else []
    entry = next((e for e in entries if e.get("file") == path.name), None)
    if entry is None:
        return f"not known to be held out: no entry for {path.name} in {manifest}, so its training data is unknown"
    data, split = str(entry.get("data", "")), entry.get("split")
    if data.startswith("fergit("):
        return "not held out for ours: it trained on FERGIT, which holds all three FER-2013 splits, PrivateTest included"
    if split == OFFICIAL_SPLIT:  # FER-2013's own Training part: PrivateTest held out
        return None
    return f"not known to be held out: it trained on {data}, split {split}"


def median_latency(fn, repeats: int) -> float:
    fn()  # warm-up (tracing, caches)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def top_face(faces: list[dict], key: str) -> str | None:
    """The label of the largest face (the posed photos hold one person)."""
    if not faces:
        return None
    face = max(faces, key=lambda f: f["box"][2] * f["box"][3])
    return max(face[key], key=face[key].get) if key == "emotions" else face["label"]


def throughput(model, faces: np.ndarray, repeats: int) -> dict[str, float]:
    """Pre-cropped faces/s, several ways of running the same network."""
    import tensorflow as tf

    x = preprocess(faces)
    n = len(x)
    rates = {}

    def rate(run):
        run()
        best = min(_timed(run) for _ in range(repeats))
        return n / best

    rates["model.predict, batch 256"] = rate(lambda: model.predict(x, batch_size=256, verbose=0))
    fn = predict_function(model)
    for bs in (64, 256):
        rates[f"model(x, training=False) traced, batch {bs}"] = rate(lambda bs=bs: [fn(x[i : i + bs]) for i in range(0, n, bs)])
    spec = [tf.TensorSpec([None, 48, 48, 1], tf.float32)]
    jit = tf.function(lambda t: model(t, training=False), jit_compile=True, input_signature=spec, autograph=False)
    rates["XLA jit_compile, batch 256"] = rate(lambda: [jit(x[i : i + 256]) for i in range(0, n, 256)])
    bf16 = bf16_copy(model)
    bfn = tf.function(lambda t: bf16(t, training=False), input_signature=spec, autograph=False)
    rates["mixed_bfloat16 copy, traced, batch 256"] = rate(lambda: [bfn(x[i : i + 256]) for i in range(0, n, 256)])
    probe = x[: min(n, 256)]
    drift = float(np.max(np.abs(np.asarray(fn(probe)) - np.asarray(bfn(probe), dtype=np.float32))))
    print(f"mixed_bfloat16 copy: max |prob diff| vs float32 {drift:.3g} on {len(probe)} faces", file=sys.stderr)
    try:
        import tempfile

        from fer_lib.model.files import TFLiteModel, export_tflite

        with tempfile.TemporaryDirectory() as d:
            lite = TFLiteModel(export_tflite(model, Path(d) / "m.tflite"))
            rates["TFLite float32, batch 256"] = rate(lambda: [lite.predict(x[i : i + 256]) for i in range(0, n, 256)])
    except Exception as exc:  # noqa: BLE001
        print(f"TFLite skipped: {exc}", file=sys.stderr)
    return rates


def bf16_copy(model):
    """The same network and weights computing in bfloat16 (AMX on recent Xeons), softmax in float32."""
    import keras

    last = model.layers[-1].name

    def clone(layer):
        config = layer.get_config()
        if layer.name != last and not isinstance(layer, keras.layers.InputLayer):
            config["dtype"] = "mixed_bfloat16"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def _timed(run) -> float:
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="our .keras model (default: an untrained residual network)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per photo")
    parser.add_argument("--batch-faces", type=int, default=1024, help="faces for the batch throughput")
    parser.add_argument("--batch-repeats", type=int, default=3, help="timed passes per throughput variant (best is kept)")
    parser.add_argument("--private-test", type=int, default=None, help="first N PrivateTest faces (default all)")
    parser.add_argument("--no-peer", action="store_true", help="skip the fer package")
    args = parser.parse_args(argv)

    from fer_lib.model.files import load_model
    from fer_lib.model.networks import build_model

    model = load_model(args.model) if args.model else build_model("residual", seed=0)
    model_desc = args.model or "UNTRAINED residual network (random weights): accuracy is chance level; pass --model"
    peer, peer_desc = (None, "skipped (--no-peer)") if args.no_peer else load_peer()

    root = data_root()
    posed = root / "posed" if root else None
    truth = {}
    if posed and (posed / "labels.csv").is_file():
        import pandas as pd

        photos = expand_inputs([posed])
        truth = {r.file: canonical_name(r.label) for r in pd.read_csv(posed / "labels.csv").itertuples()}
        photo_source = f"{len(photos)} posed photos ($FER_DATA_ROOT/posed)"
    else:
        import tempfile

        photos = synthetic_scenes(Path(tempfile.mkdtemp()) / "scenes")
        photo_source = f"{len(photos)} generated scenes (no $FER_DATA_ROOT/posed)"

    rows = []
    for path in photos:
        ours = predict_faces(model, path)
        row = {"file": path.name, "truth": truth.get(path.name), "ours": top_face(ours, "probs"), "ours_faces": len(ours),
               "ours_ms": 1e3 * median_latency(lambda p=path: predict_faces(model, p), args.repeats)}
        if peer is not None:
            theirs = peer.detect_emotions(str(path))
            row |= {"fer": top_face(theirs, "emotions"), "fer_faces": len(theirs),
                    "fer_ms": 1e3 * median_latency(lambda p=path: peer.detect_emotions(str(p)), args.repeats)}
        rows.append(row)

    # ours alone, to separate detection from classification
    detect_ms = statistics.median(1e3 * median_latency(lambda p=p: find_faces(p), args.repeats) for p in photos)

    private = None
    if root and (root / "fer2013").is_dir():
        from fer_lib.data.registry import load_dataset
        from fer_lib.data.splits import official_split

        fer2013 = load_dataset("fer2013", root)
        test = official_split(fer2013.meta).test
        if args.private_test and args.private_test < len(test):  # a seeded random subset: the files are grouped by class
            test = np.sort(np.random.default_rng(0).choice(test, args.private_test, replace=False))
        faces, labels = fer2013.images[test], fer2013.labels[test]
        assert tuple(fer2013.class_names) == FER_CLASSES, fer2013.class_names
        t = time.perf_counter()
        pred = classify_faces(model, faces).argmax(1)
        private = {"n": int(len(test)), "ours_accuracy": float(np.mean(pred == labels)), "ours_faces_per_s": len(test) / (time.perf_counter() - t),
                   "caveat": private_test_caveat(args.model)}
        if peer is not None:
            order = {c: i for i, c in enumerate(FER_CLASSES)}
            t = time.perf_counter()
            got = []
            for face in faces:  # fer's own path for a given box: pad, +10 px offsets, 64x64, [-1, 1]
                out = peer.detect_emotions(cv2.cvtColor(face, cv2.COLOR_GRAY2BGR), face_rectangles=[(0, 0, 48, 48)])
                got.append(order[max(out[0]["emotions"], key=out[0]["emotions"].get)] if out else -1)
            private |= {"fer_accuracy": float(np.mean(np.array(got) == labels)), "fer_faces_per_s": len(test) / (time.perf_counter() - t)}

    batch_faces = np.random.default_rng(0).integers(0, 256, (args.batch_faces, 48, 48), dtype=np.uint8)
    rates = throughput(model, batch_faces, args.batch_repeats)

    # table
    print(f"ours: {model_desc}")
    print(f"peer: {peer_desc}")
    print(f"photos: {photo_source}; median of {args.repeats} runs, file -> labelled faces, model loading excluded")
    head = f"{'photo':<34}{'truth':>9}{'ours':>10}{'ms':>8}" + (f"{'fer':>10}{'ms':>8}" if peer else "")
    print(head)
    for r in rows:
        line = f"{r['file']:<34}{r['truth'] or '-':>9}{(r['ours'] or 'no face'):>10}{r['ours_ms']:>8.1f}"
        if peer:
            line += f"{(r['fer'] or 'no face'):>10}{r['fer_ms']:>8.1f}"
        print(line)
    lat_ours = statistics.median(r["ours_ms"] for r in rows)
    lat_fer = statistics.median(r["fer_ms"] for r in rows) if peer else None
    print(f"median photo latency: ours {lat_ours:.1f} ms (of which detection {detect_ms:.1f} ms)" + (f", fer {lat_fer:.1f} ms" if peer else ""))
    posed_acc = None
    if truth:
        posed_acc = {"ours": sum(r["ours"] == r["truth"] for r in rows) / len(rows)}
        if peer:
            posed_acc["fer"] = sum(r["fer"] == r["truth"] for r in rows) / len(rows)
        print("posed accuracy: " + ", ".join(f"{k} {v:.0%}" for k, v in posed_acc.items()))
    if private:
        line = f"FER-2013 PrivateTest ({private['n']} faces): ours accuracy {private['ours_accuracy']:.3f} at {private['ours_faces_per_s']:.0f} faces/s"
        if "fer_accuracy" in private:
            line += f"; fer accuracy {private['fer_accuracy']:.3f} at {private['fer_faces_per_s']:.0f} faces/s (one face per call)"
        print(line)
        if private["caveat"]:
            print(f"  caveat: {private['caveat']}")
    else:
        print("FER-2013 PrivateTest: skipped (no $FER_DATA_ROOT/fer2013)")
    print(f"ours in batch, full residual network, {args.batch_faces} pre-cropped faces, best of {args.batch_repeats} (target >= 500 faces/s):")
    for name, value in rates.items():
        print(f"  {name:<45}{value:>8.0f} faces/s")
    print(json.dumps({
        "model": args.model, "untrained": args.model is None, "peer": peer_desc, "photos": photo_source,
        "photo_latency_ms": {"ours": lat_ours, "ours_detection": detect_ms, "fer": lat_fer}, "per_photo": rows,
        "posed_accuracy": posed_acc, "private_test": private, "batch_faces_per_s": rates, "cpu_count": os.cpu_count(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
