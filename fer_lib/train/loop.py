"""The paper's training recipe, deterministic and resumable, on any Keras backend.

Nadam (lr 1e-3, beta_1 0.9, beta_2 0.999), batch 64, up to 100 epochs, categorical
cross-entropy with class weights, ReduceLROnPlateau on validation accuracy
(patience 15, min_lr 1e-7; the paper gives no factor: ours is 0.5), EarlyStopping
(patience 30), a checkpoint of the best validation accuracy and the history as CSV.

A run folder holds::

    history.csv          one row per epoch (metrics, learning rate, epoch time)
    best.weights.h5      weights of the best validation accuracy so far
    state/               everything needed to resume, one atomic snapshot per epoch
                         (fer_lib.train.state): model + optimizer, RNG states,
                         callback counters, the next epoch, history and checkpoint
    model.keras          the trained network (best weights), when training ends
    run.json             provenance: configuration, data, versions, device, times

Resuming (``train`` on a folder that has ``state/``) continues from the last
finished epoch and ends where an uninterrupted run would have ended. A folder whose
``state/`` was lost (a new machine) can be *restarted* from a saved network of its
best epoch (:class:`Restart`): the network's weights, a fresh optimizer at the learning
rate the recipe's callbacks had reached, and their counters replayed from the history.
That is not the uninterrupted run (the optimizer's moments and the augmentation's
random state start again), so the record keeps every restart.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from fer_lib.data.classes import FER_CLASSES
from fer_lib.model.augment import build_augmentation
from fer_lib.model.files import load_trainer
from fer_lib.model.networks import build_model, parameter_counts
from fer_lib.model.preprocess import preprocess
from fer_lib.train.batchnorm import refresh_sample
from fer_lib.train.callbacks import (
    PAUSE_FILE,
    Budget,
    Diverged,
    EpochClock,
    RefreshBatchNorm,
    StopOnDivergence,
    TrainingState,
    _seed_states,
    callback_counters,
)
from fer_lib.train.class_weights import class_weights
from fer_lib.train.config import TrainConfig
from fer_lib.train.precision import check as check_precision
from fer_lib.train.precision import on_cpu
from fer_lib.train.state import discard_unsaved, find_state, restore
from fer_lib.train.step import use_centre_taps
from fer_lib.train.stream import BatchStream
from fer_lib.train.throughput import images_per_s


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


def _compile_step(trainer: keras.Model) -> None:
    """Make the whole training step one compiled function where the backend allows it.

    Keras marks RandomRotation, RandomTranslation and RandomZoom ``supports_jit = False``
    because of a TensorFlow XLA limitation; ``jit_compile="auto"`` then turns jit off for
    the whole model, and under JAX every step runs op by op. Under JAX these layers are
    plain jax.numpy code (affine_transform is map_coordinates) and compile, so there the
    flag is set on every layer and jit is required, not hoped for. Under TensorFlow the
    step stays a tf.function without XLA: faster on the CPU, and XLA is off anyway with
    TensorFlow's deterministic kernels.
    """
    if keras.backend.backend() == "jax":
        for layer in trainer._flatten_layers():
            layer.supports_jit = True
        trainer.jit_compile = True
        if not trainer.jit_compile:
            raise RuntimeError("the JAX training step could not be compiled")


def build_trainer(config: TrainConfig, n_classes: int) -> tuple[keras.Model, keras.Model]:
    """The compiled training model (augmentation, when enabled, + network) and the bare network inside it."""
    check_precision(config.precision, on_cpu=on_cpu())
    keras.mixed_precision.set_global_policy(config.precision)
    net = build_model(config.arch, n_classes=n_classes, width=config.width, seed=config.seed)
    augmentation = build_augmentation(config.augment, seed=config.seed)
    stages = [augmentation, net] if augmentation.layers else [net]
    trainer = keras.Sequential([keras.Input((48, 48, 1)), *stages], name="trainer")
    trainer.compile(
        optimizer=keras.optimizers.Nadam(learning_rate=config.learning_rate, beta_1=config.beta_1, beta_2=config.beta_2),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    # Its (zero) slots now: TensorFlow traces the first step again when that step creates variables.
    trainer.optimizer.build(trainer.trainable_variables)
    _prepare_step(trainer, config)
    return trainer, net


def _prepare_step(trainer: keras.Model, config: TrainConfig) -> None:
    """The step ``config.step`` asks for (see :mod:`fer_lib.train.step`), compiled where the backend allows."""
    if config.step == "fast":
        use_centre_taps(trainer.layers[-1])
    _compile_step(trainer)
    _build_metrics(trainer)


def _build_metrics(trainer: keras.Model) -> None:
    """Create the compiled metrics' variables (the accuracy's total and count) now, as Keras does
    under a distribution strategy. Left to the first step, they are created inside TensorFlow's trace of it, which
    then traces the whole step a second time (``benchmarks/first_epoch.py`` times both). Only
    shapes are used: no data, no random draws, the same training. ``_symbolic_build`` is Keras' own
    (private) method for this; requirements/constraints.txt pins the Keras it is tested with."""
    x = np.zeros((1, *trainer.input_shape[1:]), "float32")
    trainer._symbolic_build(data_batch=(x, np.zeros((1, trainer.output_shape[-1]), "float32"), None))


def _truncate_history(path: Path, next_epoch: int) -> None:
    """Drop rows of epochs that a resumed run will redo (killed after logging, before saving)."""
    if not path.exists():
        return
    with path.open() as f:
        rows = list(csv.reader(f))
    if not rows:
        return
    try:
        kept = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) < next_epoch]
    except ValueError as exc:
        raise ValueError(f"{path}: a row whose first field is not an epoch number ({exc})") from None
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(kept)


def inputs_sha256(*arrays: np.ndarray) -> str:
    """One SHA-256 over the arrays' shapes, dtypes and bytes: which faces, labels and split a training saw."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class StateMismatch(ValueError):
    """A run folder's saved training state belongs to another recipe or other faces."""


