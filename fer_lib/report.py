"""What notebooks show and save about a run: a provenance banner, figures, metrics."""

from __future__ import annotations

import json
from pathlib import Path

from matplotlib.figure import Figure

from .faceset import FaceSet
from .provenance import data_fingerprint, environment, json_default

SYNTHETIC_WARNING = (
    "**Synthetic data.** Every number on this page comes from faces that `fer_lib` generates "
    "itself (the embedded default). They show that the pipeline works; they are **not comparable** "
    "to the paper's results, which come from FERGIT and CK+."
)


def provenance_markdown(data: dict, params: dict, env: dict) -> str:
    """A Markdown admonition naming the data, parameters and machine behind a page."""
    kind = "warning" if data.get("synthetic") else "tip"
    head = SYNTHETIC_WARNING if data.get("synthetic") else f"**Real data** from `{data['source']}`."
    pk = env["packages"]
    rows = [
        ("data", f"{data['source']} ({data['n']:,} faces, sha256 `{data['sha256'][:12]}`)"),
        ("parameters", ", ".join(f"`{k}={v!r}`" for k, v in params.items())),
        ("machine", f"{env['cpu']} ({env['cpu_count']} cores), {env['platform']}"),
        ("software", f"Python {env['python']}, " + ", ".join(f"{k} {v}" for k, v in pk.items())),
        ("code", f"git `{env['git_commit'] or 'not a git checkout'}`, run at {env['time_utc']}"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f":::{{admonition}} Provenance of this page\n:class: {kind}\n\n{head}\n\n| what | value |\n|---|---|\n{table}\n:::\n"


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
