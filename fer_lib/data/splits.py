"""Train/validation/test splits as index arrays.

- :func:`random_split`: the paper's random stratified split (90/5/5 by default);
- :func:`official_split`: FER-2013's own Training / PublicTest / PrivateTest;
- :func:`subject_folds`: subject-independent stratified k-fold for CK+, where a
  random split would put frames of one sequence on both sides.

Everything is seeded: the same arguments give the same indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split


@dataclass(frozen=True)
class Split:
    """Positions of the training, validation and test faces (sorted int64 arrays)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def _sorted(index: np.ndarray) -> np.ndarray:
    return np.sort(np.asarray(index, dtype=np.int64))


def random_split(labels: np.ndarray, *, val: float = 0.05, test: float = 0.05, seed: int = 0, stratify: bool = True, index: np.ndarray | None = None) -> Split:
    """Random split of ``index`` (default: all positions) into train/val/test fractions, stratified by label."""
    labels = np.asarray(labels)
    index = np.arange(len(labels)) if index is None else np.asarray(index, dtype=np.int64)
    if not 0 < val + test < 1 or val < 0 or test < 0:
        raise ValueError(f"val and test must be fractions with 0 < val + test < 1, got {val}, {test}")
    y = labels[index]
    rest, test_idx = train_test_split(index, test_size=test, random_state=seed, stratify=y if stratify else None) if test else (index, index[:0])
    if val:
        y_rest = labels[rest]
        train_idx, val_idx = train_test_split(rest, test_size=val / (1 - test), random_state=seed + 1, stratify=y_rest if stratify else None)
    else:
        train_idx, val_idx = rest, rest[:0]
    return Split(_sorted(train_idx), _sorted(val_idx), _sorted(test_idx))


def official_split(meta: pd.DataFrame, *, train: str = "Training", val: str = "PublicTest", test: str = "PrivateTest") -> Split:
    """FER-2013's own split from ``meta.split`` (PublicTest for validation, PrivateTest for test)."""
    split = meta["split"].to_numpy()
    parts = {name: np.flatnonzero(split == value) for name, value in (("train", train), ("val", val), ("test", test))}
    empty = [f"{name} ({value!r})" for name, value in (("train", train), ("val", val), ("test", test)) if len(parts[name]) == 0]
    if empty:
        raise ValueError(f"no faces in the official split for {', '.join(empty)}; meta.split holds {sorted(set(split))}")
    return Split(**{k: _sorted(v) for k, v in parts.items()})


def subject_folds(labels: np.ndarray, subjects: np.ndarray, *, n_folds: int = 10, seed: int = 0) -> list[np.ndarray]:
    """Test-fold positions of a stratified k-fold grouped by subject: no subject is in two folds."""
    labels, subjects = np.asarray(labels), np.asarray(subjects)
    n_subjects = len(np.unique(subjects))
    if n_subjects < n_folds:
        raise ValueError(f"{n_subjects} subjects cannot fill {n_folds} subject-independent folds")
    cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [_sorted(test) for _, test in cv.split(np.zeros(len(labels)), labels, groups=subjects)]


def fold_split(folds: list[np.ndarray], k: int, *, val_fold: int | None = None) -> Split:
    """Fold ``k`` as test, fold ``val_fold`` (default the next one) as validation, the rest as training."""
    n = len(folds)
    if n < 3:
        raise ValueError(f"{n} subject folds leave none to train on: a test fold, a validation fold and training folds need n_folds >= 3")
    v = (k + 1) % n if val_fold is None else val_fold
    if v == k:
        raise ValueError("the validation fold must differ from the test fold")
    train = np.concatenate([f for i, f in enumerate(folds) if i not in (k, v)])
    return Split(_sorted(train), _sorted(folds[v]), _sorted(folds[k]))


def subsample_train(split: Split, labels: np.ndarray, n: int, *, seed: int = 0) -> Split:
    """``split`` with its training part cut to a stratified sample of ``n`` faces
    (validation and test kept whole); unchanged when it has ``n`` or fewer."""
    if n >= len(split.train):
        return split
    from sklearn.model_selection import train_test_split

    kept, _ = train_test_split(split.train, train_size=n, stratify=np.asarray(labels)[split.train], random_state=seed)
    return Split(train=_sorted(kept), val=split.val, test=split.test)
