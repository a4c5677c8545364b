"""What notebooks show and save about a run: a provenance banner, figures, metrics."""

from __future__ import annotations

import json
import os
from pathlib import Path

from matplotlib.figure import Figure

from fer_lib.data.faceset import FaceSet
from fer_lib.pipeline.provenance import data_fingerprint, environment, json_default

SYNTHETIC_WARNING = (
    "**Synthetic data.** Every number on this page comes from faces that `fer_lib` generates "
    "itself (the embedded default). They show that the pipeline works; they are **not comparable** "
    "to the paper's results, which come from FERGIT and CK+."
)

def provenance_markdown(data: dict, params: dict, env: dict) -> str:
    """A Markdown admonition naming the data, parameters and machine behind a page."""
    kind = "warning" if data.get("synthetic") else "tip"
    device = f"; computed on {env['device']}" if env.get("device") else ""
    head = SYNTHETIC_WARNING if data.get("synthetic") else f"**Real data** from `{data['source']}`."
    pk = env["packages"]
    rows = [
        ("run", os.environ.get("FER_RUN_PROFILE", "none: executed by hand (nbval, Jupyter) with the notebook's own parameters")),
        ("data", f"{data['source']} ({data['n']:,} faces, sha256 `{data['sha256'][:12]}`)"),
        ("parameters", ", ".join(f"`{k}={v!r}`" for k, v in params.items())),
        ("machine", f"{env['cpu']} ({env['cpu_count']} cores), {env['platform']}{device}"),
        ("software", f"Python {env['python']}, " + ", ".join(f"{k} {v}" for k, v in pk.items())),
        ("code", f"git `{env['git_commit'] or 'not a git checkout'}`, run at {env['time_utc']}"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f":::{{admonition}} Provenance of this page\n:class: {kind}\n\n{head}\n\n| what | value |\n|---|---|\n{table}\n:::\n"

def resolve_out_dir(out_dir: str | Path | None) -> Path:
    """A notebook's run folder: ``out_dir``, or ``runs/default`` in the repository when None.

    Notebooks run alone (nbval, Jupyter) share ``runs/default``, so later notebooks
    find what earlier ones saved, and a finished training there is reused, not redone.
    """
    from fer_lib.settings import REPO_ROOT

    path = Path(out_dir) if out_dir else REPO_ROOT / "runs" / "default"
    path.mkdir(parents=True, exist_ok=True)
    return path

def show_run_provenance(result: dict):
    """Display the provenance banner of a training run's record (see ``experiment.run_training``)."""
    from IPython.display import Markdown, display

    display(Markdown(provenance_markdown(result["data"], _flat(result["params"]), result["environment"])))

def _flat(params: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, dict):
            out |= _flat(v, f"{prefix}{k}.")
        else:
            out[f"{prefix}{k}"] = v
    return out

def show_provenance(faces: FaceSet, params: dict):
    """Display the provenance banner in a notebook and return its record."""
    from IPython.display import Markdown, display

    record = {"data": data_fingerprint(faces), "params": params, "environment": environment()}
    display(Markdown(provenance_markdown(record["data"], params, record["environment"])))
    return record

def save_figure(fig: Figure, out_dir: str | Path, name: str) -> Path:
    """Save ``fig`` as ``out_dir/figures/name.png`` and return the path."""
    path = Path(out_dir) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path

def publish_figure(fig: Figure, name: str, out_dir: str | Path | None = None) -> None:
    """Glue ``fig`` under ``name`` for a ``{glue:figure}`` caption, save it to the run
    folder when there is one, and close it so the notebook does not show it twice."""
    import matplotlib.pyplot as plt
    from myst_nb import glue

    glue(name, fig, display=False)
    if out_dir:
        save_figure(fig, out_dir, name)
    plt.close(fig)

def save_metrics(out_dir: str | Path, notebook: str, metrics: dict) -> Path:
    """Write one notebook's metrics as ``out_dir/metrics/notebook.json``."""
    path = Path(out_dir) / "metrics" / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True, default=json_default) + "\n")
    return path

def training_summary(result: dict) -> dict:
    """The headline numbers of a training run: test/val/train accuracy, losses, epochs, time, speed."""
    t, m = result["training"], result.get("metrics") or {}
    history = result.get("history") or []
    best = max(history, key=lambda r: r["val_accuracy"]) if history else {}
    test = m.get("test") or {}
    return {
        "test_accuracy": test.get("accuracy"),
        "test_loss": test.get("loss"),
        "macro_f1": test.get("macro_f1"),
        "weighted_f1": test.get("weighted_f1"),
        "val_accuracy": (m.get("val") or {}).get("accuracy"),
        "train_accuracy": best.get("accuracy"),
        "best_epoch": t.get("best_epoch"),
        "epochs_run": t.get("epochs_run"),
        "epochs_planned": (result.get("config") or {}).get("epochs"),
        "status": t.get("status"),
        "train_minutes": (t.get("train_wall_s") or 0) / 60,
        "images_per_s": t.get("train_images_per_s"),
        "n_test": test.get("n"),
    }

def glue_summary(prefix: str, result: dict) -> dict:
    """Glue each number of ``training_summary`` as ``prefix_name`` (for ``{glue:text}`` in prose)."""
    from myst_nb import glue

    summary = training_summary(result)
    for key, value in summary.items():
        glue(f"{prefix}_{key}", value if value is not None else float("nan"), display=False)
    return summary

def save_run_metrics(out_dir: str | Path, notebook: str, result: dict, **extra) -> Path:
    """Save a training run's metrics, summary and provenance for the scorecard."""
    keep = {k: result.get(k) for k in ("params", "config", "data", "environment", "training", "metrics", "history", "total_wall_s", "interim", "sessions")}
    return save_metrics(out_dir, notebook, keep | {"summary": training_summary(result)} | extra)

def load_metrics(out_dir: str | Path, notebook: str) -> dict | None:
    """A notebook's saved metrics from the run folder, or None when it has not run there."""
    path = Path(out_dir) / "metrics" / f"{notebook}.json"
    return json.loads(path.read_text()) if path.exists() else None

_STATUS_WORDS = {
    "completed": "all its epochs",
    "early_stopped": "stopped early by EarlyStopping",
    "paused": "paused by the session's epoch or time cap: an interim result, resumable from its saved state",
}

def run_sentence(name: str, summary: dict, test_name: str = "the test split") -> str:
    """One Markdown sentence on a training run: test accuracy, epochs run of planned, why it stopped, minutes."""
    s = summary
    return (f"{name} reached **{s['test_accuracy']:.1%}** on {test_name} ({s['n_test']:,} faces) with its best epoch, "
            f"{s['best_epoch']}, after {s['epochs_run']} of {s['epochs_planned']} planned epochs "
            f"({_STATUS_WORDS.get(s['status'], s['status'])}), in {s['train_minutes']:.0f} minutes of training "
            f"at {s['images_per_s']:.0f} images/s.")
