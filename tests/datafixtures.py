"""Tiny data set layouts written into a temporary folder for the loader tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FER_FOLDERS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
CK_FOLDERS = ("anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise")


def face(seed: int, size: int = 48, colour: bool = False) -> np.ndarray:
    """A random image, distinct per seed."""
    rng = np.random.default_rng(seed)
    shape = (size, size, 3) if colour else (size, size)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def write_image(path: Path, image: np.ndarray, ext: str | None = None) -> Path:
    """Encode ``image`` as ``ext`` (default: the path's suffix) and write the bytes to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(ext or path.suffix, image)
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def fer_csv_text(rows: list[tuple[str, str, str]]) -> str:
    return "emotion,pixels,Usage\n" + "".join(f"{e},{p},{u}\n" for e, p, u in rows)


def pixels(seed: int, n: int = 2304) -> str:
    return " ".join(map(str, face(seed).ravel()[:n].tolist() + [7] * max(0, n - 2304)))


def make_fer_folders(root: Path, per_class: int = 2) -> Path:
    """``train/<class>/Training_<id>.png`` and ``test/<class>/PublicTest_/PrivateTest_<id>.png``."""
    k = 0
    for c in FER_FOLDERS:
        for i in range(per_class):
            k += 1
            write_image(root / "train" / c / f"Training_{1000 + k}.png", face(k))
        k += 1
        write_image(root / "test" / c / f"PublicTest_{2000 + k}.png", face(k))
        k += 1
        write_image(root / "test" / c / f"PrivateTest_{3000 + k}.png", face(k))
    return root


def make_ckplus(root: Path, subjects: int = 4) -> Path:
    """Each subject posts one 3-frame sequence per class, cycling through the classes."""
    k = 0
    for s in range(1, subjects + 1):
        for q, c in enumerate(CK_FOLDERS):
            for frame in (10, 11, 12):
                k += 1
                write_image(root / c / f"S{s:03d}_{q + 1:03d}_{frame:08d}.png", face(500 + k))
    return root


def make_muxspace(root: Path) -> Path:
    """A legend with mixed-case labels, a repeated row, a conflicting image and an unlisted file."""
    legend = [
        ("628", "a.jpg", "anger"),
        ("628", "b.jpg", "HAPPINESS"),
        ("jhamski", "c.jpg", "happiness"),
        ("jhamski", "c.jpg", "happiness"),  # repeated row
        ("dwdii", "d.jpg", "SURPRISE"),
        ("dwdii", "d.jpg", "SADNESS"),  # conflicting label
        ("dwdii", "e.jpg", "contempt"),
        ("dwdii", "f.jpg", "Neutral"),
    ]
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "legend.csv").write_text("user.id,image,emotion\n" + "".join(",".join(r) + "\n" for r in legend))
    for i, name in enumerate(["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg", "unlisted.jpg"]):
        write_image(root / "images" / name, face(900 + i, size=60, colour=True))
    return root


def marked_faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Faces that a narrow network learns in a few dozen steps: noise with one bright
    patch whose position is the class (7 classes, balanced)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 7
    images = rng.integers(60, 120, (n, 48, 48)).astype(np.uint8)
    for i, k in enumerate(labels):
        r, c = (k // 4) * 20 + 4, (k % 4) * 11 + 2
        images[i, r : r + 14, c : c + 9] = 230
    return images, labels
