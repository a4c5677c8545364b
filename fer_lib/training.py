"""The paper's training recipe, deterministic and resumable, on any Keras backend.

Nadam (lr 1e-3, beta_1 0.9, beta_2 0.999), batch 64, up to 100 epochs, categorical
cross-entropy with class weights, ReduceLROnPlateau on validation accuracy
(patience 15, min_lr 1e-7; the paper gives no factor: ours is 0.5), EarlyStopping
(patience 30), a checkpoint of the best validation accuracy and the history as CSV.

A run folder holds::

    history.csv          one row per epoch (metrics, learning rate, epoch time)
    best.weights.h5      weights of the best validation accuracy so far
    state/               everything needed to resume: model + optimizer, RNG
                         states, callback counters, the next epoch
    model.keras          the trained network (best weights), when training ends
    run.json             provenance: configuration, data, versions, device, times

Resuming (``train`` on a folder that has ``state/``) continues from the last
finished epoch and ends where an uninterrupted run would have ended.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from .augment import AugmentConfig, build_augmentation
from .classes import FER_CLASSES
from .models import build_model, parameter_counts
from .weights import class_weights



@dataclass(frozen=True)
class TrainConfig:
    """Every value of the recipe, each overridable. Defaults are the paper's."""

    arch: str = "residual"
    width: float = 1.0
    epochs: int = 100
    batch_size: int = 64
    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    class_weights: str = "balanced"  # "balanced" (scikit-learn) or "none"
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    reduce_lr_factor: float = 0.5  # not given in the paper
    reduce_lr_patience: int = 15
    min_lr: float = 1e-7
    early_stopping_patience: int = 30
    seed: int = 0
    precision: str = "float32"  # or "mixed_bfloat16" (CPUs with AMX, recent GPUs)
    distribution: str = "none"  # "none", "mirrored" (TensorFlow, several GPUs) or "data_parallel" (JAX)
    max_epochs_per_session: int | None = None  # pause (resumable) after this many epochs
    time_budget_s: float | None = None  # pause (resumable) once an epoch ends past this

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """Build from a flat dict; ``augment`` may be a dict or ``False``; unknown keys are an error."""
        values = dict(values)
        aug = values.pop("augment", {})
        if isinstance(aug, bool):
            aug = {"enabled": aug}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training parameters {unknown}; known: {sorted(known)}")
        return cls(augment=AugmentConfig(**aug), **values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def recipe(self) -> dict:
        """The values that must match for a run to be resumed (budgets may change)."""
        d = self.to_dict()
        d.pop("max_epochs_per_session")
        d.pop("time_budget_s")
        d.pop("epochs")
        return d


def preprocess(images: np.ndarray) -> np.ndarray:
    """uint8 faces (N x 48 x 48) to the network's input: float32 in [0, 1], N x 48 x 48 x 1."""
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype}")
    return (images.astype(np.float32) / 255.0)[..., None]


class BatchStream(keras.utils.PyDataset):
    """Training batches of epochs ``start_epoch`` to ``epochs - 1`` as one indexed stream.

    Batch ``i`` belongs to epoch ``start_epoch + i // steps`` and the order within
    an epoch is a permutation fixed by (seed, epoch), so the batches do not depend
    on when prefetching happens, and a resumed run sees exactly the batches an
    uninterrupted one would. Yields ``(x, one_hot_y, sample_weight)``; the sample
    weight is each face's class weight (all ones when ``class_weight`` is None).
    """

    def __init__(self, images, labels, n_classes: int, batch_size: int, seed: int, class_weight: dict[int, float] | None = None, start_epoch: int = 0, epochs: int = 1):
        super().__init__(workers=1, use_multiprocessing=False)
        self.images, self.labels = images, labels
        self.n_classes, self.batch_size, self.seed = n_classes, batch_size, seed
        self.start_epoch, self.epochs = start_epoch, epochs
        # Full batches only: a ragged last batch would change the batch shape mid-stream.
        # Each epoch skips the (fewer than batch_size) faces at the end of its permutation.
        self.steps = len(labels) // batch_size
        if self.steps == 0:
            raise ValueError(f"{len(labels)} training images are fewer than one batch of {batch_size}")
        table = np.ones(n_classes, np.float32)
        for k, w in (class_weight or {}).items():
            table[k] = w
        self.weight_table = table
        self._orders: dict[int, np.ndarray] = {}

    def order(self, epoch: int) -> np.ndarray:
        if epoch not in self._orders:
            self._orders = {epoch: np.random.default_rng([self.seed, epoch]).permutation(len(self.labels))}
        return self._orders[epoch]

    def __len__(self) -> int:
        return max(0, self.epochs - self.start_epoch) * self.steps

    def __getitem__(self, index: int):
        epoch, step = self.start_epoch + index // self.steps, index % self.steps
        idx = self.order(epoch)[step * self.batch_size : (step + 1) * self.batch_size]
        y = self.labels[idx]
        return preprocess(self.images[idx]), np.eye(self.n_classes, dtype=np.float32)[y], self.weight_table[y]


