"""FER-2013 in both published forms.

- ``fer2013.csv``: columns ``emotion,pixels,Usage``; emotion 0-6 in FER_CLASSES
  order, 2304 space-separated pixel values 0-255, Usage one of Training,
  PublicTest, PrivateTest. ``meta.id`` is the 0-based data row (the order FER+
  follows); ``meta.row`` the line in the file (the header is line 1).
- image folders: ``train/<class>/Training_<id>.jpg`` and
  ``test/<class>/PublicTest_<id>.jpg`` / ``PrivateTest_<id>.jpg``. ``meta.id`` is
  the number in the name; ``meta.file`` the path relative to the folder.

The split comes from the data (Usage, or the file-name prefix); subjects are
unknown (``""``). When a folder holds both forms, the CSV is read.
"""

from __future__ import annotations

import csv
import re
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.cache import cached_arrays, decode_files, fingerprint
from fer_lib.data.classes import FER_CLASSES
from fer_lib.data.errors import DataError, Problems
from fer_lib.data.faceset import FaceSet

from ._common import class_folders, finish, image_files

SPLITS: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")
FOLDER_SPLITS: dict[str, tuple[str, ...]] = {"train": ("Training",), "test": ("PublicTest", "PrivateTest")}
CSV_NAME = "fer2013.csv"
CSV_COLUMNS = ("emotion", "pixels", "Usage")
N_PIXELS = 48 * 48
FILE_RE = re.compile(r"^(Training|PublicTest|PrivateTest)_(\d+)\.[^.]+$")


def load_fer2013(path: str | PathLike, *, lenient: bool = False, use_cache: bool = True) -> FaceSet:
    """Load FER-2013 from ``path``: a ``fer2013.csv`` file, or a folder holding it or ``train/`` and ``test/``."""
    path = Path(path)
    if path.is_file():
        return load_fer2013_csv(path, lenient=lenient, use_cache=use_cache)
    if (path / CSV_NAME).is_file():
        return load_fer2013_csv(path / CSV_NAME, lenient=lenient, use_cache=use_cache)
    if path.is_dir() and any((path / d).is_dir() for d in FOLDER_SPLITS):
        return load_fer2013_folders(path, lenient=lenient, use_cache=use_cache)
    raise DataError(path, f"FER-2013 as {CSV_NAME} or as train/ and test/ class folders", found="neither" if path.exists() else "nothing there")


def _parse_csv(file: Path) -> dict[str, np.ndarray]:
    """Parse every row, collecting bad ones (never raising on a row)."""
    images, labels, usage, ids, lines = [], [], [], [], []
    bad_rows, bad_expected, bad_found = [], [], []

    def bad(line: int, expected: str, found: str) -> None:
        bad_rows.append(line)
        bad_expected.append(expected)
        bad_found.append(found)

    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or not set(CSV_COLUMNS) <= {h.strip() for h in header}:
            raise DataError(file, f"a header with columns {','.join(CSV_COLUMNS)}", row=1, found=",".join(header or []) or "an empty file")
        header = [h.strip() for h in header]
        col = {name: header.index(name) for name in CSV_COLUMNS}
        for data_index, row in enumerate(reader):
            line = reader.line_num
            if len(row) != len(header):
                bad(line, f"{len(header)} fields ({','.join(header)})", f"{len(row)}")
                continue
            emotion = row[col["emotion"]].strip()
            if not (emotion.isdigit() and int(emotion) < len(FER_CLASSES)):
                bad(line, f"an emotion 0-{len(FER_CLASSES) - 1}", repr(emotion))
                continue
            split = row[col["Usage"]].strip()
            if split not in SPLITS:
                bad(line, f"Usage one of {', '.join(SPLITS)}", repr(split))
                continue
            tokens = row[col["pixels"]].split()
            if len(tokens) != N_PIXELS:
                bad(line, f"{N_PIXELS} space-separated pixels", f"{len(tokens)}")
                continue
            try:
                pixels = np.asarray(tokens, dtype=np.int64)
            except ValueError:
                bad(line, "integer pixel values 0-255", "a non-integer value")
                continue
            if pixels.min() < 0 or pixels.max() > 255:
                bad(line, "integer pixel values 0-255", f"values {pixels.min()}..{pixels.max()}")
                continue
            images.append(pixels.astype(np.uint8).reshape(48, 48))
            labels.append(int(emotion))
            usage.append(SPLITS.index(split))
            ids.append(data_index)
            lines.append(line)
    return {
        "images": np.stack(images) if images else np.zeros((0, 48, 48), np.uint8),
        "labels": np.asarray(labels, np.int64),
        "usage": np.asarray(usage, np.int64),
        "ids": np.asarray(ids, np.int64),
        "lines": np.asarray(lines, np.int64),
        "bad_rows": np.asarray(bad_rows, np.int64),
        "bad_expected": np.asarray(bad_expected, dtype=str),
        "bad_found": np.asarray(bad_found, dtype=str),
    }


