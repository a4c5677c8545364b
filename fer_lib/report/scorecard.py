"""The scorecard: each number of the paper beside ours, from the metrics a run saved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.model.networks import build_model, parameter_counts
from fer_lib.paper import PAPER_EPOCHS, PAPER_NUMBERS
from fer_lib.report.pages import load_metrics


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
    "basic_f1": ("03_basic_cnn", lambda m: m["summary"]["macro_f1"]),
    "happy_recall": ("04_residual_cnn", lambda m: _per_class(m, "happy", "recall")),
    "basic_happy_recall": ("03_basic_cnn", lambda m: _per_class(m, "happy", "recall")),
    "residual_min_precision": ("04_residual_cnn", lambda m: _min_precision(m)),
    "basic_min_precision": ("03_basic_cnn", lambda m: _min_precision(m)),
    "fear_recall_residual": ("04_residual_cnn", lambda m: _per_class(m, "fear", "recall")),
    "ckplus_test_accuracy": ("05_ckplus", lambda m: m["random"]["test_accuracy"]),
    "ckplus_run_time_min": ("05_ckplus", lambda m: m["random"]["train_minutes"]),
}


def _min_precision(m: dict) -> float:
    return min(v["precision"] for v in m["metrics"]["test"]["per_class"].values())


def _training_why(m: dict, n_runs: int = 1, fergit: bool = True) -> str:
    """Why a trained network's numbers differ: data, epochs against the paper's 100, device."""
    if (m.get("data") or {}).get("synthetic"):
        return "Synthetic faces (demo profile): shows the pipeline runs, not comparable to the paper."
    s = m.get("summary") or {}
    run, planned, status = s.get("epochs_run"), s.get("epochs_planned"), s.get("status")
    stop = {"paused": f"paused at the session's cap, an interim result of a {planned}-epoch plan",
            "early_stopped": "stopped early by EarlyStopping"}.get(status, "ran all its planned epochs")
    device = (m.get("environment") or {}).get("device", "this machine")
    return (f"Budget: {run} of the paper's {PAPER_EPOCHS} epochs ({stop}) on {device}, {n_runs} seed(s)"
            + ("; FERGIT's make-up differs from the paper's (unpublished)." if fergit else "."))


def _time_why(m: dict) -> str:
    s = m.get("summary") or {}
    if not s.get("epochs_run"):
        return ""
    per_epoch = s["train_minutes"] / s["epochs_run"]
    total = per_epoch * PAPER_EPOCHS
    device = (m.get("environment") or {}).get("device", "this machine")
    return (f"Hardware and budget: ours is {s['epochs_run']} epochs on {device} ({per_epoch:.1f} min an epoch, "
            f"about {f'{total / 60:.0f} h' if total >= 90 else f'{total:.0f} min'} for {PAPER_EPOCHS}); "
            f"the paper's is {PAPER_EPOCHS} epochs on a K80 GPU.")


def why_differ(key: str, m: dict | None, difference: float | None, n_runs: int = 1) -> str:
    """One sentence on why our number for paper key ``key`` differs from the paper's, from run metrics ``m``."""
    if key.startswith("residual_params_"):
        return "Same architecture, counted from the model: equal." if difference == 0 else "The layer table differs from the paper's Table 1."
    if not m:
        return "Not run in this run folder."
    if key.startswith("fergit_"):
        if (m.get("data") or {}).get("synthetic"):
            return "Synthetic faces: the set's size is a profile setting."
        return ("FERGIT's make-up is unpublished: our union of FER-2013 and muxspace (contempt and conflicting labels left out) "
                "has a different count, and the 90/5/5 split follows it.")
    if key.endswith("run_time_min") and not key.startswith("ckplus"):
        return _time_why(m)
    if key.startswith("ckplus"):
        if (m.get("data") or {}).get("synthetic"):
            return "Synthetic CK+-like faces: not comparable."
        r = m.get("random") or {}
        head = _time_why({"summary": r, "environment": m.get("environment")}) if key.endswith("min") else (
            f"{r.get('epochs_run')} of {PAPER_EPOCHS} epochs; the random split, like the paper's, puts "
            f"{m.get('subject_overlap_random', float('nan')):.0%} of test faces' subjects in training too: the "
            f"subject-independent {m.get('n_folds')}-fold gives {m.get('fold_mean', float('nan')):.1%}.")
        return head
    why = _training_why(m, n_runs)
    if key.endswith("train_accuracy"):
        why += " Ours is on augmented training faces at the best epoch; the paper's after 100 epochs."
    return why


