"""The records a run writes, typed: one schema, one writer, one reader.

- :class:`TrainingRecord`: ``training/<name>/run.json``, one training (its recipe,
  data, split, outcome, metrics, history and sessions);
- :class:`PageRecord`: ``metrics/<notebook>.json``, what a page computed besides its
  trainings (counts, tables, posed-photo labels) and which trainings it shows;
- :class:`RunRecord`: ``run.json`` at a run folder's root: the parameters, the
  environment and how each notebook ran.

:func:`write_record` writes any of them as JSON with the schema version;
:func:`read_record` reads one back and checks every field against the dataclass:
a missing field, an unknown one or a value of the wrong type is a :class:`RecordError`
naming the file and the field, never a silent "not run".
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

SCHEMA_VERSION = 2


class RecordError(ValueError):
    """A record file that does not match its schema."""

    def __init__(self, path: str | Path, where: str, problem: str):
        self.path, self.where = str(path), where
        super().__init__(f"{path}: field {where}: {problem}")


@dataclass
class Metrics:
    """A network's results on one set of faces (see :func:`fer_lib.train.evaluate.evaluate`)."""

    n: int
    accuracy: float
    balanced_accuracy: float
    loss: float
    per_class: dict[str, dict[str, float]]
    macro_f1: float
    weighted_f1: float
    confusion_matrix: list[list[int]]
    n_predicted_classes: int


@dataclass
class DataInfo:
    """Which faces a training or page used, and how they were split."""

    source: str
    synthetic: bool
    n: int
    classes: list[str]
    counts: dict[str, int]
    sha256: str
    split_protocol: str | None = None
    split_sizes: dict[str, int] | None = None
    split_sha256: str | None = None
    holdout: list[str] = field(default_factory=list)
    load_s: float | None = None


@dataclass
class Outcome:
    """How a training went (see :func:`fer_lib.train.loop.train`)."""

    status: str  # completed | early_stopped | paused | diverged
    epochs_run: int
    session_wall_s: float
    train_images_per_s: float | None
    class_weight: dict[str, float] | None
    replicas: int
    jit_compile: bool
    inputs_sha256: str
    best_epoch: int | None = None
    best_val_accuracy: float | None = None
    train_wall_s: float | None = None
    parameters: dict[str, int] | None = None
    gflop_per_train_image: float | None = None
    achieved_gflop_s: float | None = None
    diverged_epoch: int | None = None  # the epoch (1-based) whose training loss became NaN or infinite
    last_finite_loss: float | None = None


@dataclass
class Session:
    wall_s: float
    status: str
    epochs_run: int
    device: str | None = None


@dataclass
class RestartInfo:
    """A training carried on without its saved state, from the network of its best epoch so far."""

    epoch: int  # epochs kept: the restart trains from epoch ``epoch + 1``
    reason: str
    weights: str
    weights_sha256: str
    optimizer: str  # "fresh": Nadam's moments start again
    learning_rate: float  # the rate the recipe's ReduceLROnPlateau had reached, replayed from the history


@dataclass
class TrainingRecord:
    """``training/<name>/run.json``."""

    name: str
    profile: str | None
    params: dict[str, Any]
    config: dict[str, Any]
    data: DataInfo
    environment: dict[str, Any]
    training: Outcome
    history: list[dict[str, Any]]
    sessions: list[Session]
    total_wall_s: float
    interim: bool = False
    val: Metrics | None = None
    test: Metrics | None = None
    restarts: list[RestartInfo] = field(default_factory=list)
    schema: int = SCHEMA_VERSION

    @property
    def finished(self) -> bool:
        return self.training.status in ("completed", "early_stopped", "diverged")

    @property
    def stop_status(self) -> str:
        """``training.status``, with EarlyStopping firing on the last planned epoch read as completed."""
        t = self.training
        return "completed" if t.status == "early_stopped" and t.epochs_run >= self.config["epochs"] else t.status

    @property
    def how_it_stopped(self) -> str:
        """How the training ended, in words (EarlyStopping firing on the last planned epoch ran them all)."""
        t, planned = self.training, self.config["epochs"]
        if t.status == "paused":
            return "paused at the session's cap, an interim result that resumes from its saved state"
        if t.status == "diverged":
            last = f" (the last finite running loss {t.last_finite_loss:.3g})" if t.last_finite_loss is not None else ""
            return (f"diverged: its training loss became NaN or infinite in epoch {t.diverged_epoch}{last}; the results use the best of the "
                    f"{t.epochs_run} epochs before it")
        if t.status == "early_stopped" and t.epochs_run < planned:
            return f"stopped by EarlyStopping after {t.epochs_run} of {planned} planned epochs"
        return f"ran all {planned} planned epochs"