def load_fer2013_csv(file: str | PathLike, *, lenient: bool = False, use_cache: bool = True) -> FaceSet:
    """Load the published ``fer2013.csv`` (see the module notes)."""
    file = Path(file)
    if not file.is_file():
        raise DataError(file, "the FER-2013 CSV file", found="nothing there")
    key = fingerprint([file], extra=("fer2013-csv",))
    arrays = cached_arrays("fer2013-csv", key, lambda: _parse_csv(file), use_cache=use_cache)
    problems = Problems(lenient)
    for line, expected, found in zip(arrays["bad_rows"].tolist(), arrays["bad_expected"].tolist(), arrays["bad_found"].tolist()):
        problems.add(DataError(file, expected, row=line, found=found or None))
    n = len(arrays["labels"])
    meta = pd.DataFrame(
        {
            "file": [file.name] * n,
            "split": np.asarray(SPLITS, dtype=object)[arrays["usage"]],
            "subject": [""] * n,
            "id": arrays["ids"],
            "row": arrays["lines"],
        }
    )
    info = {"dataset": "fer2013", "layout": "csv", "path": str(file)}
    return finish(arrays["images"], arrays["labels"], FER_CLASSES, meta, str(file), problems, info, f"FER-2013 {file}")


def load_fer2013_folders(root: str | PathLike, *, lenient: bool = False, use_cache: bool = True) -> FaceSet:
    """Load the image-folder layout (``train/<class>/Training_<id>.jpg``, ``test/<class>/...``)."""
    root = Path(root)
    problems = Problems(lenient)
    paths: list[Path] = []
    names, splits, labels, ids = [], [], [], []
    for folder_name, allowed in FOLDER_SPLITS.items():
        folder = root / folder_name
        if not folder.is_dir():
            problems.add(DataError(folder, f"a folder of class folders ({', '.join(allowed)} images)", found="nothing there"))
            continue
        for class_name, class_dir in class_folders(folder, FER_CLASSES, problems).items():
            for p in image_files(class_dir, problems):
                name = p.relative_to(root).as_posix()
                m = FILE_RE.match(p.name)
                if m is None:
                    problems.add(DataError(name, "a file named <Training|PublicTest|PrivateTest>_<id>.<ext>"))
                    continue
                if m.group(1) not in allowed:
                    problems.add(DataError(name, f"only {' or '.join(allowed)} images under {folder_name}/", found=m.group(1)))
                    continue
                paths.append(p)
                names.append(name)
                splits.append(m.group(1))
                labels.append(FER_CLASSES.index(class_name))
                ids.append(int(m.group(2)))
    images, errors = decode_files(paths, names, kind="fer2013-folders", root=root, use_cache=use_cache)
    for e in errors:
        if e is not None:
            problems.add(e)
    keep = np.asarray([e is None for e in errors], dtype=bool)
    meta = pd.DataFrame({"file": names, "split": splits, "subject": [""] * len(names), "id": np.asarray(ids, np.int64)})
    info = {"dataset": "fer2013", "layout": "folders", "path": str(root)}
    return finish(images[keep], np.asarray(labels, np.int64)[keep], FER_CLASSES, meta[keep], str(root), problems, info, f"FER-2013 {root}")