@dataclass(frozen=True)
class Restart:
    """Carry on a training whose ``state/`` is lost from the network saved at the end of
    epoch ``epoch`` (1-based: the epochs kept), which must be its best epoch so far."""

    weights: Path
    epoch: int
    reason: str


def _callbacks(config: TrainConfig, out: Path) -> list:
    """The recipe's ReduceLROnPlateau, EarlyStopping and best-epoch checkpoint, in that order."""
    return [
        keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", mode="max", factor=config.reduce_lr_factor, patience=config.reduce_lr_patience, min_lr=config.min_lr),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=config.early_stopping_patience),
        keras.callbacks.ModelCheckpoint(out / "best.weights.h5", monitor="val_accuracy", mode="max", save_best_only=True, save_weights_only=True),
    ]


def _restart_state(trainer: keras.Model, net: keras.Model, config: TrainConfig, out: Path, restart: Restart, inputs: str) -> dict:
    """Load ``restart.weights`` into ``net``, keep the history of its epochs, replay the
    callbacks over that history (which sets the optimizer's learning rate), and return
    the resume state train() continues from, with the restart in its ``restarts``."""
    from fer_lib.model.files import load_model

    source = load_model(restart.weights)
    mine, theirs = [v.shape for v in net.weights], [v.shape for v in source.weights]
    if mine != theirs:
        raise StateMismatch(f"{restart.weights} is another network ({len(theirs)} weights, shapes differ from the recipe's {config.arch} network): "
                            f"it cannot restart {out}")
    net.set_weights(source.get_weights())
    _truncate_history(out / "history.csv", restart.epoch)
    history = read_history(out / "history.csv")
    if len(history) != restart.epoch:
        raise StateMismatch(f"{out / 'history.csv'} holds {len(history)} epochs, the restart needs the {restart.epoch} its weights come from")
    best = max(range(len(history)), key=lambda i: history[i]["val_accuracy"]) if history else -1
    if history and best + 1 != restart.epoch:
        raise StateMismatch(f"{restart.weights} holds epoch {restart.epoch}, but the best validation accuracy of {out / 'history.csv'} is at epoch {best + 1}: "
                            f"a restart starts from the best epoch so far")
    replay = _callbacks(config, out)
    for cb in replay:
        cb.set_model(trainer)
        cb.on_train_begin()
    for row in history:
        for cb in replay[:2]:
            cb.on_epoch_end(row["epoch"], {"val_accuracy": row["val_accuracy"]})
    replay[2].best = history[best]["val_accuracy"] if history else replay[2].best
    assert trainer.optimizer.built  # by build_trainer: its (zero) slots are saved too, as in every checkpoint ModelCheckpoint writes
    trainer.save_weights(out / "best.weights.h5")  # the best epoch so far, as ModelCheckpoint would have it
    lr = float(keras.ops.convert_to_numpy(trainer.optimizer.learning_rate))
    resume = {
        "next_epoch": restart.epoch,
        "recipe": json.loads(json.dumps(config.recipe())),
        "inputs_sha256": inputs,
        "seed_states": _seed_states(trainer),
        "callbacks": callback_counters(replay),
    }
    weights_sha = hashlib.sha256(Path(restart.weights).read_bytes()).hexdigest()
    info = {"epoch": restart.epoch, "reason": restart.reason, "weights": str(restart.weights), "weights_sha256": weights_sha,
            "optimizer": "fresh", "learning_rate": lr}
    resume["restarts"] = [info]  # kept in every state saved from here, so a kill before the record is written loses nothing
    return resume