def _protocol(m: dict | None) -> str:
    if not m:
        return ""
    data = m.get("data") or {}
    params = m.get("params") or {}
    source = params.get("dataset") or data.get("source", "")
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
            protocol, source, first = "counted from fer_lib.model.networks.build_model('residual')", "models", None
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
            protocol, source, first = (_protocol(found[0]) if found else "not run in this run folder"), nb, (found[0] if found else None)
        ours = float(np.mean(values)) if values else None
        sd = float(np.std(values, ddof=1)) if len(values) > 1 else None
        difference = (ours - entry["value"]) if ours is not None else None
        rows.append({
            "what": entry["what"], "paper": entry["value"], "ours": ours, "sd": sd, "difference": difference,
            "unit": entry["unit"], "paper's source": entry["where"], "our protocol": protocol, "page": source,
            "why they differ": why_differ(key, first, difference, len(values)) if ours is not None or key.startswith("residual_params_") else "Not run in this run folder.",
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
    if unit in ("accuracy", "recall", "precision", "F1"):
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
                     "paper's source": r["paper's source"], "our protocol": r["our protocol"], "why they differ": r.get("why they differ", "")})
    return pd.DataFrame(rows)


def other_protocols(run_dirs: list[str | Path]) -> pd.DataFrame:
    """Our results under protocols the paper did not use, beside the best published result for each:
    FER-2013's official split (PrivateTest) and CK+ with subject-independent folds."""
    from fer_lib.paper import FER2013_PUBLISHED, PEERS_CKPLUS

    rows = []
    for d in map(str, run_dirs):
        official, ck = load_metrics(d, "04_residual_cnn_official"), load_metrics(d, "05_ckplus")
        if official:
            best = max(FER2013_PUBLISHED, key=FER2013_PUBLISHED.get)
            rows.append({"what": "Residual CNN, FER-2013 PrivateTest accuracy", "ours": official["summary"]["test_accuracy"],
                         "published": FER2013_PUBLISHED[best], "published by": best, "our protocol": _protocol(official),
                         "why they differ": _training_why(official, fergit=False)})
        if ck and ck.get("folds"):
            best = max(PEERS_CKPLUS, key=PEERS_CKPLUS.get)
            rows.append({"what": f"Residual CNN, CK+ subject-independent {ck['n_folds']}-fold mean accuracy", "ours": ck["fold_mean"],
                         "published": PEERS_CKPLUS[best], "published by": best + " (its own protocol)",
                         "our protocol": f"{ck['n_folds']} folds grouped by subject, {ck['random'].get('epochs_run')} epochs each",
                         "why they differ": "No subject is both trained on and tested: harder than a random split of CK+'s "
                                            "sequences, whose neighbouring frames are near copies."})
    return pd.DataFrame(rows)


def compute_table(run_dir: str | Path) -> pd.DataFrame:
    """One row per training in ``run_dir/training``: data, epochs run of planned, why it
    stopped, training minutes, wall minutes over all sessions, images per second, device."""
    rows = []
    for path in sorted(Path(run_dir, "training").glob("*/run.json")):
        r = json.loads(path.read_text())
        t, history = r.get("training") or {}, r.get("history") or []
        rows.append({
            "training": path.parent.name, "data": (r.get("params") or {}).get("dataset") or (r.get("data") or {}).get("source"),
            "split": (r.get("data") or {}).get("split_protocol"),
            "epochs": f"{len(history)}/{(r.get('config') or {}).get('epochs')}", "status": t.get("status"),
            "sessions": len(r.get("sessions") or []),
            "train min": sum(h.get("epoch_time_s", 0) for h in history) / 60,
            "wall min": (r.get("total_wall_s") or 0) / 60,
            "images/s": t.get("train_images_per_s"),
            "device": (r.get("environment") or {}).get("device"),
        })
    return pd.DataFrame(rows)
