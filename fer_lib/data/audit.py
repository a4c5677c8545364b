"""Data quality: exact duplicates, blank images, leakage across a split, deduplication.

Images are compared by their exact pixels (each 48x48 image viewed as one opaque
byte string, grouped with numpy's unique), so two faces are duplicates only when
every pixel is equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fer_lib.data.splits import Split


def _rows(images: np.ndarray) -> np.ndarray:
    flat = np.ascontiguousarray(np.asarray(images).reshape(len(images), -1))
    return flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).ravel()


def pixel_groups(images: np.ndarray) -> np.ndarray:
    """Group id per image: equal ids exactly when the pixels are equal (ids in order of first appearance)."""
    if len(images) == 0:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(_rows(images), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # relabel groups by first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()].astype(np.int64)


def duplicate_groups(images: np.ndarray) -> list[np.ndarray]:
    """Positions of each set of two or more identical images (each sorted; groups by first position)."""
    groups = pixel_groups(images)
    counts = np.bincount(groups) if len(groups) else np.zeros(0, np.int64)
    order = np.argsort(groups, kind="stable")
    bounds = np.cumsum(counts)[:-1]
    return [g for g in np.split(order, bounds) if len(g) > 1]


def blank_images(images: np.ndarray) -> np.ndarray:
    """Positions of constant images (every pixel the same value)."""
    flat = np.asarray(images).reshape(len(images), -1)
    if flat.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(flat.min(axis=1) == flat.max(axis=1))


@dataclass
class AuditReport:
    """Duplicates and blanks in a set of images."""

    n_images: int
    groups: list[np.ndarray]
    blanks: np.ndarray
    conflicting_groups: list[np.ndarray] = field(default_factory=list)

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def extra_copies(self) -> int:
        """Images that would go if each group kept one."""
        return int(sum(len(g) - 1 for g in self.groups))

    def summary(self) -> dict:
        return {
            "images": self.n_images,
            "duplicate_groups": self.n_groups,
            "extra_copies": self.extra_copies,
            "conflicting_label_groups": len(self.conflicting_groups),
            "blanks": int(len(self.blanks)),
        }


def audit(images: np.ndarray, labels: np.ndarray | None = None) -> AuditReport:
    """Find exact-duplicate groups, those whose labels disagree (if ``labels``), and blank images."""
    groups = duplicate_groups(images)
    conflicting = [g for g in groups if labels is not None and len(np.unique(np.asarray(labels)[g])) > 1]
    return AuditReport(len(images), groups, blank_images(images), conflicting)


def leaked_test_faces(images: np.ndarray, split: Split) -> np.ndarray:
    """Positions of the test faces with an identical copy in training or validation."""
    groups = pixel_groups(images)
    others = np.concatenate([split.train, split.val])
    return np.asarray(split.test)[np.isin(groups[split.test], groups[others])]


def leakage_report(images: np.ndarray, split: Split, *, n_examples: int = 10) -> dict:
    """Evaluation faces with an identical copy in training (or, for test, in validation).

    Returns counts (``test_in_train``, ``test_in_val``, ``test_leaked`` for either,
    ``val_in_train``) and up to ``n_examples`` example pairs ``(test position,
    position of a copy elsewhere)``.
    """
    groups = pixel_groups(images)

    def copies(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(a)[np.isin(groups[a], groups[b])]

    test_train, test_val, val_train = copies(split.test, split.train), copies(split.test, split.val), copies(split.val, split.train)
    leaked = np.union1d(test_train, test_val)
    others = np.concatenate([split.train, split.val]).astype(np.int64)
    first_copy = {}
    for pos in others[::-1]:
        first_copy[groups[pos]] = int(pos)
    examples = [(int(t), first_copy[groups[t]]) for t in leaked[:n_examples]]
    return {
        "test_in_train": int(len(test_train)),
        "test_in_val": int(len(test_val)),
        "test_leaked": int(len(leaked)),
        "val_in_train": int(len(val_train)),
        "examples": examples,
    }


def deduplicate(images: np.ndarray, labels: np.ndarray | None = None, *, conflicts: str = "keep_first") -> tuple[np.ndarray, AuditReport]:
    """Positions to keep so each distinct image appears once (the first of each group).

    ``conflicts="drop"`` removes groups whose labels disagree altogether instead of
    keeping their first face. The report lists the groups, conflicting ones included.
    Split after deduplicating to make a split free of exact-copy leakage.
    """
    if conflicts not in ("keep_first", "drop"):
        raise ValueError(f"conflicts must be 'keep_first' or 'drop', got {conflicts!r}")
    report = audit(images, labels)
    groups = pixel_groups(images)
    _, first = np.unique(groups, return_index=True)
    keep = np.sort(first)
    if conflicts == "drop" and report.conflicting_groups:
        keep = np.setdiff1d(keep, np.concatenate(report.conflicting_groups))
    return keep.astype(np.int64), report


def split_overlap(meta, split: Split, columns: tuple[str, ...] = ("subject",)) -> dict[str, float]:
    """Share of test faces whose value of each column (e.g. subject, or subject and sequence
    together) also appears among the training faces: how much a split lets a network see
    the test people, or the test sequences, in training."""
    import pandas as pd

    key = meta[list(columns)].astype(str).agg("/".join, axis=1).to_numpy() if isinstance(meta, pd.DataFrame) else np.asarray(meta)
    seen = np.isin(key[split.test], key[split.train])
    return {"share": float(seen.mean()) if len(seen) else 0.0, "n_test": int(len(seen)), "n_seen": int(seen.sum())}
