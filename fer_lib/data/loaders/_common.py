"""Pieces the loaders share: class folders, problem reporting, FaceSet assembly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.classes import canonical_name
from fer_lib.data.errors import DataError, Problems
from fer_lib.data.faceset import FaceSet


def require_dir(path: Path, what: str) -> None:
    """Raise DataError naming ``path`` unless it is a folder."""
    if not path.is_dir():
        raise DataError(path, f"a folder holding {what}", found="nothing there" if not path.exists() else "a file")


def class_folders(folder: Path, class_names: tuple[str, ...], problems: Problems) -> dict[str, Path]:
    """Map canonical class name -> sub-folder of ``folder``, checking every class is present.

    Folder names may use any published spelling (``anger``, ``sadness``, ...). A file
    or unknown folder, or a missing class, is a problem.
    """
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            problems.add(DataError(entry, f"only class folders ({', '.join(class_names)}) in {folder}", found="a file"))
            continue
        try:
            name = canonical_name(entry.name)
        except KeyError:
            name = None
        if name not in class_names:
            problems.add(DataError(entry, f"a class folder named one of {', '.join(class_names)}", found=f"folder {entry.name!r}"))
            continue
        if name in found:
            problems.add(DataError(entry, f"one folder per class; {found[name].name} is already {name}"))
            continue
        found[name] = entry
    for name in class_names:
        if name not in found:
            problems.add(DataError(folder / name, f"a class folder for {name!r} in {folder}", found="none"))
    return {name: found[name] for name in class_names if name in found}


def image_files(folder: Path, problems: Problems) -> list[Path]:
    """Non-hidden regular files in ``folder``, sorted; an empty folder is a problem."""
    files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file())
    if not files:
        problems.add(DataError(folder, "at least one image file in the class folder", found="an empty folder"))
    return files


def finish(images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], meta: pd.DataFrame, source: str, problems: Problems, info: dict, what: str) -> FaceSet:
    """Build the FaceSet, record the problems in its info and warn about them."""
    info = dict(info)
    info["problems"] = problems.records()
    info["n_problems"] = problems.count
    problems.warn(what, stacklevel=4)
    return FaceSet(
        images=np.ascontiguousarray(images, dtype=np.uint8),
        labels=np.asarray(labels, dtype=np.int64),
        class_names=class_names,
        meta=meta.reset_index(drop=True),
        source=source,
        info=info,
    )
