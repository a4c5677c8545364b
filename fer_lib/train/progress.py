"""Progress of a long training that a person can watch: epochs done of planned, images/s and
the time left, as a rich bar on a terminal and as one plain line per epoch elsewhere (logs, CI)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import keras


def duration(seconds: float) -> str:
    """``3 h 05 min``, ``7 min``, ``40 s``."""
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


class EpochProgress(keras.callbacks.Callback):
    """Reports each epoch of training ``name``: ``planned`` epochs in all, ``n_train`` faces an epoch.

    The time left is the epochs left times the mean epoch of this session (EarlyStopping may
    end the training sooner). On a terminal a rich progress bar is redrawn; otherwise each
    epoch prints one line to ``stream``.
    """

    def __init__(self, name: str, planned: int, n_train: int, stream: TextIO | None = None, live: bool | None = None):
        super().__init__()
        self.name, self.planned, self.n_train = name, planned, n_train
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.times: list[float] = []
        self._bar = self._task = None

    def on_train_begin(self, logs=None):
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs  {task.fields[note]}"),
                                 console=Console(file=self.stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.name, total=self.planned, completed=0, note="")

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        if self._bar is not None:
            self._bar.update(self._task, completed=epoch)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.times.append(time.perf_counter() - self._start)
        mean = sum(self.times) / len(self.times)
        done = epoch + 1
        val = f"val accuracy {logs['val_accuracy']:.3f}, " if "val_accuracy" in logs else ""
        note = f"{val}{self.n_train / self.times[-1]:.0f} images/s, about {duration(mean * (self.planned - done))} left"
        if self._bar is not None:
            self._bar.update(self._task, completed=done, note=note)
        else:
            print(f"{self.name}: epoch {done}/{self.planned}, {note}", file=self.stream, flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.stop()
