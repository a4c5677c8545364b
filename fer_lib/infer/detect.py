"""From a photo to 48x48 faces: decode, detect, crop (the paper's last experiment, Figures 9-10).

The paper detects and crops the face in posed photos, reshapes it to 48x48x1 and
classifies it; it does not say how. Here:

- **Decoding** is judged by content, as for the data sets (:func:`fer_lib.data.images.decode_grey`:
  OpenCV by signature, PIL as fallback), so a WebP photo under a ``.jpg`` name works.
  Any size and colour mode; colour becomes grey the way the data sets' images do.
- **Detection**: OpenCV's frontal-face Haar cascade shipped in opencv-python-headless
  (``cv2.data.haarcascades``, nothing downloaded), run on the histogram-equalised grey
  photo with ``scaleFactor=1.1``, ``minNeighbors=5`` and a minimum face side of 15% of the
  photo's shorter side (at least 24 px, the cascade's window). The smallest scales are the
  costliest to search: on the 536x356 posed photos a 10% minimum took 27 ms a photo and 15%
  (53 px, close to the `fer` package's 50 px) 19 ms, with the same faces found. Faces
  smaller than that, as in group photos, need ``DetectorConfig(min_size_fraction=...)``.
  Boxes are returned left to right.
- **Crop**: the detector's box grown by a margin of 10% of its side on every side
  (Haar boxes run from the brows to the mouth; FER-2013's faces include the forehead and
  chin), kept square; where it runs past the photo's edge the edge pixels are repeated.
  The crop is resized to 48x48 with :func:`fer_lib.data.images.resize_grey` (INTER_AREA), the
  same resize that prepares every training image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from os import PathLike
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from fer_lib.data.errors import DataError
from fer_lib.data.images import SIZE, decode_grey, resize_grey

CASCADE = "haarcascade_frontalface_default.xml"
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 5
MIN_SIZE_FRACTION = 0.15
MIN_SIZE_PX = 24
MARGIN = 0.10

Photo = str | PathLike | bytes | np.ndarray


@dataclass(frozen=True)
class DetectorConfig:
    """Haar cascade parameters (see the module's docstring for the reasons)."""

    scale_factor: float = SCALE_FACTOR
    min_neighbors: int = MIN_NEIGHBORS
    min_size_fraction: float = MIN_SIZE_FRACTION
    min_size_px: int = MIN_SIZE_PX
    equalize: bool = True
    margin: float = MARGIN


@lru_cache(maxsize=4)
def _cascade(name: str = CASCADE) -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / name
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise FileNotFoundError(f"OpenCV's Haar cascade {path} could not be loaded (opencv-python-headless 4.x ships it)")
    return cascade


def photo_name(photo: Photo) -> str:
    """A name for messages and output: the path, or ``<array>`` / ``<bytes>``."""
    if isinstance(photo, np.ndarray):
        return "<array>"
    if isinstance(photo, (bytes, bytearray, memoryview)):
        return "<bytes>"
    return str(photo)


def load_photo(photo: Photo) -> np.ndarray:
    """A photo as a full-size grey uint8 array.

    ``photo`` is a path (decoded by content), encoded bytes, or an array: H x W grey,
    H x W x 3 RGB or H x W x 4 RGBA (uint8, or floats in [0, 1]). Raises DataError naming
    the file when it cannot be read or decoded.
    """
    if isinstance(photo, np.ndarray):
        arr = photo
        if arr.dtype != np.uint8:
            if not np.issubdtype(arr.dtype, np.floating):
                raise DataError("<array>", "a uint8 or float image array", found=f"dtype {arr.dtype}")
            arr = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[..., 0]
        if arr.ndim == 3 and arr.shape[2] in (3, 4):
            arr = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY if arr.shape[2] == 3 else cv2.COLOR_RGBA2GRAY)
        if arr.ndim != 2 or arr.size == 0:
            raise DataError("<array>", "an H x W, H x W x 3 or H x W x 4 image array", found=f"shape {photo.shape}")
        return np.ascontiguousarray(arr)
    if isinstance(photo, (bytes, bytearray, memoryview)):
        return decode_grey(photo, "<bytes>")
    try:
        data = np.fromfile(photo, dtype=np.uint8)
    except OSError as exc:
        raise DataError(photo, "a readable file", found=str(exc.strerror or exc)) from None
    return decode_grey(data, photo)


