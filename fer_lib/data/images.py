"""Decode any image file to a 48x48 grey uint8 array, judged by content, not name.

OpenCV decodes by the bytes' signature (JPEG, PNG, WebP, BMP, TIFF, ...), so a WebP
under a ``.jpg`` name works; PIL is the fallback for formats OpenCV lacks. Colour
is converted to grey and any size is resized with INTER_AREA (averaging, the right
filter for shrinking).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from os import PathLike

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from fer_lib.data.errors import DataError

SIZE = 48
EXPECTED = "an image file (JPEG, PNG, WebP, ...)"


def _to_size(grey: np.ndarray, size: int) -> np.ndarray:
    if grey.shape != (size, size):
        grey = cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(grey, dtype=np.uint8)


def decode_grey(data: bytes | np.ndarray, name: str | PathLike = "<bytes>") -> np.ndarray:
    """Decode encoded image bytes to a grey uint8 array at the image's own size.

    Raises DataError naming ``name`` when the bytes are not a readable image.
    """
    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) else np.asarray(data, np.uint8)
    if buf.size == 0:
        raise DataError(name, EXPECTED, found="an empty file")
    grey = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    if grey is None or grey.size == 0:
        try:
            with Image.open(io.BytesIO(buf.tobytes())) as im:
                grey = np.asarray(im.convert("L"))
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise DataError(name, EXPECTED, found=f"unreadable content ({type(exc).__name__})") from None
    if grey.ndim != 2 or grey.size == 0:
        raise DataError(name, EXPECTED, found=f"an array of shape {grey.shape}")
    return grey


def resize_grey(grey: np.ndarray, size: int = SIZE) -> np.ndarray:
    """A grey image resized to ``size x size`` uint8 exactly as the data sets are (INTER_AREA)."""
    return _to_size(grey, size)


def decode_image(data: bytes | np.ndarray, name: str | PathLike = "<bytes>", size: int = SIZE) -> np.ndarray:
    """Decode encoded image bytes to a ``size x size`` grey uint8 array.

    Raises DataError naming ``name`` when the bytes are not a readable image.
    """
    return _to_size(decode_grey(data, name), size)


def read_image(path: str | PathLike, size: int = SIZE) -> np.ndarray:
    """Read and decode one image file (see :func:`decode_image`)."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise DataError(path, "a readable file", found=str(exc.strerror or exc)) from None
    return decode_image(data, path, size)


def read_images(paths: Sequence[str | PathLike], size: int = SIZE, *, names: Sequence[str] | None = None) -> tuple[np.ndarray, list[DataError | None]]:
    """Decode many files into an ``N x size x size`` uint8 array, never raising.

    Returns ``(images, errors)``: ``errors[i]`` is None for a decoded file, else the
    DataError (named by ``names[i]``, default the path) and ``images[i]`` is zeros.
    Callers decide whether an error is fatal (strict) or skipped (lenient).
    """
    images = np.zeros((len(paths), size, size), dtype=np.uint8)
    errors: list[DataError | None] = [None] * len(paths)
    for i, path in enumerate(paths):
        try:
            images[i] = read_image(path, size)
        except DataError as exc:
            errors[i] = exc if names is None else DataError(names[i], exc.expected, found=exc.found)
    return images, errors