@dataclass
class PageRecord:
    """``metrics/<notebook>.json``: a page's own numbers and the trainings it shows."""

    page: str
    values: dict[str, Any]
    data: DataInfo | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    trainings: list[str] = field(default_factory=list)
    schema: int = SCHEMA_VERSION
    path: str | None = field(default=None, metadata={"transient": True})

    def value(self, key: str) -> Any:
        """``values[key]``; a RecordError naming the file and field when it is absent."""
        if key not in self.values:
            raise RecordError(self.path or self.page, f"values.{key}", f"missing (has {sorted(self.values)})")
        return self.values[key]


@dataclass
class NotebookRun:
    status: str
    parameters: dict[str, Any]
    wall_s: float


@dataclass
class RunRecord:
    """``run.json`` at the root of a run folder."""

    params: dict[str, Any]
    environment: dict[str, Any]
    notebooks: dict[str, NotebookRun]
    seeds: list[int] | None = None
    schema: int = SCHEMA_VERSION


R = TypeVar("R")


def to_dict(record: Any) -> dict:
    """A record as plain JSON-ready data (transient fields left out)."""
    out = {}
    for f in dataclasses.fields(record):
        if f.metadata.get("transient"):
            continue
        value = getattr(record, f.name)
        out[f.name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return to_dict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # NumPy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: a missing number is null (pandas writes NaN for an empty cell)
    if isinstance(value, os.PathLike):
        return str(value)
    return value


def write_record(record: Any, path: str | Path) -> Path:
    """Write ``record`` as indented JSON (written to a temporary name, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(to_dict(record), indent=2, sort_keys=False, allow_nan=False) + "\n")
    os.replace(tmp, path)
    return path


def read_record(cls: type[R], path: str | Path) -> R:
    """Read a record of type ``cls`` from ``path``, checking every field (RecordError otherwise)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise
    except json.JSONDecodeError as exc:
        raise RecordError(path, "(file)", f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise RecordError(path, "(file)", f"expected a JSON object, got {type(raw).__name__}")
    if raw.get("schema") != SCHEMA_VERSION:
        raise RecordError(path, "schema", f"version {raw.get('schema')!r}, this code reads {SCHEMA_VERSION}; rerun the page or training that wrote it")
    record = _build(cls, raw, path, "")
    if any(f.name == "path" for f in dataclasses.fields(record)):
        record.path = str(path)
    return record


def _build(cls, raw, path, where):
    if not isinstance(raw, dict):
        raise RecordError(path, where or "(file)", f"expected an object for {cls.__name__}, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("transient")}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise RecordError(path, f"{where}{unknown[0]}", f"unknown to {cls.__name__} (known: {sorted(fields)})")
    kwargs = {}
    for name, f in fields.items():
        here = f"{where}{name}"
        if name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise RecordError(path, here, f"missing from {cls.__name__}")
            continue
        kwargs[name] = _check(hints[name], raw[name], path, here)
    return cls(**kwargs)


def _check(tp, value, path, where):
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:  # Optional[X]: X's own error says what is wrong inside
            return _check(options[0], value, path, where)
        for arg in options:
            try:
                return _check(arg, value, path, where)
            except RecordError:
                continue
        raise RecordError(path, where, f"expected {tp}, got {value!r:.80}")
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path, where + ".")
    if origin is list:
        if not isinstance(value, list):
            raise RecordError(path, where, f"expected a list, got {type(value).__name__}")
        return [_check(args[0], v, path, f"{where}[{i}]") for i, v in enumerate(value)] if args else value
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise RecordError(path, where, f"expected an object, got {type(value).__name__}")
        return {k: _check(args[1], v, path, f"{where}.{k}") for k, v in value.items()} if args else value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecordError(path, where, f"expected a number, got {value!r:.80}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(path, where, f"expected an integer, got {value!r:.80}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise RecordError(path, where, f"expected true or false, got {value!r:.80}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise RecordError(path, where, f"expected a string, got {value!r:.80}")
        return value
    raise TypeError(f"records cannot hold {tp}")  # a schema bug, not a file problem


def training_path(run_dir: str | Path, name: str) -> Path:
    return Path(run_dir) / "training" / name / "run.json"


def page_path(run_dir: str | Path, page: str) -> Path:
    return Path(run_dir) / "metrics" / f"{page}.json"


def read_training(run_dir: str | Path, name: str) -> TrainingRecord | None:
    """The record of training ``name`` in a run folder; None when it has not run there."""
    path = training_path(run_dir, name)
    return read_record(TrainingRecord, path) if path.exists() else None


def read_page(run_dir: str | Path, page: str) -> PageRecord | None:
    """A page's record in a run folder; None when the page has not run there."""
    path = page_path(run_dir, page)
    return read_record(PageRecord, path) if path.exists() else None
