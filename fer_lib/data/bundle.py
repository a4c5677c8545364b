"""A portable data bundle: the exact arrays the loaders produce, lossless and compact, in parts.

``pack`` writes, for each data set, its faces as PNG (lossless, about 0.9 KB for a 48x48
face) concatenated into ``.npz`` parts of at most ``part_bytes`` each, with the labels,
the class names, the metadata table and a SHA-256 of every part and of the decoded set
(the same digest as :func:`fer_lib.pipeline.provenance.data_fingerprint`). ``load``
reads a set back and refuses a missing part, a part whose SHA-256 differs, or decoded
faces whose digest differs. Reading needs only NumPy, pandas and OpenCV (or Pillow):
the bundle carries a data set to a machine without the original downloads, such as a
GPU box (``FER_DATA_BUNDLE=DIR``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.data.errors import DataError
from fer_lib.data.faceset import FaceSet
from fer_lib.settings import shown

BUNDLE_ENV = "FER_DATA_BUNDLE"
MANIFEST = "manifest.json"
FORMAT = "fer_lib data bundle"
VERSION = 1
PART_BYTES = 40_000_000


def faces_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """The digest a FaceSet's pixels and labels get in records (``data_fingerprint``)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(images).tobytes())
    h.update(np.asarray(labels).astype("<i8").tobytes())
    return h.hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _encode_png(image: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise ValueError("OpenCV could not encode a face as PNG")
    return buf.tobytes()


def _decode_png(data: bytes) -> np.ndarray:
    try:
        import cv2

        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except ImportError:  # Pillow will do
        from PIL import Image

        return np.asarray(Image.open(io.BytesIO(data)))


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return json.loads(json.dumps(value, default=str))


def pack(sets: dict[str, FaceSet], out: str | os.PathLike, part_bytes: int = PART_BYTES) -> dict:
    """Write each named FaceSet into the bundle folder ``out`` (added to an existing bundle's
    manifest); returns the manifest."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"format": FORMAT, "version": VERSION, "datasets": {}}
    for name, faces in sets.items():
        for old in out.glob(f"{name}-*.npz"):
            old.unlink()
        parts, chunk, start = [], [], 0

        def flush(end: int) -> None:
            nonlocal chunk, start
            if not chunk:
                return
            offsets = np.cumsum([0] + [len(c) for c in chunk]).astype(np.int64)
            file = out / f"{name}-{len(parts):03d}.npz"
            np.savez(file, png=np.frombuffer(b"".join(chunk), np.uint8), offsets=offsets, labels=faces.labels[start:end].astype(np.int64))
            parts.append({"file": file.name, "sha256": _sha256_file(file), "start": start, "count": end - start, "bytes": file.stat().st_size})
            chunk, start = [], end

        size = 0
        for i, image in enumerate(faces.images):
            png = _encode_png(image)
            if size + len(png) > part_bytes - 1_000_000 and chunk:  # leave room for the index and labels
                flush(i)
                size = 0
            chunk.append(png)
            size += len(png)
        flush(len(faces))
        meta_file = f"{name}.meta.json"
        _write_meta(faces.meta, out / meta_file)
        manifest["datasets"][name] = {
            "n": len(faces), "shape": list(faces.images.shape[1:]), "class_names": list(faces.class_names), "source": shown(faces.source),
            "sha256": faces_sha256(faces.images, faces.labels), "meta": meta_file, "meta_sha256": _sha256_file(out / meta_file),
            "info": json.loads(shown(json.dumps(_jsonable(faces.info)))), "parts": parts,
        }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def bundle_dir(explicit: str | os.PathLike | bool | None = None) -> Path | None:
    """The bundle folder: ``explicit``, else ``$FER_DATA_BUNDLE``, else None; ``False``: none (read the downloads)."""
    if explicit is False:
        return None
    value = explicit if explicit not in (None, "") else os.environ.get(BUNDLE_ENV)
    return Path(value).expanduser() if value else None


def contents(folder: str | os.PathLike) -> dict:
    """The bundle's manifest; DataError when there is none or it is not a bundle's."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise DataError(path, f"a data bundle manifest (write one with `python -m fer_lib data pack --out {folder}`)", found="no such file")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DataError(path, f"a {FORMAT} manifest, version {VERSION}", found=f"{manifest.get('format')!r} version {manifest.get('version')!r}")
    return manifest


def load(folder: str | os.PathLike, name: str) -> FaceSet:
    """Data set ``name`` from a bundle, checked part by part and as a whole."""
    folder = Path(folder)
    manifest = contents(folder)
    if name not in manifest["datasets"]:
        raise DataError(folder / MANIFEST, f"data set {name!r} in the bundle", found=f"only {sorted(manifest['datasets'])}")
    entry = manifest["datasets"][name]
    images = np.empty((entry["n"], *entry["shape"]), np.uint8)
    labels = np.empty(entry["n"], np.int64)
    for part in entry["parts"]:
        path = folder / part["file"]
        if not path.is_file():
            raise DataError(path, f"part {part['file']} of {name} in the bundle ({part['count']} faces)", found="no such file")
        if _sha256_file(path) != part["sha256"]:
            raise DataError(path, f"sha256 {part['sha256'][:12]} as the manifest says", found="another sha256: the part is damaged or from another bundle")
        with np.load(path, allow_pickle=False) as z:
            png, offsets, part_labels = z["png"], z["offsets"], z["labels"]
        for k in range(part["count"]):
            images[part["start"] + k] = _decode_png(png[offsets[k] : offsets[k + 1]].tobytes())
        labels[part["start"] : part["start"] + part["count"]] = part_labels
    meta_path = folder / entry["meta"]
    if not meta_path.is_file() or _sha256_file(meta_path) != entry["meta_sha256"]:
        raise DataError(meta_path, f"the metadata table of {name} with sha256 {entry['meta_sha256'][:12]}", found="missing or different")
    meta = _read_meta(meta_path)
    if faces_sha256(images, labels) != entry["sha256"]:
        raise DataError(folder / MANIFEST, f"{name}'s faces with sha256 {entry['sha256'][:12]}", found="other faces after decoding")
    return FaceSet(images=images, labels=labels, class_names=tuple(entry["class_names"]), meta=meta, source=entry["source"], info=entry["info"])


def _write_meta(meta: pd.DataFrame, path: Path) -> None:
    """The metadata table as JSON: column order, dtypes and values, missing values as null."""
    columns = {c: [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in meta[c].tolist()] for c in meta.columns}
    path.write_text(json.dumps({"dtypes": {c: str(t) for c, t in meta.dtypes.items()}, "columns": columns}))


def _read_meta(path: Path) -> pd.DataFrame:
    raw = json.loads(path.read_text())
    return pd.DataFrame({c: pd.Series(values, dtype=raw["dtypes"][c]) for c, values in raw["columns"].items()}, columns=list(raw["dtypes"]))