def load_photo_rgb(photo: Photo) -> np.ndarray:
    """A photo as an H x W x 3 RGB uint8 array, for drawing (decoded by content, like :func:`load_photo`)."""
    if isinstance(photo, np.ndarray):
        arr = photo if photo.dtype == np.uint8 else (np.clip(photo, 0, 1) * 255 + 0.5).astype(np.uint8)
        if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 1):
            return cv2.cvtColor(arr.reshape(arr.shape[:2]), cv2.COLOR_GRAY2RGB)
        return np.ascontiguousarray(arr[..., :3])
    name = photo_name(photo)
    if isinstance(photo, (bytes, bytearray, memoryview)):
        data = np.frombuffer(bytes(photo), np.uint8)
    else:
        try:
            data = np.fromfile(photo, dtype=np.uint8)
        except OSError as exc:
            raise DataError(photo, "a readable file", found=str(exc.strerror or exc)) from None
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is not None and bgr.size:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    try:
        with Image.open(io.BytesIO(data.tobytes())) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        decode_grey(data, name)  # raises the DataError that names the file
        raise


def detect_faces(grey: np.ndarray, config: DetectorConfig = DetectorConfig()) -> list[list[int]]:
    """Face boxes ``[x, y, w, h]`` (ints, in the photo's pixels), left to right."""
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError(f"expected a grey uint8 image, got {grey.dtype} of shape {grey.shape}")
    side = max(config.min_size_px, int(round(config.min_size_fraction * min(grey.shape))))
    if side > min(grey.shape):
        return []
    image = cv2.equalizeHist(grey) if config.equalize else grey
    found = _cascade().detectMultiScale(image, scaleFactor=config.scale_factor, minNeighbors=config.min_neighbors, minSize=(side, side))
    boxes = [[int(v) for v in box] for box in (found if len(found) else [])]
    return sorted(boxes, key=lambda b: (b[0], b[1]))


def crop_box(box: list[int], margin: float = MARGIN) -> list[int]:
    """The square crop ``[x, y, side, side]`` around ``box`` grown by ``margin`` of its side on every side.

    It may extend past the photo; :func:`crop_face` repeats the edge pixels there.
    """
    x, y, w, h = box
    side = max(w, h)
    side_out = int(round(side * (1 + 2 * margin)))
    cx, cy = x + w / 2, y + h / 2
    return [int(round(cx - side_out / 2)), int(round(cy - side_out / 2)), side_out, side_out]


def crop_face(grey: np.ndarray, box: list[int], margin: float = MARGIN, size: int = SIZE) -> np.ndarray:
    """The face in ``box`` with its margin, as a ``size x size`` grey uint8 array (training-data resize)."""
    x, y, s, _ = crop_box(box, margin)
    h, w = grey.shape
    pad = max(0, -x, -y, x + s - w, y + s - h)
    if pad:
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x, y = x + pad, y + pad
    return resize_grey(np.ascontiguousarray(grey[y : y + s, x : x + s]), size)


def find_faces(photo: Photo, config: DetectorConfig = DetectorConfig()) -> list[dict]:
    """Every face in a photo as a plain record: ``{"box": [x, y, w, h], "crop_box": [...], "face": 48x48 uint8}``.

    ``box`` is the detector's box in the original photo; ``crop_box`` the square actually
    cropped (box plus margin). No face gives an empty list; an unreadable file raises
    DataError naming it.
    """
    grey = load_photo(photo)
    return [{"box": box, "crop_box": crop_box(box, config.margin), "face": crop_face(grey, box, config.margin)} for box in detect_faces(grey, config)]
