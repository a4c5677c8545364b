"""FER+ (Barsoum et al. 2016) votes as an optional relabelling of FER-2013.

Ten annotators voted per image over ``neutral happiness surprise sadness anger
disgust fear contempt unknown NF``. The new label is the column with the most
votes; an image is dropped (and counted in ``info["dropped"]``) when that column
is contempt, unknown or NF (no FER class), when the top count is tied between
columns (``ties="drop"``, the default; ``ties="first"`` takes the first column
instead), or when it has no votes at all.

Votes are matched to FER-2013 by form: ``fer2013new.csv`` row i is ``fer2013.csv``
data row i (``meta.id``), and ``votes_by_file.csv`` is keyed by the folder
layout's relative file names (it covers 33,579 of the 35,887 images).
"""

from __future__ import annotations

import csv
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.classes import FER_CLASSES, canonical_name
from fer_lib.data.errors import DataError, Problems
from fer_lib.data.faceset import FaceSet

from .fer2013 import load_fer2013

VOTE_COLUMNS: tuple[str, ...] = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF")
BY_ROW = "fer2013new.csv"
BY_FILE = "votes_by_file.csv"


def majority_labels(votes: np.ndarray, ties: str = "drop") -> tuple[np.ndarray, np.ndarray]:
    """FER-class index per row of ``votes`` (N x 10, VOTE_COLUMNS order), or -1 when dropped.

    Returns ``(labels, reasons)``; ``reasons[i]`` is ``""`` for a kept row, else
    ``"contempt"``, ``"unknown"``, ``"NF"``, ``"tie"`` or ``"no votes"``.
    """
    if ties not in ("drop", "first"):
        raise ValueError(f"ties must be 'drop' or 'first', got {ties!r}")
    votes = np.asarray(votes)
    if votes.ndim != 2 or votes.shape[1] != len(VOTE_COLUMNS):
        raise ValueError(f"votes must be N x {len(VOTE_COLUMNS)} ({', '.join(VOTE_COLUMNS)}), got {votes.shape}")
    column_to_class = np.asarray([FER_CLASSES.index(canonical_name(c)) if canonical_name(c) in FER_CLASSES else -1 for c in VOTE_COLUMNS[:8]] + [-1, -1])
    top = votes.argmax(axis=1)
    labels = column_to_class[top]
    reasons = np.where(labels < 0, np.asarray(VOTE_COLUMNS, dtype=object)[top], "").astype(object)
    if ties == "drop":
        tied = (votes == votes.max(axis=1, keepdims=True)).sum(axis=1) > 1
        reasons[tied] = "tie"
    reasons[votes.sum(axis=1) == 0] = "no votes"
    labels = np.where(reasons == "", labels, -1)
    return labels.astype(np.int64), reasons.astype(str)


def read_votes(file: Path, key: str, problems: Problems) -> pd.DataFrame:
    """A votes CSV with ``key`` and the ten vote columns as integers; bad rows go to ``problems``."""
    rows = []
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        need = (key,) + VOTE_COLUMNS
        if not set(need) <= set(header):
            raise DataError(file, f"a header with columns {','.join(need)}", row=1, found=",".join(header) or "an empty file")
        idx = [header.index(c) for c in VOTE_COLUMNS]
        k = header.index(key)
        for row in reader:
            if len(row) != len(header):
                problems.add(DataError(file, f"{len(header)} fields", row=reader.line_num, found=str(len(row))))
                continue
            try:
                votes = [int(row[i]) for i in idx]
            except ValueError:
                problems.add(DataError(file, "integer vote counts", row=reader.line_num, found=",".join(row[i] for i in idx)))
                continue
            rows.append([row[k].strip(), reader.line_num, *votes])
    return pd.DataFrame(rows, columns=[key, "row", *VOTE_COLUMNS])


def load_ferplus(fer2013_path: str | PathLike, ferplus_path: str | PathLike, *, lenient: bool = False, ties: str = "drop", use_cache: bool = True) -> FaceSet:
    """FER-2013 from ``fer2013_path`` relabelled with the FER+ votes in ``ferplus_path``.

    ``meta.fer2013_label`` keeps the original label's index; ``info["dropped"]``
    counts the images left out by reason (``"no FER+ votes"`` for unmatched ones).
    """
    fer = load_fer2013(fer2013_path, lenient=lenient, use_cache=use_cache)
    ferplus_path = Path(ferplus_path)
    problems = Problems(lenient)
    if fer.info.get("layout") == "csv":
        file = ferplus_path / BY_ROW
        if not file.is_file():
            raise DataError(file, "FER+'s fer2013new.csv (rows in fer2013.csv order)", found="nothing there")
        table = read_votes(file, "Usage", problems).reset_index(drop=True)
        table["id"] = table["row"] - 2  # data row i sits on line i + 2
        votes_of = table.set_index("id")
        keys = fer.meta["id"]
    else:
        file = ferplus_path / BY_FILE
        if not file.is_file():
            raise DataError(file, "FER+'s votes_by_file.csv (keyed by fer2013/ file names)", found="nothing there")
        table = read_votes(file, "file", problems)
        dup = table["file"].duplicated()
        for f, line in zip(table.loc[dup, "file"], table.loc[dup, "row"]):
            problems.add(DataError(file, "one row per file", row=int(line), found=f"a second row for {f}"))
        votes_of = table[~dup].set_index("file")
        keys = fer.meta["file"]
    matched = keys.isin(votes_of.index).to_numpy()
    votes = np.zeros((len(fer), len(VOTE_COLUMNS)), dtype=np.int64)
    votes[matched] = votes_of.loc[keys[matched], list(VOTE_COLUMNS)].to_numpy()
    labels, reasons = majority_labels(votes, ties)
    reasons = np.where(matched, reasons, "no FER+ votes")
    keep = reasons == ""
    out = fer.subset(np.flatnonzero(keep))
    meta = out.meta.assign(fer2013_label=fer.labels[keep])
    dropped = pd.Series(reasons[~keep]).value_counts()
    info = dict(fer.info) | {
        "dataset": "ferplus",
        "votes": str(file),
        "ties": ties,
        "dropped": {str(k): int(v) for k, v in dropped.items()},
        "changed_labels": int((labels[keep] != fer.labels[keep]).sum()),
        "problems": fer.info.get("problems", []) + problems.records(),
        "n_problems": fer.info.get("n_problems", 0) + problems.count,
    }
    problems.warn(f"FER+ {file}", stacklevel=2)
    return FaceSet(images=out.images, labels=labels[keep], class_names=FER_CLASSES, meta=meta, source=f"{fer.source} + {file}", info=info)
