"""Models on disk: the standard ``.keras`` format, loaded safely, and a portable TFLite export.

- :func:`load_model` reads only ``.keras`` files, with ``safe_mode=True`` and no custom
  objects: a file whose config carries Python code (a ``Lambda`` layer) is refused, so
  loading a model file never runs code from it. The paper's networks (``fer_lib.model.networks``)
  use built-in layers only.
- :func:`export_tflite` converts a model with ``tf.lite.TFLiteConverter.from_keras_model``
  (works with TensorFlow 2.21 and Keras 3), float32, no quantisation, batch dimension
  dynamic. :class:`TFLiteModel` runs it with TensorFlow's own interpreter, and
  :func:`compare_tflite` checks its probabilities against Keras' (measured: max abs
  difference 6e-6 on the full residual network, 6e-8 at width 0.125; tolerance
  ``EXPORT_TOLERANCE`` = 1e-4).
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from os import PathLike
from pathlib import Path

import keras
import numpy as np

from fer_lib.settings import REPO_ROOT

DEFAULT_MODEL_PATH = REPO_ROOT / "models" / "residual.keras"

EXPORT_TOLERANCE = 1e-4

def shown_path(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)

def _train_hint() -> str:
    return (
        "train one with `python -m fer_lib train --profile PROFILE --out runs/NAME` (it writes runs/NAME/model.keras), "
        f"then pass it with --model runs/NAME/model.keras or copy it to {shown_path(DEFAULT_MODEL_PATH)}"
    )

class ModelNotFound(FileNotFoundError):
    """No model file where one was asked for (or no default model yet)."""

class UnsafeModel(ValueError):
    """A model file that would run code when loaded (a Lambda layer), or not in the ``.keras`` format."""

def default_model_path() -> Path:
    """The project's default trained model (``models/residual.keras``), whether or not it exists yet."""
    return DEFAULT_MODEL_PATH

def resolve_model_path(path: str | PathLike | None = None) -> Path:
    """``path``, or the default model; raises ModelNotFound explaining how to get one."""
    if path is None:
        p = DEFAULT_MODEL_PATH
        if not p.is_file():
            raise ModelNotFound(f"no trained model: the default {shown_path(p)} does not exist yet; {_train_hint()}")
        return p
    p = Path(path)
    if not p.is_file():
        raise ModelNotFound(f"model file {p} does not exist; {_train_hint()}")
    return p

def save_model(model: keras.Model, path: str | PathLike) -> Path:
    """Save in the standard ``.keras`` format (written to a temporary name, then renamed)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"save models as .keras files, got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)
    return path

class CorruptModel(ValueError):
    """A model file that is not a whole ``.keras`` archive (truncated, or another kind of file)."""


KERAS_MEMBERS = ("config.json", "model.weights.h5")


def check_keras_file(path: Path) -> None:
    """CorruptModel naming the file, its size and what was expected unless ``path`` is a whole
    ``.keras`` archive: a zip whose members read back (CRC-checked) and hold a config and weights."""
    import zipfile

    size = path.stat().st_size
    expected = f"expected a .keras file: a zip archive holding {' and '.join(KERAS_MEMBERS)}"
    try:
        with zipfile.ZipFile(path) as z:
            missing = [m for m in KERAS_MEMBERS if m not in z.namelist()]
            bad = z.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise CorruptModel(f"{path} ({size:,} bytes) is not a whole model file: {expected} ({exc}); "
                           f"a truncated copy or download is the usual cause") from None
    if missing:
        raise CorruptModel(f"{path} ({size:,} bytes) is not a Keras model file: {expected}, and it lacks {missing}")
    if bad:
        raise CorruptModel(f"{path} ({size:,} bytes) is damaged: its member {bad!r} fails its CRC check")


def load_trainer(path: str | PathLike) -> keras.Model:
    """A saved trainer (a resumable state's ``model.keras``: augmentation, network and optimizer), checked first."""
    p = Path(path)
    check_keras_file(p)
    return keras.models.load_model(p)


def load_model(path: str | PathLike | None = None) -> keras.Model:
    """Load a ``.keras`` model safely (``safe_mode=True``, no custom objects, not compiled).

    ``path`` None loads the default model. Raises ModelNotFound when the file is missing,
    CorruptModel when it is not a whole ``.keras`` archive, and UnsafeModel when it is not
    a ``.keras`` file or holds a Lambda layer.
    """
    p = resolve_model_path(path)
    if p.suffix != ".keras":
        raise UnsafeModel(f"{p}: only .keras model files are loaded (legacy .h5 / SavedModel files are not safe-mode checked)")
    check_keras_file(p)
    try:
        model = keras.models.load_model(p, compile=False, safe_mode=True)
    except ValueError as exc:
        if "lambda" in str(exc).lower() or "safe_mode" in str(exc):
            raise UnsafeModel(f"{p}: refused: the file holds Python code (a Lambda layer) that safe loading will not run") from None
        raise
    lambdas = [layer.name for layer in _all_layers(model) if isinstance(layer, keras.layers.Lambda)]
    if lambdas:
        raise UnsafeModel(f"{p}: refused: Lambda layers {lambdas}")
    return model

def _all_layers(model: keras.Model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)

def export_tflite(model: keras.Model, out: str | PathLike) -> Path:
    """Write ``model`` as a float32 TFLite flatbuffer (dynamic batch) to ``out``."""
    import tensorflow as tf

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():  # the converter prints its traced signature
        warnings.simplefilter("ignore")
        flatbuffer = converter.convert()
    out.write_bytes(flatbuffer)
    return out

class TFLiteModel:
    """A TFLite classifier: ``predict(x)`` on float32 N x 48 x 48 x 1 gives N x classes probabilities."""

    def __init__(self, path: str | PathLike, num_threads: int | None = None) -> None:
        import tensorflow as tf

        with warnings.catch_warnings():  # tf.lite.Interpreter's deprecation notice (LiteRT); it works in TF 2.21
            warnings.simplefilter("ignore")
            self.interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=num_threads)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self._batch = None

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if self._batch != len(x):
            self.interpreter.resize_tensor_input(self.input["index"], [len(x), *x.shape[1:]])
            self.interpreter.allocate_tensors()
            self._batch = len(x)
        self.interpreter.set_tensor(self.input["index"], x)
        self.interpreter.invoke()
        return np.array(self.interpreter.get_tensor(self.output["index"]))

def probe_batch(n: int = 32, seed: int = 0) -> np.ndarray:
    """Inputs to compare exports on: synthetic faces and uniform noise, float32 in [0, 1], N x 48 x 48 x 1."""
    from fer_lib.data.synthetic import generate_faces
    from fer_lib.model.preprocess import preprocess

    faces = generate_faces(max(1, n // 2), seed=seed).images
    noise = np.random.default_rng(seed).integers(0, 256, (n - len(faces), 48, 48), dtype=np.uint8)
    return preprocess(np.concatenate([faces, noise]))

def compare_tflite(model: keras.Model, tflite_path: str | PathLike, x: np.ndarray | None = None) -> float:
    """Max absolute difference between Keras' and the TFLite file's probabilities on ``x`` (default :func:`probe_batch`)."""
    x = probe_batch() if x is None else x
    ref = np.asarray(model(x, training=False), dtype=np.float32)
    got = TFLiteModel(tflite_path).predict(x)
    return float(np.max(np.abs(ref - got)))