class EpochClock(keras.callbacks.Callback):
    """Adds the epoch's wall time, its training part (before validation) and the
    learning rate to the logs, and so to history.csv."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = self._train_end = time.perf_counter()
        self._validating = False

    def on_test_begin(self, logs=None):
        if not self._validating:
            self._train_end, self._validating = time.perf_counter(), True

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            now = time.perf_counter()
            logs["epoch_time_s"] = now - self._start
            logs["train_time_s"] = (self._train_end if self._validating else now) - self._start
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))


class Budget(keras.callbacks.Callback):
    """Pauses training (resumably) after a number of epochs or a wall-time budget."""

    def __init__(self, max_epochs: int | None, seconds: float | None):
        super().__init__()
        self.max_epochs, self.seconds, self.paused = max_epochs, seconds, False

    def on_train_begin(self, logs=None):
        self._start, self._done = time.perf_counter(), 0

    def on_epoch_end(self, epoch, logs=None):
        self._done += 1
        over_time = self.seconds is not None and time.perf_counter() - self._start >= self.seconds
        if (self.max_epochs is not None and self._done >= self.max_epochs) or over_time:
            self.paused = True
            self.model.stop_training = True


_COUNTERS = {
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
    keras.callbacks.ModelCheckpoint: ("best",),
}


def _seed_variables(model: keras.Model) -> list:
    """The random layers' seed-generator states, in layer order. Keras does not save
    them with the model, and their names change on reload, so they go by position."""
    return [v for v in model.variables if "seed_generator_state" in v.path]


def _seed_states(model: keras.Model) -> list[list]:
    return [keras.ops.convert_to_numpy(v).tolist() for v in _seed_variables(model)]


class TrainingState(keras.callbacks.Callback):
    """Saves the full training state at the end of every epoch and restores it on resume.

    Must come last in the callback list: on resume it sets the other callbacks'
    counters after their own ``on_train_begin`` has reset them.
    """

    def __init__(self, state_dir: Path, callbacks: list, recipe: dict, resume: dict | None):
        super().__init__()
        self.state_dir, self.others, self.recipe, self.resume = Path(state_dir), callbacks, recipe, resume

    def on_train_begin(self, logs=None):
        if not self.resume:
            return
        for cb in self.others:
            for name, value in self.resume["callbacks"].get(type(cb).__name__, {}).items():
                setattr(cb, name, float(value) if isinstance(value, (int, float)) and name == "best" else value)
        variables, states = _seed_variables(self.model), self.resume["seed_states"]
        if len(variables) != len(states):
            raise ValueError(f"saved state has {len(states)} random-layer states, the model {len(variables)}")
        for v, value in zip(variables, states):
            v.assign(np.asarray(value, dtype=v.dtype))

    def on_epoch_end(self, epoch, logs=None):
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_dir / "model.tmp.keras"
        self.model.save(tmp)
        os.replace(tmp, self.state_dir / "model.keras")
        state = {
            "next_epoch": epoch + 1,
            "recipe": self.recipe,
            "seed_states": _seed_states(self.model),
            "callbacks": {type(cb).__name__: {k: _plain(getattr(cb, k)) for k in _COUNTERS.get(type(cb), ())} for cb in self.others},
        }
        tmp_json = self.state_dir / "state.tmp.json"
        tmp_json.write_text(json.dumps(state))
        os.replace(tmp_json, self.state_dir / "state.json")


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    return value


def set_determinism(seed: int) -> None:
    """Seed Python, NumPy and the backend; make TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _distribution_scope(kind: str):
    """A context in which to build the model for ``kind``, and the number of replicas."""
    import contextlib

    if kind == "none":
        return contextlib.nullcontext(), 1
    if kind == "mirrored":
        if keras.backend.backend() != "tensorflow":
            raise ValueError("distribution='mirrored' needs KERAS_BACKEND=tensorflow; use 'data_parallel' under JAX")
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
        return strategy.scope(), strategy.num_replicas_in_sync
    if kind == "data_parallel":
        if keras.backend.backend() != "jax":
            raise ValueError("distribution='data_parallel' needs KERAS_BACKEND=jax; use 'mirrored' under TensorFlow")
        distribution = keras.distribution.DataParallel()
        keras.distribution.set_distribution(distribution)
        return contextlib.nullcontext(), int(np.prod(distribution.device_mesh.shape))
    raise ValueError(f"unknown distribution {kind!r}; expected none, mirrored or data_parallel")


