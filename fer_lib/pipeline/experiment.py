"""One training run from a profile: data -> split -> train -> evaluate -> run.json."""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras

from fer_lib.data.registry import load_dataset
from fer_lib.data.splits import official_split, random_split
from fer_lib.model.networks import build_model, training_gflop_per_image
from fer_lib.pipeline.provenance import data_fingerprint, device_description, environment, json_default
from fer_lib.train.config import TrainConfig
from fer_lib.train.evaluate import evaluate
from fer_lib.train.loop import read_history, train


def split_faces(faces, protocol: str, seed: int, val: float = 0.05, test: float = 0.05):
    """The split named ``protocol``: ``random`` (the paper's stratified 90/5/5) or ``official`` (FER-2013's)."""
    if protocol == "random":
        return random_split(faces.labels, val=val, test=test, seed=seed)
    if protocol == "official":
        return official_split(faces.meta)
    raise ValueError(f"unknown split protocol {protocol!r}; expected 'random' or 'official'")


def run_training(params: dict, out_dir: str | Path, verbose: int = 0, *, faces=None, split=None) -> dict:
    """Train the model a profile describes and write ``run.json`` with its provenance.

    ``params`` holds ``dataset``, ``data_root``, ``seed``, ``n_faces`` (synthetic),
    ``split`` and a ``train`` mapping of TrainConfig values. A paused run (budget
    reached) is evaluated on its best epoch so far (``interim`` is then true) and
    can be continued by calling this again with the same ``out_dir``.
    ``faces`` and ``split`` (a ``splits.Split``) may be given to skip loading and
    splitting, e.g. for the folds of a cross-validation.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seed = int(params.get("seed", 0))
    config = TrainConfig.from_dict({"seed": seed} | dict(params.get("train") or {}))
    start = time.perf_counter()
    if faces is None:
        faces = load_dataset(params.get("dataset", "synthetic"), params.get("data_root"), seed=seed, n_faces=int(params.get("n_faces", 6000)), n_subjects=int(params.get("n_subjects", 40)))
    if split is None:
        split = split_faces(faces, params.get("split", "random"), seed)
    load_s = time.perf_counter() - start
    x, y = faces.images, faces.labels
    record = train(config, x[split.train], y[split.train], x[split.val], y[split.val], out, class_names=faces.class_names, verbose=verbose)
    result = {
        "profile": params.get("profile"),
        "params": params,
        "config": config.to_dict(),
        "data": data_fingerprint(faces) | {"split_protocol": str(params.get("split", "random")), "split_sizes": split.sizes(), "load_s": load_s},
        "environment": environment() | {"device": device_description()},
        "training": record,
    }
    if record.get("train_images_per_s"):
        gflop = training_gflop_per_image(build_model(config.arch, n_classes=len(faces.class_names), width=config.width))
        result["training"] |= {"gflop_per_train_image": gflop, "achieved_gflop_s": record["train_images_per_s"] * gflop}
    if record.get("parameters"):  # set when train() exported model.keras (best epoch so far)
        # paused runs are evaluated too: their metrics are interim (best epoch so far)
        result["interim"] = record["status"] == "paused"
        model = keras.models.load_model(out / "model.keras")
        result["metrics"] = {
            "val": evaluate(model, x[split.val], y[split.val], faces.class_names),
            "test": evaluate(model, x[split.test], y[split.test], faces.class_names) if len(split.test) else None,
        }
    result["history"] = read_history(out / "history.csv")
    previous = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
    result["sessions"] = previous.get("sessions", []) + [{"wall_s": time.perf_counter() - start, "status": record["status"], "epochs_run": record["epochs_run"]}]
    result["total_wall_s"] = sum(s["wall_s"] for s in result["sessions"])
    (out / "run.json").write_text(json.dumps(result, indent=2, default=json_default) + "\n")
    return result
