"""Ship a run's trained networks to models/ with their provenance (models.json)."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from fer_lib.model.files import DEFAULT_MODEL_PATH, ModelNotFound, load_model, shown_path

MAX_SHIPPED_BYTES = 40_000_000  # models kept in the repository stay under 40 MB each

def ship_models(run_dir: str | PathLike, names: tuple[str, ...] = ("residual", "basic"), dest: str | PathLike | None = None) -> dict:
    """Copy the trained networks of a run folder (``training/NAME/model.keras``) to
    ``dest`` (``models/`` by default) as ``NAME.keras``, and write ``models.json`` with
    each file's sha256 and where it came from: the run, its data, epochs, test accuracy.

    Each model is loaded safely first; a missing or oversized file stops with an error
    before anything is replaced.
    """
    import hashlib
    import json
    import shutil

    run_dir, dest = Path(run_dir), Path(dest) if dest else DEFAULT_MODEL_PATH.parent
    sources = {name: run_dir / "training" / name / "model.keras" for name in names}
    for name, src in sources.items():
        if not src.is_file():
            raise ModelNotFound(f"{src} does not exist: run folder {run_dir} has no trained {name!r} network")
        if src.stat().st_size > MAX_SHIPPED_BYTES:
            raise ValueError(f"{src} is {src.stat().st_size:,} bytes, over the {MAX_SHIPPED_BYTES:,} kept in the repository")
        load_model(src)  # refuses unsafe files before they are shipped
    dest.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, src in sources.items():
        out = dest / f"{name}.keras"
        shutil.copyfile(src, out)
        run = json.loads((src.parent / "run.json").read_text()) if (src.parent / "run.json").exists() else {}
        t, data, test = run.get("training") or {}, run.get("data") or {}, ((run.get("metrics") or {}).get("test") or {})
        manifest[name] = {
            "file": out.name, "bytes": out.stat().st_size, "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
            "run": shown_path(src.parent), "data": data.get("source"), "data_sha256": data.get("sha256"), "split": data.get("split_protocol"),
            "classes": data.get("classes"), "status": t.get("status"), "epochs_run": t.get("epochs_run"),
            "epochs_planned": (run.get("config") or {}).get("epochs"), "interim": run.get("interim"),
            "test_accuracy": test.get("accuracy"), "n_test": test.get("n"),
            "device": (run.get("environment") or {}).get("device"), "git_commit": (run.get("environment") or {}).get("git_commit"),
        }
    (dest / "models.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
