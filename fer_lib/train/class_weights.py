"""Class weights that balance a training set (scikit-learn's ``balanced`` rule).

weight(c) = n_faces / (n_classes * count(c)): rare classes weigh more, and the
weighted class totals are equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight


class EmptyClassError(ValueError):
    """A class has no faces in the training set, so it cannot be weighted."""


def _check(labels: np.ndarray, class_names: Sequence[str]) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64)
    n = len(class_names)
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(f"labels must lie in [0, {n}) for classes {tuple(class_names)}")
    counts = np.bincount(labels, minlength=n)
    empty = [class_names[i] for i in np.flatnonzero(counts == 0)]
    if empty:
        raise EmptyClassError(f"empty class: the training set has no faces of {', '.join(map(repr, empty))}; cannot weight it")
    return labels


def class_weights(labels: np.ndarray, class_names: Sequence[str]) -> dict[int, float]:
    """``{class index: balanced weight}`` for Keras' ``class_weight``; EmptyClassError names any absent class."""
    labels = _check(labels, class_names)
    w = compute_class_weight("balanced", classes=np.arange(len(class_names)), y=labels)
    return {i: float(x) for i, x in enumerate(w)}


def class_weight_table(labels: np.ndarray, class_names: Sequence[str]) -> pd.DataFrame:
    """One row per class: ``class``, ``count``, ``weight``."""
    weights = class_weights(labels, class_names)
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(class_names))
    return pd.DataFrame({"class": list(class_names), "count": counts, "weight": [weights[i] for i in range(len(class_names))]})