def build_trainer(config: TrainConfig, n_classes: int) -> tuple[keras.Model, keras.Model]:
    """The compiled training model (augmentation + network) and the bare network inside it."""
    keras.mixed_precision.set_global_policy(config.precision)
    net = build_model(config.arch, n_classes=n_classes, width=config.width, seed=config.seed)
    trainer = keras.Sequential([keras.Input((48, 48, 1)), build_augmentation(config.augment, seed=config.seed), net], name="trainer")
    trainer.compile(
        optimizer=keras.optimizers.Nadam(learning_rate=config.learning_rate, beta_1=config.beta_1, beta_2=config.beta_2),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return trainer, net


def _truncate_history(path: Path, next_epoch: int) -> None:
    """Drop rows of epochs that a resumed run will redo (killed after logging, before saving)."""
    if not path.exists():
        return
    with path.open() as f:
        rows = list(csv.reader(f))
    if not rows:
        return
    kept = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) < next_epoch]
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(kept)


def train(
    config: TrainConfig,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    out_dir: str | Path,
    *,
    class_names: tuple[str, ...] = FER_CLASSES,
    verbose: int = 0,
    extra_callbacks: list | None = None,
) -> dict:
    """Train (or resume) in ``out_dir``; returns a record of how training went.

    ``x_*`` are uint8 faces (N x 48 x 48), ``y_*`` class indices. The record has
    ``status`` ("completed", "early_stopped" or "paused"), the epochs run, the best
    epoch and validation accuracy, wall time and training images per second.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_file = out / "state" / "state.json"
    resume = json.loads(state_file.read_text()) if state_file.exists() else None
    if resume and resume["recipe"] != json.loads(json.dumps(config.recipe())):
        raise ValueError(f"{out} holds a run with a different recipe; use another folder or delete {out / 'state'}")
    if config.class_weights not in ("balanced", "none"):
        raise ValueError(f"class_weights must be 'balanced' or 'none', got {config.class_weights!r}")
    set_determinism(config.seed)
    n_classes = len(class_names)
    class_weight = class_weights(y_train, class_names) if config.class_weights == "balanced" else None
    val = (preprocess(x_val), keras.utils.to_categorical(y_val, n_classes))

    scope, replicas = _distribution_scope(config.distribution)
    with scope:
        if resume:
            keras.mixed_precision.set_global_policy(config.precision)
            trainer = keras.models.load_model(out / "state" / "model.keras")
            _truncate_history(out / "history.csv", resume["next_epoch"])
        else:
            trainer, _ = build_trainer(config, n_classes)
    initial_epoch = resume["next_epoch"] if resume else 0
    stream = BatchStream(x_train, y_train, n_classes, config.batch_size, config.seed, class_weight, start_epoch=initial_epoch, epochs=config.epochs)

    others = [
        keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", mode="max", factor=config.reduce_lr_factor, patience=config.reduce_lr_patience, min_lr=config.min_lr),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=config.early_stopping_patience),
        keras.callbacks.ModelCheckpoint(out / "best.weights.h5", monitor="val_accuracy", mode="max", save_best_only=True, save_weights_only=True),
    ]
    budget = Budget(config.max_epochs_per_session, config.time_budget_s)
    callbacks = [EpochClock(), *others, keras.callbacks.CSVLogger(out / "history.csv", append=True), budget, *(extra_callbacks or [])]
    callbacks.append(TrainingState(out / "state", others, config.recipe(), resume))

    start = time.perf_counter()
    if initial_epoch < config.epochs:
        trainer.fit(stream, validation_data=val, epochs=config.epochs, initial_epoch=initial_epoch, steps_per_epoch=stream.steps, shuffle=False, callbacks=callbacks, verbose=verbose)
    wall = time.perf_counter() - start

    history = read_history(out / "history.csv")
    early = others[1].stopped_epoch > 0
    status = "paused" if budget.paused and not early and history and history[-1]["epoch"] + 1 < config.epochs else ("early_stopped" if early else "completed")
    record = {
        "status": status,
        "epochs_run": len(history),
        "session_wall_s": wall,
        "train_images_per_s": _images_per_s(history, len(y_train)),
        "class_weight": class_weight,
        "replicas": replicas,
    }
    if history:
        best = max(history, key=lambda r: r["val_accuracy"])
        record |= {"best_epoch": int(best["epoch"]) + 1, "best_val_accuracy": best["val_accuracy"], "train_wall_s": sum(r["epoch_time_s"] for r in history)}
    if history and (out / "best.weights.h5").exists():
        # A paused run also exports its best checkpoint so far, so it can be evaluated
        # (as an interim result); the resumable state in ``state/`` is left untouched.
        trainer.load_weights(out / "best.weights.h5")
        net = trainer.layers[-1]
        net.save(out / "model.keras")
        record["parameters"] = parameter_counts(net)
    return record


def read_history(path: Path) -> list[dict]:
    """history.csv as a list of dicts with numbers."""
    if not Path(path).exists():
        return []
    with open(path) as f:
        return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()} for row in csv.DictReader(f)]


def _images_per_s(history: list[dict], n_train: int) -> float | None:
    """Median training throughput over epochs, leaving out the first (it includes tracing)."""
    times = [r["train_time_s"] for r in history if "train_time_s" in r]
    times = times[1:] if len(times) > 1 else times
    return float(n_train / np.median(times)) if times else None
