"""Decoded arrays cached as .npz files under :func:`fer_lib.settings.cache_dir`.

An entry's key is a hash of its source files' paths, sizes and modification times
(plus the loader's own parameters), so changing, adding or removing a file makes a
new key and the stale entry is simply never read again. Entries are written to a
temporary file and renamed into place, so a crash never leaves half a file under
a valid name. Arrays are plain numeric or unicode arrays: no pickles.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from os import PathLike
from pathlib import Path

import numpy as np

from fer_lib.data.errors import DataError
from fer_lib.data.images import SIZE, read_images
from fer_lib.settings import cache_dir

CACHE_VERSION = 1  # bump when the decoding itself changes


def fingerprint(paths: Iterable[str | PathLike], *, root: str | PathLike | None = None, extra: Sequence[object] = ()) -> str:
    """SHA-256 over each file's path (relative to ``root``), size and mtime, and ``extra``."""
    h = hashlib.sha256(f"fer_lib-cache-v{CACHE_VERSION}".encode())
    for item in extra:
        h.update(repr(item).encode() + b"\0")
    base = Path(root) if root is not None else None
    for path in paths:
        st = os.stat(path)
        name = os.path.relpath(path, base) if base is not None else os.path.abspath(path)
        h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cache_path(kind: str, key: str) -> Path:
    """Where the entry ``kind``/``key`` lives."""
    return cache_dir() / f"{kind}-{key[:32]}.npz"


def save_npz_atomic(path: str | PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_npz(path: str | PathLike) -> dict[str, np.ndarray] | None:
    """The arrays in ``path``, or None when it is absent or unreadable (then it is rebuilt)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
        return None


def cached_arrays(kind: str, key: str, build: Callable[[], dict[str, np.ndarray]], *, use_cache: bool = True) -> dict[str, np.ndarray]:
    """The arrays cached under ``kind``/``key``; built with ``build()`` and stored on a miss."""
    if not use_cache:
        return build()
    path = cache_path(kind, key)
    arrays = load_npz(path)
    if arrays is None:
        arrays = build()
        try:
            save_npz_atomic(path, arrays)
        except OSError:
            pass  # a read-only cache folder only costs speed
    return arrays


def decode_files(paths: Sequence[Path], names: Sequence[str], *, kind: str, root: Path, size: int = SIZE, use_cache: bool = True) -> tuple[np.ndarray, list[DataError | None]]:
    """Decode image files through the cache: ``(images, errors)`` as :func:`fer_lib.data.images.read_images`.

    Failures are cached too (file, expected, found), so a lenient reload reports the
    same problems and a strict reload raises the same error without decoding again.
    """
    key = fingerprint(paths, root=root, extra=(kind, size, tuple(names)))

    def build() -> dict[str, np.ndarray]:
        images, errors = read_images(paths, size, names=names)
        bad = [i for i, e in enumerate(errors) if e is not None]
        return {
            "images": images,
            "bad": np.asarray(bad, dtype=np.int64),
            "expected": np.asarray([errors[i].expected for i in bad], dtype=str),
            "found": np.asarray([errors[i].found or "" for i in bad], dtype=str),
        }

    arrays = cached_arrays(kind, key, build, use_cache=use_cache)
    errors: list[DataError | None] = [None] * len(paths)
    for i, expected, found in zip(arrays["bad"].tolist(), arrays["expected"].tolist(), arrays["found"].tolist()):
        errors[i] = DataError(names[i], expected, found=found or None)
    return arrays["images"], errors
