"""muxspace/facial_expressions: ``data/legend.csv`` (``user.id,image,emotion``) and ``images/``.

Choices, all reported in ``FaceSet.info`` rather than made silently:

- classes are MUXSPACE_CLASSES = FER_CLASSES + ("contempt",): the 7 FER classes
  keep their indices and contempt is kept as index 7 (FERGIT drops it);
- labels are matched in any case (``HAPPINESS``/``happiness``) via canonical_name;
- a repeated row with the same label is loaded once (``info["repeated_rows"]``);
- an image listed with conflicting labels (``Avinash_30.jpg``) is excluded, not
  guessed (``info["conflicts"]``);
- image files the legend does not list are not loaded (``info["unlisted"]``).

``meta.user`` is the legend's ``user.id`` (who labelled it, not who is pictured),
so ``subject`` is ``""``.
"""

from __future__ import annotations

import csv
import warnings
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.cache import decode_files
from fer_lib.data.classes import FER_CLASSES, canonical_name
from fer_lib.data.errors import DataError, DataWarning, Problems
from fer_lib.data.faceset import FaceSet

from ._common import finish, require_dir

MUXSPACE_CLASSES: tuple[str, ...] = FER_CLASSES + ("contempt",)
LEGEND = Path("data") / "legend.csv"
IMAGES = Path("images")
LEGEND_COLUMNS = ("user.id", "image", "emotion")


def read_legend(file: Path, problems: Problems) -> pd.DataFrame:
    """The legend's good rows as a DataFrame (user, image, label, row); bad rows go to ``problems``."""
    rows = []
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        if not set(LEGEND_COLUMNS) <= set(header):
            raise DataError(file, f"a header with columns {','.join(LEGEND_COLUMNS)}", row=1, found=",".join(header) or "an empty file")
        col = {c: header.index(c) for c in LEGEND_COLUMNS}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.add(DataError(file, f"{len(header)} fields ({','.join(header)})", row=line, found=str(len(row))))
                continue
            image, raw = row[col["image"]].strip(), row[col["emotion"]].strip()
            if not image:
                problems.add(DataError(file, "an image file name", row=line, found="an empty field"))
                continue
            try:
                label = canonical_name(raw)
            except KeyError:
                label = None
            if label not in MUXSPACE_CLASSES:
                problems.add(DataError(file, f"an emotion label (one of {', '.join(MUXSPACE_CLASSES)}, any case or spelling)", row=line, found=repr(raw)))
                continue
            rows.append((row[col["user.id"]].strip(), image, label, line))
    return pd.DataFrame(rows, columns=["user", "image", "label", "row"])


def load_muxspace(root: str | PathLike, *, lenient: bool = False, use_cache: bool = True) -> FaceSet:
    """Load muxspace from ``root`` (the folder holding ``data/legend.csv`` and ``images/``)."""
    root = Path(root)
    require_dir(root, "muxspace's data/legend.csv and images/")
    legend_file, image_dir = root / LEGEND, root / IMAGES
    if not legend_file.is_file():
        raise DataError(legend_file, "muxspace's legend (user.id,image,emotion)", found="nothing there")
    require_dir(image_dir, "muxspace's images")
    problems = Problems(lenient)
    legend = read_legend(legend_file, problems)

    repeated = legend.duplicated(["image", "label"], keep="first")
    n_labels = legend.groupby("image")["label"].nunique()
    conflicting = set(n_labels.index[n_labels > 1])
    conflicts = [
        {"image": img, "labels": sorted(set(g["label"])), "rows": g["row"].tolist()}
        for img, g in legend[legend["image"].isin(conflicting)].groupby("image")
    ]
    table = legend[~repeated & ~legend["image"].isin(conflicting)].reset_index(drop=True)

    on_disk = {p.name for p in image_dir.iterdir() if not p.name.startswith(".") and p.is_file()}
    listed = set(legend["image"])
    unlisted = sorted(on_disk - listed)
    missing = ~table["image"].isin(on_disk)
    for image, line in zip(table.loc[missing, "image"], table.loc[missing, "row"]):
        problems.add(DataError(legend_file, f"the listed image {IMAGES / image} to exist", row=int(line), found="no such file"))
    table = table[~missing].reset_index(drop=True)

    names = [(IMAGES / name).as_posix() for name in table["image"]]
    images, errors = decode_files([root / n for n in names], names, kind="muxspace", root=root, use_cache=use_cache)
    for e in errors:
        if e is not None:
            problems.add(e)
    keep = np.asarray([e is None for e in errors], dtype=bool)
    labels = np.asarray([MUXSPACE_CLASSES.index(c) for c in table["label"]], dtype=np.int64)
    meta = pd.DataFrame({"file": names, "split": "", "subject": "", "user": table["user"], "row": table["row"].astype(np.int64)})
    info = {
        "dataset": "muxspace",
        "path": str(root),
        "legend_rows": int(len(legend)),
        "distinct_images": int(legend["image"].nunique()),
        "repeated_rows": int(len(legend) - legend["image"].nunique()),
        "identical_repeats": int(repeated.sum()),
        "conflicts": conflicts,
        "unlisted": unlisted,
    }
    if conflicts or unlisted:
        warnings.warn(
            f"muxspace {root}: excluded {len(conflicts)} image(s) with conflicting labels "
            f"({', '.join(c['image'] for c in conflicts[:5])}); {len(unlisted)} image file(s) not in the legend were not loaded",
            DataWarning,
            stacklevel=2,
        )
    return finish(images[keep], labels[keep], MUXSPACE_CLASSES, meta[keep], str(root), problems, info, f"muxspace {root}")
