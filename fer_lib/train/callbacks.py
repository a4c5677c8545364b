"""Callbacks of the training loop: epoch timing, budgets, and the resumable training state."""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np


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


PAUSE_FILE = "PAUSE"  # `touch <training folder>/PAUSE`: the running training pauses at the end of its epoch


class Budget(keras.callbacks.Callback):
    """Pauses training (resumably) after a number of epochs, before an epoch that would
    end past a wall-time budget (judged by the longest epoch so far, leaving out the
    session's first, which also traces the step, once a later one has run), or at the end of the
    epoch during which ``pause_file`` appeared (the file is removed as the pause is taken;
    one already there when training begins is removed unheeded)."""

    def __init__(self, max_epochs: int | None, seconds: float | None, pause_file: Path | None = None):
        super().__init__()
        self.max_epochs, self.seconds, self.pause_file, self.paused = max_epochs, seconds, pause_file, False

    def on_train_begin(self, logs=None):
        self._start, self._epoch_times = time.perf_counter(), []
        if self.pause_file is not None:
            self.pause_file.unlink(missing_ok=True)  # a request left from before this session started is not this session's

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self._epoch_times.append(now - self._epoch_start)
        next_epoch = max(self._epoch_times[1:] or self._epoch_times)
        over_time = self.seconds is not None and now - self._start + next_epoch > self.seconds
        asked = self.pause_file is not None and self.pause_file.exists()
        if (self.max_epochs is not None and len(self._epoch_times) >= self.max_epochs) or over_time or asked:
            self.paused = True
            self.model.stop_training = True
        if asked:
            self.pause_file.unlink(missing_ok=True)


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


class Diverged(RuntimeError):
    """The training loss became NaN or infinite."""

    def __init__(self, epoch: int, batch: int, last_finite_loss: float | None):
        self.epoch, self.batch, self.last_finite_loss = epoch, batch, last_finite_loss
        super().__init__(f"the training loss became non-finite in epoch {epoch + 1}, batch {batch + 1} (last finite: {last_finite_loss})")


class StopOnDivergence(keras.callbacks.Callback):
    """Raises :class:`Diverged` at the first batch whose loss is NaN or infinite, before the
    epoch's end: no later callback saves a state, a checkpoint or a history row of it."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_begin(self, logs=None):
        self.last = None

    def on_train_batch_end(self, batch, logs=None):
        loss = float(keras.ops.convert_to_numpy((logs or {}).get("loss", 0.0)))
        if not np.isfinite(loss):
            raise Diverged(self.epoch, batch, self.last)
        self.last = loss


class TrainingState(keras.callbacks.Callback):
    """Saves the full training state at the end of every epoch, as one atomic snapshot in
    ``out/state`` (:mod:`fer_lib.train.state`), and restores it on resume.

    Must come last in the callback list: on resume it sets the other callbacks'
    counters after their own ``on_train_begin`` has reset them, and its snapshot holds
    the epoch's history row and checkpoint.
    """

    def __init__(self, out: Path, callbacks: list, recipe: dict, resume: dict | None, inputs_sha256: str | None = None):
        super().__init__()
        self.out, self.others, self.recipe, self.resume = Path(out), callbacks, recipe, resume
        self.state_dir = self.out / "state"
        self.inputs_sha256 = inputs_sha256

    def on_train_begin(self, logs=None):
        if not self.resume:
            return
        for cb in self.others:
            for name, value in self.resume["callbacks"].get(type(cb).__name__, {}).items():
                setattr(cb, name, float(value) if isinstance(value, (int, float)) and name == "best" else value)
        variables, states = _seed_variables(self.model), self.resume["seed_states"]
        if len(variables) != len(states):
            raise ValueError(f"{self.state_dir / 'state.json'} has {len(states)} random-layer states, the model {len(variables)}: it belongs to another network")
        for v, value in zip(variables, states):
            v.assign(np.asarray(value, dtype=v.dtype))

    def on_epoch_end(self, epoch, logs=None):
        from fer_lib.train.state import StateError, write_snapshot

        history = self.out / "history.csv"
        rows = max(len(history.read_text().splitlines()) - 1, 0) if history.exists() else 0
        if rows != epoch + 1:  # CSVLogger appends to the file it opened: a file replaced under it (a git checkout) loses the rows
            raise StateError(f"{history} holds {rows} epochs at the end of epoch {epoch + 1}: it was replaced or edited while the training "
                             "ran, and the rows since then went to the file the training had opened. No snapshot of this epoch was "
                             "written; the last one in state/ resumes the training")
        state = {
            "next_epoch": epoch + 1,
            "recipe": self.recipe,
            "inputs_sha256": self.inputs_sha256,
            "seed_states": _seed_states(self.model),
            "callbacks": callback_counters(self.others),
            "restarts": (self.resume or {}).get("restarts", []),  # carried on without a saved state (see fer_lib.train.loop.Restart)
        }
        write_snapshot(self.out, self.model.save, state)


def callback_counters(callbacks: list) -> dict:
    """The counters a resume restores, of each recipe callback (ReduceLROnPlateau, EarlyStopping, ModelCheckpoint)."""
    return {type(cb).__name__: {k: _plain(getattr(cb, k)) for k in _COUNTERS.get(type(cb), ())} for cb in callbacks}


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    return value


class RefreshBatchNorm(keras.callbacks.Callback):
    """Before each validation, refreshes the BatchNorm statistics of ``net`` on a fixed
    sample of training faces with dropout off (:func:`fer_lib.train.batchnorm.refresh_batchnorm`),
    so that validation, the best-epoch checkpoint, ReduceLROnPlateau and EarlyStopping
    judge the network as it will be used. Training steps never read the moving
    statistics, but the schedule and early stopping follow the validation they change."""

    def __init__(self, net: keras.Model, sample: np.ndarray, batch_size: int = 256):
        super().__init__()
        self.net, self.sample, self.batch_size = net, sample, batch_size

    def on_test_begin(self, logs=None):
        from fer_lib.train.batchnorm import refresh_batchnorm

        refresh_batchnorm(self.net, self.sample, self.batch_size)
