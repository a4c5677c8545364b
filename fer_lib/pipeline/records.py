"""The records a run writes, typed: one schema, one writer, one reader.

- :class:`TrainingRecord`: ``training/<name>/run.json``, one training (its recipe,
  data, split, outcome, metrics, history and sessions);
- :class:`PageRecord`: ``metrics/<notebook>.json``, what a page computed besides its
  trainings (counts, tables, posed-photo labels) and which trainings it shows;
- :class:`RunRecord`: ``run.json`` at a run folder's root: the parameters, the
  environment and how each notebook ran.

:func:`write_record` writes any of them as JSON with the schema version;
:func:`read_record` reads one back and checks every field against the dataclass with
pydantic, strictly: a missing field, an unknown one or a value of the wrong type is a
:class:`RecordError` naming the file and the field, never a silent "not run".
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import statistics
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from fer_lib.train.throughput import images_per_s

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
    predictions: str | None = None  # each face's predicted class, one digit a face in the split's order (older records: None)


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
    """A training carried on without its saved state, from a saved network of it (its best epoch so far, or an earlier shipped one)."""

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
    def images_per_epoch(self) -> int | None:
        """Training images an epoch takes: the training split's full batches (None when the split's size is unrecorded)."""
        n, batch = (self.data.split_sizes or {}).get("train"), self.config["batch_size"]
        return n // batch * batch if n else None

    @property
    def images_per_s(self) -> float | None:
        """Median training images/s over the history's epochs, the first left out (it traces): computed from the
        history, so records written under an older definition of the stored figure read the same as new ones."""
        n = self.images_per_epoch
        return (images_per_s(self.history, n) if n and self.history else None) or self.training.train_images_per_s

    def session_devices(self) -> dict[str, tuple[int, float]]:
        """Each device the training's sessions ran on: (sessions, wall seconds), in order of first use.
        A session without a device of its own (an interrupted one) counts for the record's device."""
        out: dict[str, tuple[int, float]] = {}
        for s in self.sessions:
            d = s.device or str(self.environment.get("device", "an unrecorded device"))
            n, wall = out.get(d, (0, 0.0))
            out[d] = (n + 1, wall + s.wall_s)
        return out

    def speed_by_device(self) -> dict[str, tuple[float | None, int, float | None]]:
        """Each device the sessions ran on: the median training images/s of its epochs, each session's
        first epoch left out (it traces the step), how many of the history's epochs it ran, and its
        median epoch's seconds (validation included). A session
        covers the epochs from the count its predecessors reached to its own, so an epoch run again after
        a restart counts for the session that first reached it."""
        n, done = self.images_per_epoch, 0
        by: dict[str, list[list[dict]]] = {}
        for s in self.sessions:
            d = s.device or str(self.environment.get("device", "an unrecorded device"))
            by.setdefault(d, []).append([r for r in self.history if done <= r["epoch"] < s.epochs_run])
            done = max(done, s.epochs_run)
        out = {}
        for d, runs in by.items():
            timed = [r for rows in runs for r in rows[1:]] or [r for rows in runs for r in rows]
            times = [r["train_time_s"] for r in timed if "train_time_s" in r]
            epochs = [r["epoch_time_s"] for rows in runs for r in rows if "epoch_time_s" in r]
            out[d] = (n / statistics.median(times) if n and times else None, sum(len(rows) for rows in runs),
                      statistics.median(epochs) if epochs else None)
        return out

    @property
    def how_it_stopped(self) -> str:
        """How the training ended, in words (EarlyStopping firing on the last planned epoch ran them all), and how often
        it restarted from saved weights with a fresh optimizer (a lost state), which an unbroken training does not."""
        t, planned = self.training, self.config["epochs"]
        n = len(self.restarts)
        restarts = f"restarted {'once' if n == 1 else f'{n} times'} from saved weights with a fresh optimizer" if n else ""
        if t.status == "paused":
            return f"paused after {t.epochs_run} of {planned} epochs (an interim result that a later session continues{'; ' + restarts if n else ''})"
        if t.status == "diverged":
            last = f" (the last finite running loss {t.last_finite_loss:.3g})" if t.last_finite_loss is not None else ""
            return (f"diverged: its training loss became NaN or infinite in epoch {t.diverged_epoch}{last}; the results use the best of the "
                    f"{t.epochs_run} epochs before it" + (f" ({restarts})" if n else ""))
        if t.status == "early_stopped" and t.epochs_run < planned:
            return f"stopped by EarlyStopping after {t.epochs_run} of {planned} planned epochs" + (f" ({restarts})" if n else "")
        return f"ran all {planned} planned epochs" + (f" ({restarts})" if n else "")


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
        text = path.read_text()
        raw = json.loads(text)
    except FileNotFoundError:
        raise
    except json.JSONDecodeError as exc:
        raise RecordError(path, "(file)", f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise RecordError(path, "(file)", f"expected a JSON object, got {type(raw).__name__}")
    if raw.get("schema") != SCHEMA_VERSION:
        raise RecordError(path, "schema", f"version {raw.get('schema')!r}, this code reads {SCHEMA_VERSION}; rerun the page or training that wrote it")
    transient = sorted(f.name for f in dataclasses.fields(cls) if f.metadata.get("transient") and f.name in raw)
    if transient:
        raise RecordError(path, transient[0], f"unknown to {cls.__name__} (it is set when the file is read)")
    try:
        record = _adapter(cls).validate_json(text)
    except ValidationError as exc:
        raise _record_error(exc, cls, path) from None
    if any(f.name == "path" for f in dataclasses.fields(record)):
        record.path = str(path)
    return record


@cache
def _adapter(cls: type) -> TypeAdapter:
    """A strict pydantic validator for record class ``cls``: unknown fields are errors, and
    a value is only accepted as the type the field declares (an integer where a number is
    expected, nothing else is converted)."""
    for c in _dataclasses_in(cls):
        c.__pydantic_config__ = ConfigDict(strict=True, extra="forbid")
    return TypeAdapter(cls)


def _dataclasses_in(cls: type) -> set[type]:
    found, todo = set(), [cls]
    while todo:
        c = todo.pop()
        if dataclasses.is_dataclass(c) and c not in found:
            found.add(c)
            todo += [a for hint in typing.get_type_hints(c).values() for a in _types_in(hint)]
    return found


def _types_in(hint) -> list:
    return [hint] + [t for arg in typing.get_args(hint) for t in _types_in(arg)]


_PROBLEMS = {"missing": "missing from {owner}", "missing_argument": "missing from {owner}",
             "extra_forbidden": "unknown to {owner} (known: {known})", "unexpected_keyword_argument": "unknown to {owner} (known: {known})",
             "int_type": "expected an integer, got {input}", "float_type": "expected a number, got {input}",
             "bool_type": "expected true or false, got {input}", "string_type": "expected a string, got {input}",
             "list_type": "expected a list, got {input}", "dict_type": "expected an object, got {input}"}


def _record_error(exc: ValidationError, cls: type, path: Path) -> RecordError:
    """The first problem pydantic found, as a RecordError naming the field's dotted path."""
    err = exc.errors()[0]
    loc = err["loc"]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(file)"
    owner = cls
    for part in loc[:-1]:  # the record class holding the field, for "unknown to X (known: ...)"
        hint = typing.get_type_hints(owner).get(part) if dataclasses.is_dataclass(owner) else None
        owner = next((t for t in _types_in(hint) if dataclasses.is_dataclass(t)), owner) if hint else owner
    known = sorted(f.name for f in dataclasses.fields(owner) if not f.metadata.get("transient")) if dataclasses.is_dataclass(owner) else []
    template = _PROBLEMS.get(err["type"], "{msg}, got {input}")
    return RecordError(path, where, template.format(owner=owner.__name__, known=known, msg=err["msg"], input=f"{err.get('input')!r:.80}"))


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


def read_trainings(run_dir: str | Path) -> list[TrainingRecord]:
    """Every training a run folder holds, in the order of their folder names."""
    return [read_training(run_dir, p.parent.name) for p in sorted(Path(run_dir).glob("training/*/run.json"))]


def read_ck_seeds(run_dir: str | Path) -> list[TrainingRecord]:
    """The CK+ random-split trainings a run folder holds with a test result: the profile's seed
    first, then those drawn at other seeds in seed order; empty without the first."""
    from fer_lib.pipeline import registry

    first = read_training(run_dir, registry.CK_RANDOM.name)
    if first is None or first.test is None:
        return []
    others = [read_training(run_dir, p.parent.name) for p in Path(run_dir).glob("training/*/run.json") if registry.is_ck_seed(p.parent.name)]
    return [first, *sorted((r for r in others if r.test is not None), key=lambda r: r.config["seed"])]


def read_folds(run_dir: str | Path) -> list[TrainingRecord]:
    """The CK+ subject-fold trainings a run folder holds, in fold order (however many the profile planned)."""
    from fer_lib.pipeline import registry

    names = [p.parent.name for p in Path(run_dir).glob("training/*/run.json") if registry.is_fold(p.parent.name)]
    records = [read_training(run_dir, n) for n in names]
    return sorted(records, key=lambda r: registry.fold_of(r.data.split_protocol) if registry.fold_of(r.data.split_protocol) is not None else 1_000)
