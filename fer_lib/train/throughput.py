"""Training throughput from a history: plain numbers, no Keras, so that reports can read it."""

from __future__ import annotations

import numpy as np


def images_per_s(history: list[dict], n_train: int) -> float | None:
    """Median training throughput over epochs (``n_train`` faces each: full batches only),
    leaving out the first (it includes tracing)."""
    times = [r["train_time_s"] for r in history if "train_time_s" in r]
    times = times[1:] if len(times) > 1 else times
    return float(n_train / np.median(times)) if times else None
