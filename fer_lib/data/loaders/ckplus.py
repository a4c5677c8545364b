"""CK+48: ``<class>/S<subject>_<sequence>_<frame>.png``, the last 3 frames of each labelled sequence.

Class folders ``anger contempt disgust fear happy sadness surprise`` map to
CKPLUS_CLASSES (contempt at index 6). ``meta`` adds ``sequence`` (``S005_001``) and
``frame`` (int); ``subject`` is the ``S<subject>`` prefix (``S005``), which is what
a subject-independent split must group by.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.cache import decode_files
from fer_lib.data.classes import CKPLUS_CLASSES
from fer_lib.data.errors import DataError, Problems
from fer_lib.data.faceset import FaceSet

from ._common import class_folders, finish, image_files, require_dir

FILE_RE = re.compile(r"^(S\d+)_(\d+)_(\d+)\.[^.]+$")


def parse_ckplus_name(name: str) -> tuple[str, str, int] | None:
    """``S005_001_00000011.png`` -> ``("S005", "S005_001", 11)``; None if it does not match."""
    m = FILE_RE.match(name)
    if m is None:
        return None
    return m.group(1), f"{m.group(1)}_{m.group(2)}", int(m.group(3))


def load_ckplus(root: str | PathLike, *, lenient: bool = False, use_cache: bool = True) -> FaceSet:
    """Load CK+48 from ``root`` (the folder holding the class folders)."""
    root = Path(root)
    require_dir(root, "the CK+48 class folders (anger contempt disgust fear happy sadness surprise)")
    problems = Problems(lenient)
    paths: list[Path] = []
    names, labels, subjects, sequences, frames = [], [], [], [], []
    for class_name, class_dir in class_folders(root, CKPLUS_CLASSES, problems).items():
        for p in image_files(class_dir, problems):
            name = p.relative_to(root).as_posix()
            parsed = parse_ckplus_name(p.name)
            if parsed is None:
                problems.add(DataError(name, "a file named S<subject>_<sequence>_<frame>.<ext>, e.g. S005_001_00000011.png"))
                continue
            paths.append(p)
            names.append(name)
            labels.append(CKPLUS_CLASSES.index(class_name))
            subjects.append(parsed[0])
            sequences.append(parsed[1])
            frames.append(parsed[2])
    images, errors = decode_files(paths, names, kind="ckplus", root=root, use_cache=use_cache)
    for e in errors:
        if e is not None:
            problems.add(e)
    keep = np.asarray([e is None for e in errors], dtype=bool)
    meta = pd.DataFrame({"file": names, "split": [""] * len(names), "subject": subjects, "sequence": sequences, "frame": np.asarray(frames, np.int64)})
    info = {"dataset": "ckplus", "path": str(root)}
    return finish(images[keep], np.asarray(labels, np.int64)[keep], CKPLUS_CLASSES, meta[keep], str(root), problems, info, f"CK+48 {root}")
