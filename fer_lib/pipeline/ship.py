"""Ship a run's trained networks to models/ with their provenance (models.json)."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from fer_lib.model.files import DEFAULT_MODEL_PATH, ModelNotFound, load_model
from fer_lib.pipeline.records import read_training
from fer_lib.pipeline.registry import FERGIT_NETWORKS
from fer_lib.settings import shown

MAX_SHIPPED_BYTES = 40_000_000  # models kept in the repository stay under 40 MB each

def ship_models(run_dir: str | PathLike, names: tuple[str, ...] = tuple(n.name for n in FERGIT_NETWORKS), dest: str | PathLike | None = None) -> dict:
    """Copy the trained networks of a run folder (``training/NAME/model.keras``) to
    ``dest`` (``models/`` by default) as ``NAME.keras``, and write ``models.json`` with
    each file's sha256 and where it came from: the run, its data, epochs, test accuracy
    (the entries of networks not named in ``names`` stay as they were).

    Each model is loaded safely first; a missing or oversized file stops with an error
    before anything is replaced.
    """
    import hashlib
    import json
    import shutil

    run_dir, dest = Path(run_dir), Path(dest) if dest else DEFAULT_MODEL_PATH.parent
    sources = {name: run_dir / "training" / name / "model.keras" for name in names}
    records = {}
    for name, src in sources.items():
        if not src.is_file():
            raise ModelNotFound(f"{src} does not exist: run folder {run_dir} has no trained {name!r} network")
        records[name] = read_training(run_dir, name)
        if records[name] is None:
            raise ModelNotFound(f"{src.parent / 'run.json'} does not exist: the {name!r} network has no training record to ship with")
        if src.stat().st_size > MAX_SHIPPED_BYTES:
            raise ValueError(f"{src} is {src.stat().st_size:,} bytes, over the {MAX_SHIPPED_BYTES:,} kept in the repository")
        load_model(src)  # refuses unsafe files before they are shipped
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "models.json"
    kept = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest = {}
    for name, src in sources.items():
        out = dest / f"{name}.keras"
        shutil.copyfile(src, out)
        r = records[name]
        manifest[name] = {
            "file": out.name, "bytes": out.stat().st_size, "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
            "run": shown(src.parent.resolve()), "data": r.data.source, "data_sha256": r.data.sha256, "split": r.data.split_protocol,
            "split_sha256": r.data.split_sha256, "classes": r.data.classes, "status": r.training.status, "epochs_run": r.training.epochs_run,
            "epochs_planned": r.config["epochs"], "best_epoch": r.training.best_epoch, "interim": r.interim,
            "test_accuracy": r.test.accuracy if r.test else None, "n_test": r.test.n if r.test else None,
            "device": r.environment.get("device"), "git_commit": r.environment.get("git_commit"),
        }
    kept = {k: v for k, v in kept.items() if k not in manifest and (dest / v.get("file", "")).is_file()}  # the networks not shipped now stay listed
    manifest_path.write_text(json.dumps(kept | manifest, indent=2) + "\n")
    return manifest
