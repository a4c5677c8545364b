"""The paper's last experiment (Figures 9-10): posed photos of one person, each labelled by
the face the detector finds (the largest, when it finds several), with one or more networks.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd

from fer_lib.data.classes import canonical_name
from fer_lib.infer.detect import Photo, load_photo_rgb
from fer_lib.infer.predict import expand_inputs, predict_photos
from fer_lib.settings import data_root, shown


def posed_photos(root: str | Path | None, posed_dir: str | Path | None, scratch: str | Path) -> tuple[list[Path], dict[str, str], str]:
    """The photos, their posed labels by file name, and where they came from: ``posed_dir``;
    else the data root's ``posed/`` (with its ``labels.csv``); else four generated scenes in ``scratch``."""
    from fer_lib.data.synthetic import GENERATED_SCENES, synthetic_scenes

    base = data_root(root)
    folder = Path(posed_dir) if posed_dir else (base / "posed" if base and (base / "posed").is_dir() else None)
    if folder is None:
        return synthetic_scenes(Path(scratch) / "scenes", 4), {}, GENERATED_SCENES
    labels_csv = folder / "labels.csv"
    labels = {}
    if labels_csv.exists():
        table = pd.read_csv(labels_csv)
        labels = {str(f): canonical_name(str(lab)) for f, lab in zip(table["file"], table["label"])}
    return expand_inputs([folder]), labels, shown(folder)


def largest_face(faces: list[dict]) -> dict | None:
    """The face with the largest box, or None when none was found."""
    return max(faces, key=lambda f: f["box"][2] * f["box"][3]) if faces else None


def label_photos(photos: list[Photo], posed: dict[str, str], models: dict[str, keras.Model]) -> tuple[pd.DataFrame, list[dict]]:
    """Each photo's posed label and each model's label and probability for its largest face.

    Returns the table (one row per photo) and the rows :func:`fer_lib.report.figures.posed_figure` draws.
    """
    records = {label: predict_photos(model, photos) for label, model in models.items()}
    table, rows = [], []
    for i, photo in enumerate(photos):
        name = Path(str(photo)).name
        row = {"photo": name, "posed": posed.get(name)}
        fig_row = {"photo": load_photo_rgb(photo), "title": f"{name}\nposed: {posed.get(name, 'unknown')}", "box": None, "probs": {}}
        for label, recs in records.items():
            face = largest_face(recs[i]["faces"])
            row[f"{label}: faces found"] = len(recs[i]["faces"])
            row[label] = face["label"] if face else None
            row[f"{label}: probability"] = face["probs"][face["label"]] if face else np.nan
            if face:
                fig_row["box"], fig_row["probs"][label] = face["box"], face["probs"]
        table.append(row)
        rows.append(fig_row)
    return pd.DataFrame(table).set_index("photo"), rows


def posed_summary(table: pd.DataFrame, label: str) -> dict:
    """How many photos ``label``'s network got right, its mean probability when right and when wrong,
    and each wrong photo's posed expression, prediction and probability, in photo order (a photo
    where no face was found is wrong, with prediction and probability None)."""
    known = table[table["posed"].notna()]
    right = known[label] == known["posed"]
    prob = known[f"{label}: probability"]
    wrong = prob[~right].dropna()
    return {"n_photos": int(len(known)), "n_right": int(right.sum()),
            "confidence_right": float(prob[right].mean()) if right.any() else None,
            "confidence_wrong": float(wrong.mean()) if len(wrong) else None,
            "errors": [{"posed": str(p), "predicted": None if pd.isna(g) else str(g), "probability": None if pd.isna(q) else float(q)}
                       for p, g, q in zip(known.loc[~right, "posed"], known.loc[~right, label], prob[~right])]}
