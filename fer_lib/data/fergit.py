"""FERGIT: FER-2013 plus muxspace/facial_expressions, in the 7 FER classes.

The paper reports 49,300 faces but not how it built them. Ours: every FER-2013 face
(all three splits) plus every muxspace face with an unambiguous label, contempt
dropped (it is no FER class), no deduplication (see :mod:`fer_lib.data.audit` for that).
``meta.origin`` says which set a face came from; muxspace faces have split ``""``.
"""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

from fer_lib.data.classes import FER_CLASSES
from fer_lib.data.faceset import FaceSet
from fer_lib.data.loaders.fer2013 import load_fer2013
from fer_lib.data.loaders.muxspace import load_muxspace
from fer_lib.paper import PAPER


def combine_fergit(fer: FaceSet, mux: FaceSet) -> FaceSet:
    """Concatenate FER-2013 and muxspace faces, dropping muxspace's classes outside FER_CLASSES."""
    if fer.class_names != FER_CLASSES:
        raise ValueError(f"FER-2013 classes must be {FER_CLASSES}, got {fer.class_names}")
    mux_names = np.asarray(mux.class_names)[mux.labels]
    in_fer = np.isin(mux_names, FER_CLASSES)
    mux_labels = np.asarray([FER_CLASSES.index(n) for n in mux_names[in_fer]], dtype=np.int64)
    dropped = pd.Series(mux_names[~in_fer]).value_counts()
    meta = pd.concat(
        [fer.meta.assign(origin="fer2013"), mux.meta[in_fer].assign(origin="muxspace")],
        ignore_index=True,
        sort=False,
    )
    for column in ("file", "split", "subject"):
        meta[column] = meta[column].fillna("").astype(str)
    total = len(fer) + int(in_fer.sum())
    info = {
        "dataset": "fergit",
        "fer2013": len(fer),
        "muxspace": int(in_fer.sum()),
        "dropped_classes": {str(k): int(v) for k, v in dropped.items()},
        "total": total,
        "paper_total": PAPER["fergit_faces"],
        "difference_from_paper": total - PAPER["fergit_faces"],
        "problems": fer.info.get("problems", []) + mux.info.get("problems", []),
        "n_problems": fer.info.get("n_problems", 0) + mux.info.get("n_problems", 0),
        "muxspace_conflicts": mux.info.get("conflicts", []),
        "muxspace_unlisted": len(mux.info.get("unlisted", [])),
    }
    return FaceSet(
        images=np.concatenate([fer.images, mux.images[in_fer]]),
        labels=np.concatenate([fer.labels, mux_labels]),
        class_names=FER_CLASSES,
        meta=meta,
        source=f"fergit({fer.source} + {mux.source})",
        info=info,
    )


def load_fergit(fer2013_path: str | PathLike, muxspace_path: str | PathLike, *, lenient: bool = False, use_cache: bool = True) -> FaceSet:
    """Load both sets and combine them (see :func:`combine_fergit`)."""
    return combine_fergit(
        load_fer2013(fer2013_path, lenient=lenient, use_cache=use_cache),
        load_muxspace(muxspace_path, lenient=lenient, use_cache=use_cache),
    )
