"""Photos to labelled faces: detect and crop (:mod:`fer_lib.infer.detect`), then classify with a Keras model.

Every face of every photo is classified in one batched pass, through fer_lib's
``preprocess`` (uint8 -> float32 in [0, 1], N x 48 x 48 x 1) and the model called
directly in inference mode (``model(x, training=False)`` inside one traced
``tf.function`` per model, without ``model.predict``'s per-call set-up).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import keras
import numpy as np

from fer_lib.data.classes import FER_CLASSES
from fer_lib.data.errors import DataError
from fer_lib.infer.detect import DetectorConfig, Photo, find_faces, photo_name
from fer_lib.model.preprocess import preprocess

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".pgm", ".ppm", ".jfif"}
BATCH_SIZE = 256

_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def predict_function(model: keras.Model):
    """``f(x float32 N x 48 x 48 x 1) -> probabilities``: the model in inference mode, traced once."""
    fn = _FUNCTIONS.get(model)
    if fn is None:
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)
            fn = tf.function(lambda x: model(x, training=False), input_signature=[spec], autograph=False)
        else:  # JAX and PyTorch machines have no TensorFlow: call the model as it is
            fn = lambda x: keras.ops.convert_to_numpy(model(x, training=False))  # noqa: E731
        _FUNCTIONS[model] = fn
    return fn


def classify_faces(model: keras.Model, faces: np.ndarray, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Class probabilities (N x classes, float64) for uint8 N x 48 x 48 faces."""
    if len(faces) == 0:
        return np.zeros((0, model.output_shape[-1]))
    x = preprocess(np.asarray(faces))
    fn = predict_function(model)
    return np.concatenate([np.asarray(fn(x[i : i + batch_size]), dtype=np.float64) for i in range(0, len(x), batch_size)])


def _labelled(box: list[int], probs: np.ndarray, class_names: Sequence[str]) -> dict:
    return {"box": list(box), "label": class_names[int(np.argmax(probs))], "probs": {c: float(p) for c, p in zip(class_names, probs)}}


def predict_photos(
    model: keras.Model,
    photos: Sequence[Photo],
    *,
    class_names: Sequence[str] = FER_CLASSES,
    config: DetectorConfig = DetectorConfig(),
    batch_size: int = BATCH_SIZE,
) -> list[dict]:
    """One record per photo: ``{"file", "faces": [{"box", "label", "probs"}], "error"}``.

    A photo without a face has ``faces == []``; an unreadable one has ``error`` (a message
    naming it) and the others are still processed. All faces go through the model in
    one batched pass.
    """
    if model.output_shape[-1] != len(class_names):
        raise ValueError(f"the model has {model.output_shape[-1]} outputs but {len(class_names)} class names were given")
    records, crops, owners = [], [], []
    for i, photo in enumerate(photos):
        record = {"file": photo_name(photo), "faces": [], "error": None}
        try:
            found = find_faces(photo, config)
        except DataError as exc:
            record["error"] = str(exc)
            found = []
        for face in found:
            crops.append(face["face"])
            owners.append((i, face["box"]))
        records.append(record)
    if crops:
        probs = classify_faces(model, np.stack(crops), batch_size)
        for (i, box), p in zip(owners, probs):
            records[i]["faces"].append(_labelled(box, p, class_names))
    return records


def predict_faces(model: keras.Model, photo: Photo, **kwargs) -> list[dict]:
    """The faces of one photo: ``[{"box": [x, y, w, h], "label": ..., "probs": {class: p}}]``.

    Raises DataError naming the file when it cannot be read.
    """
    record = predict_photos(model, [photo], **kwargs)[0]
    if record["error"]:
        raise DataError(record["file"], "a readable photo", found=record["error"])
    return record["faces"]


def expand_inputs(inputs: Sequence[str | PathLike]) -> list[Path]:
    """Files as given, and the image files (by suffix, sorted) of each directory given.

    Files named explicitly are always tried (their content decides); in a directory,
    non-image files such as ``labels.csv`` are passed over.
    """
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES))
        else:
            out.append(p)
    return out
