"""The scorecard: each number of the paper beside ours, from the metrics a run saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .models import build_model, parameter_counts
from .paper import PAPER_NUMBERS
from .report import load_metrics


def _per_class(m: dict, cls: str, metric: str):
    return m["metrics"]["test"]["per_class"].get(cls, {}).get(metric)


# paper key -> (notebook whose metrics hold ours, how to read ours from them)
EXTRACTORS = {
    "fergit_faces": ("01_data_exploration", lambda m: m["n_faces"]),
    "fergit_train": ("04_residual_cnn", lambda m: m["data"]["split_sizes"]["train"]),
    "fergit_val": ("04_residual_cnn", lambda m: m["data"]["split_sizes"]["val"]),
    "fergit_test": ("04_residual_cnn", lambda m: m["data"]["split_sizes"]["test"]),
    "basic_test_accuracy": ("03_basic_cnn", lambda m: m["summary"]["test_accuracy"]),
    "basic_train_accuracy": ("03_basic_cnn", lambda m: m["summary"]["train_accuracy"]),
    "basic_val_accuracy": ("03_basic_cnn", lambda m: m["summary"]["val_accuracy"]),
    "basic_test_loss": ("03_basic_cnn", lambda m: m["summary"]["test_loss"]),
    "basic_run_time_min": ("03_basic_cnn", lambda m: m["summary"]["train_minutes"]),
    "residual_test_accuracy": ("04_residual_cnn", lambda m: m["summary"]["test_accuracy"]),
    "residual_train_accuracy": ("04_residual_cnn", lambda m: m["summary"]["train_accuracy"]),
    "residual_val_accuracy": ("04_residual_cnn", lambda m: m["summary"]["val_accuracy"]),
    "residual_test_loss": ("04_residual_cnn", lambda m: m["summary"]["test_loss"]),
    "residual_run_time_min": ("04_residual_cnn", lambda m: m["summary"]["train_minutes"]),
    "f1": ("04_residual_cnn", lambda m: m["summary"]["macro_f1"]),
    "happy_recall": ("04_residual_cnn", lambda m: _per_class(m, "happy", "recall")),
    "fear_recall_residual": ("04_residual_cnn", lambda m: _per_class(m, "fear", "recall")),
    "ckplus_test_accuracy": ("05_ckplus", lambda m: m["random"]["test_accuracy"]),
    "ckplus_run_time_min": ("05_ckplus", lambda m: m["random"]["train_minutes"]),
}


def _protocol(m: dict | None) -> str:
    if not m:
        return ""
    data = m.get("data") or {}
    params = m.get("params") or {}
    source = data.get("source", params.get("dataset", ""))
    bits = [source + (" (synthetic)" if data.get("synthetic") and "synthetic" not in source else "")]
    if data.get("split_protocol"):
        bits.append(f"split {data['split_protocol']}")
    cfg = m.get("config") or {}
    if cfg:
        bits.append(f"{(m.get('summary') or {}).get('epochs_run', '?')}/{cfg.get('epochs')} epochs, seed {cfg.get('seed')}")
    device = (m.get("environment") or {}).get("device")
    if device:
        bits.append(device)
    return "; ".join(b for b in bits if b)


def build_scorecard(run_dirs: list[str | Path]) -> tuple[pd.DataFrame, dict]:
    """One row per paper number: the paper's value, ours (mean over run folders), sd, difference, protocol.

    Also returns, per notebook, the provenance of the metrics that were read.
    """
    metrics = {d: {nb: load_metrics(d, nb) for nb in {nb for nb, _ in EXTRACTORS.values()}} for d in map(str, run_dirs)}
    params = {"residual": parameter_counts(build_model("residual"))}
    rows = []
    for entry in PAPER_NUMBERS:
        key = entry["key"]
        if key.startswith("residual_params_"):
            values = [params["residual"][key.removeprefix("residual_params_")]]
            protocol, source = "counted from fer_lib.models.build_model('residual')", "models"
        else:
            nb, read = EXTRACTORS[key]
            found = [metrics[d][nb] for d in metrics if metrics[d][nb]]
            values = []
            for m in found:
                try:
                    value = read(m)
                except (KeyError, TypeError):
                    value = None
                if value is not None:
                    values.append(float(value))
            protocol, source = (_protocol(found[0]) if found else "not run in this run folder"), nb
        ours = float(np.mean(values)) if values else None
        sd = float(np.std(values, ddof=1)) if len(values) > 1 else None
        rows.append({
            "what": entry["what"], "paper": entry["value"], "ours": ours, "sd": sd,
            "difference": (ours - entry["value"]) if ours is not None else None,
            "unit": entry["unit"], "paper's source": entry["where"], "our protocol": protocol, "page": source,
        })
    card = pd.DataFrame(rows)
    sources = {nb: {d: {"data": (m or {}).get("data", {}).get("source"), "synthetic": (m or {}).get("data", {}).get("synthetic"),
                        "sha256": (m or {}).get("data", {}).get("sha256"), "git": ((m or {}).get("environment") or {}).get("git_commit")}
                    for d, per_nb in metrics.items() for m in [per_nb[nb]] if m}
               for nb in sorted({nb for nb, _ in EXTRACTORS.values()})}
    return card, sources


def describe_sources(sources: dict, n_dirs: int) -> str:
    """A Markdown admonition: which data the collected metrics come from, flagging synthetic data."""
    synthetic = any(v.get("synthetic") for per_dir in sources.values() for v in per_dir.values())
    lines = [f"- `{nb}`: " + ", ".join(f"{v['data']} (sha256 `{(v['sha256'] or '')[:12]}`, git `{v['git']}`)" for v in per_dir.values())
             if per_dir else f"- `{nb}`: not run" for nb, per_dir in sources.items()]
    head = ("**Synthetic data.** Some or all of the numbers below come from synthetic faces: they show that the "
            "pipeline works and are **not comparable** to the paper's.") if synthetic else "**Real data.**"
    kind = "warning" if synthetic else "tip"
    return f":::{{admonition}} Provenance of this page\n:class: {kind}\n\n{head} Metrics collected from {n_dirs} run folder(s):\n\n" + "\n".join(lines) + "\n:::\n"


def _fmt(value, unit: str, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    sign = "+" if signed else ""
    if unit in ("accuracy", "recall", "F1"):
        return f"{value * 100:{sign}.1f}" + (" pp" if signed else "%")
    if unit in ("faces", "parameters"):
        return f"{value:{sign},.0f}"
    if unit == "minutes":
        return f"{value:{sign}.1f} min"
    return f"{value:{sign}.3f}"


def display_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with each number written in its unit (percent, count, minutes), for reading."""
    rows = []
    for r in card.to_dict("records"):
        ours = _fmt(r["ours"], r["unit"]) + (f" ± {_fmt(r['sd'], r['unit']).rstrip('%')}" if r["sd"] is not None and not pd.isna(r["sd"]) else "")
        rows.append({"what": r["what"], "paper": _fmt(r["paper"], r["unit"]), "ours": ours, "difference": _fmt(r["difference"], r["unit"], signed=True),
                     "paper's source": r["paper's source"], "our protocol": r["our protocol"]})
    return pd.DataFrame(rows)
