"""One entry point to every data set by name."""

from __future__ import annotations

from .faceset import FaceSet
from .settings import data_root
from .synthetic import generate_ckplus_like, generate_faces

DATASETS = ("synthetic", "synthetic-ckplus")


def load_dataset(name: str, root: str | None = None, *, seed: int = 0, n_faces: int = 6000, n_subjects: int = 40) -> FaceSet:
    """Load the data set ``name``; real data sets are read from ``root`` (or ``$FER_DATA_ROOT``).

    ``seed``, ``n_faces`` and ``n_subjects`` only shape the synthetic sets.
    """
    if name == "synthetic":
        return generate_faces(n_faces, seed=seed)
    if name == "synthetic-ckplus":
        return generate_ckplus_like(n_subjects, seed=seed)
    where = data_root(root)
    raise ValueError(f"unknown data set {name!r} (root {where}); expected one of {DATASETS}")