def _check_resume(out: Path, resume: dict, config: TrainConfig, inputs: str) -> None:
    if resume["recipe"] != json.loads(json.dumps(config.recipe())):
        saved, now = resume["recipe"], json.loads(json.dumps(config.recipe()))
        diff = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
        raise StateMismatch(f"{out} holds a run with a different recipe (differs in {diff}); use another folder or delete {out / 'state'}")
    if resume.get("inputs_sha256") != inputs:
        raise StateMismatch(f"{out / 'state'} was trained on other faces, labels or split (inputs sha256 {str(resume.get('inputs_sha256'))[:12]}, "
                            f"now {inputs[:12]}); resuming would mix two data sets: use another folder or delete {out / 'state'}")


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
    restart: Restart | None = None,
) -> dict:
    """Train (or resume) in ``out_dir``; returns a record of how training went.

    ``x_*`` are uint8 faces (N x 48 x 48), ``y_*`` class indices. The record has
    ``status`` ("completed", "early_stopped", "paused" or "diverged": the loss became NaN
    or infinite, in ``diverged_epoch``; the last good state is kept), the epochs run, the best
    epoch and validation accuracy, wall time, training images per second, whether the
    step was compiled and ``inputs_sha256`` (the faces, labels and split it saw). A
    saved state is resumed only with the same recipe and the same inputs. Without a
    saved state, ``restart`` carries on a training from a saved network (see
    :class:`Restart`; the record's ``restarts`` lists those its saved state has seen).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    found = find_state(out)
    resume = found[1] if found else None
    inputs = inputs_sha256(x_train, y_train, x_val, y_val)
    if resume:
        _check_resume(out, resume, config, inputs)
        restore(out, found[0])  # the newest whole snapshot becomes state/, with its history and checkpoint
    elif discard_unsaved(out):  # the first epoch's save was interrupted: nothing was trained
        pass
    elif read_history(out / "history.csv") and restart is None:
        raise StateMismatch(f"{out} holds {len(read_history(out / 'history.csv'))} epochs of history but no state/ to resume from "
                            f"(a training exported or copied without its state): show it as it is (FER_TRAININGS=reuse, "
                            f"replicate --reuse), or delete {out} to train it again from the first epoch. To carry a paused training over to "
                            f"a new machine, ship its network before its machine goes (ship-models --only {out.name})")
    if config.class_weights not in ("balanced", "none"):
        raise ValueError(f"class_weights must be 'balanced' or 'none', got {config.class_weights!r}")
    set_determinism(config.seed)
    n_classes = len(class_names)
    class_weight = class_weights(y_train, class_names) if config.class_weights == "balanced" else None
    val = (preprocess(x_val), keras.utils.to_categorical(y_val, n_classes))

    scope, replicas = _distribution_scope(config.distribution)
    with scope:
        if resume:
            check_precision(config.precision, on_cpu=on_cpu())
            keras.mixed_precision.set_global_policy(config.precision)
            trainer = load_trainer(out / "state" / "model.keras")
            _prepare_step(trainer, config)
            _truncate_history(out / "history.csv", resume["next_epoch"])  # a state written before snapshots carried their history
        else:
            trainer, _ = build_trainer(config, n_classes)
    net = trainer.layers[-1]
    if restart is not None and not resume:
        resume = _restart_state(trainer, net, config, out, restart, inputs)
    initial_epoch = resume["next_epoch"] if resume else 0
    stream = BatchStream(x_train, y_train, n_classes, config.batch_size, config.seed, class_weight, start_epoch=initial_epoch, epochs=config.epochs)

    others = _callbacks(config, out)
    budget = Budget(config.max_epochs_per_session, config.time_budget_s, out / PAUSE_FILE)
    refresh = []
    if config.bn_refresh_faces:
        sample = preprocess(x_train[refresh_sample(len(x_train), config.bn_refresh_faces, config.seed)])
        refresh = [RefreshBatchNorm(net, sample)]
    # EpochClock first (the refresh counts as validation time), TrainingState last (it restores the others' counters)
    # StopOnDivergence first: a non-finite loss ends the fit before any callback sees the epoch
    callbacks = [StopOnDivergence(), EpochClock(), *refresh, *others, keras.callbacks.CSVLogger(out / "history.csv", append=True), budget,
                 *(extra_callbacks or [])]
    callbacks.append(TrainingState(out, others, config.recipe(), resume, inputs_sha256=inputs))

    start = time.perf_counter()
    saved_stop = (resume or {}).get("callbacks", {}).get("EarlyStopping", {}).get("stopped_epoch", 0)
    diverged = None
    if initial_epoch < config.epochs and not saved_stop:  # a state saved after EarlyStopping ended training stays ended
        try:
            trainer.fit(stream, validation_data=val, epochs=config.epochs, initial_epoch=initial_epoch, steps_per_epoch=stream.steps, shuffle=False,
                        callbacks=callbacks, verbose=verbose)
        except Diverged as exc:  # the epoch's row, state and checkpoint were never written: the last good ones stay
            diverged = exc
    wall = time.perf_counter() - start

    history = read_history(out / "history.csv")
    stopped_at = others[1].stopped_epoch or saved_stop
    early = 0 < stopped_at < config.epochs - 1  # patience running out on the last planned epoch is a completed run
    status = "paused" if budget.paused and not early and history and history[-1]["epoch"] + 1 < config.epochs else ("early_stopped" if early else "completed")
    if diverged is not None:
        status = "diverged"
    record = {
        "status": status,
        "epochs_run": len(history),
        "session_wall_s": wall,
        "train_images_per_s": images_per_s(history, stream.steps * config.batch_size),
        "class_weight": class_weight,
        "replicas": replicas,
        "jit_compile": bool(trainer.jit_compile),
        "inputs_sha256": inputs,
        "restarts": (resume or {}).get("restarts", []),
        "diverged_epoch": diverged.epoch + 1 if diverged else None,
        "last_finite_loss": diverged.last_finite_loss if diverged else None,
        "started_epoch": initial_epoch,  # epochs done when this session began (a resumed state, or 0)
    }
    if history:
        best = max(history, key=lambda r: r["val_accuracy"])
        record |= {"best_epoch": int(best["epoch"]) + 1, "best_val_accuracy": best["val_accuracy"], "train_wall_s": sum(r["epoch_time_s"] for r in history)}
    if history and (out / "best.weights.h5").exists():
        # A paused run also exports its best checkpoint so far, so it can be evaluated
        # (as an interim result); the resumable state in ``state/`` is left untouched.
        # The checkpoint holds the BatchNorm statistics refreshed before that epoch's validation.
        trainer.load_weights(out / "best.weights.h5")
        net.save(out / "model.keras")
        record["parameters"] = parameter_counts(net)
    return record


def read_history(path: Path) -> list[dict]:
    """history.csv as a list of dicts with numbers (a row that is not numbers names the file and row)."""
    if not Path(path).exists():
        return []
    with open(path) as f:
        rows = list(csv.DictReader(f))
    out = []
    for i, row in enumerate(rows, start=2):
        try:
            out.append({k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}, row {i}: expected numbers in every column ({exc})") from None
    return out

