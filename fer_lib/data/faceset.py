"""FaceSet: the one record every loader and generator returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

META_COLUMNS = ("file", "split", "subject")


@dataclass(frozen=True)
class FaceSet:
    """Faces as uint8 arrays (N x 48 x 48), integer labels and per-image metadata.

    ``labels[i]`` indexes ``class_names``. ``meta`` has one row per image with at
    least the columns ``file`` (source file, or a generated id), ``split`` (the
    data set's own split, or ``""``) and ``subject`` (identity id, or ``""``).
    ``source`` names where the faces came from, e.g. ``"synthetic"`` or a path.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    meta: pd.DataFrame
    source: str
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.images)
        if self.images.dtype != np.uint8 or self.images.ndim != 3:
            raise ValueError(f"images must be uint8 N x H x W, got {self.images.dtype} {self.images.shape}")
        if self.labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {self.labels.shape}")
        if len(self.meta) != n:
            raise ValueError(f"meta must have {n} rows, got {len(self.meta)}")
        missing = [c for c in META_COLUMNS if c not in self.meta.columns]
        if missing:
            raise ValueError(f"meta lacks columns {missing}")
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise ValueError(f"labels must lie in [0, {len(self.class_names)})")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def is_synthetic(self) -> bool:
        return self.source.startswith("synthetic")

    def class_counts(self) -> pd.Series:
        """Number of faces per class, in class order (classes with none included)."""
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return pd.Series(counts, index=list(self.class_names), name="faces")

    def subset(self, index: np.ndarray) -> FaceSet:
        """The faces at ``index`` (integer positions or a boolean mask)."""
        index = np.asarray(index)
        return FaceSet(
            images=self.images[index],
            labels=self.labels[index],
            class_names=self.class_names,
            meta=self.meta.iloc[index].reset_index(drop=True),
            source=self.source,
            info=dict(self.info),
        )
