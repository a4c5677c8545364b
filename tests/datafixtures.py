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
        for _ in range(per_class):
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


CLASSES7 = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def training_record(run_dir: Path, name: str, *, accuracy: float = 0.6, synthetic: bool = False, epochs_run: int = 5, epochs: int = 100,
                    status: str = "paused", dataset: str = "fergit", split: str = "random", seed: int = 0, minutes_per_epoch: float = 5.0):
    """Write a TrainingRecord whose test set of 100 faces scores ``accuracy``, into ``run_dir/training/name``."""
    from fer_lib.pipeline.records import DataInfo, Metrics, Outcome, Session, TrainingRecord, write_record
    from fer_lib.train.evaluate import metrics_from_proba

    labels = np.arange(100) % 7
    right = int(round(accuracy * 100))
    pred = np.where(np.arange(100) < right, labels, (labels + 1) % 7)
    metrics = Metrics(**metrics_from_proba(np.eye(7)[pred], labels, CLASSES7))
    history = [{"epoch": e, "accuracy": 0.5 + e / 100, "loss": 1.5 - e / 100, "val_accuracy": 0.5 + e / 200, "val_loss": 1.2 - e / 1000,
                "epoch_time_s": minutes_per_epoch * 60, "train_time_s": minutes_per_epoch * 55} for e in range(epochs_run)]
    record = TrainingRecord(
        name=name, profile="test", params={"dataset": dataset, "split": split},
        config={"arch": "basic" if name == "basic" else "residual", "width": 1.0, "epochs": epochs, "batch_size": 64, "precision": "mixed_bfloat16",
                "class_weights": "balanced", "seed": seed, "bn_refresh_faces": 1024},
        data=DataInfo(source="synthetic" if synthetic else "fergit($FER_DATA_ROOT/fer2013 + $FER_DATA_ROOT/muxspace)", synthetic=synthetic, n=1000,
                      classes=list(CLASSES7), counts={c: 100 for c in CLASSES7}, sha256="ab" * 32, split_protocol=split,
                      split_sizes={"train": 800, "val": 100, "test": 100}, split_sha256="cd" * 32),
        environment={"device": "CPU: test", "git_commit": "abc1234", "cpu_count": 2},
        training=Outcome(status=status, epochs_run=epochs_run, session_wall_s=1.0, train_images_per_s=150.0, class_weight=None, replicas=1,
                         jit_compile=False, inputs_sha256="ef" * 32, best_epoch=epochs_run, best_val_accuracy=0.5 + (epochs_run - 1) / 200,
                         train_wall_s=epochs_run * minutes_per_epoch * 60),
        history=history, sessions=[Session(wall_s=1.0, status=status, epochs_run=epochs_run)], total_wall_s=1.0,
        interim=status == "paused", val=metrics, test=metrics)
    write_record(record, Path(run_dir) / "training" / name / "run.json")
    return record


def faces_split(n: int, seed: int, n_train: int):
    """``n`` synthetic faces as (x_train, y_train, x_val, y_val), the first ``n_train`` for training."""
    from fer_lib.data.synthetic import generate_faces

    faces = generate_faces(n, seed=seed)
    x, y = faces.images, faces.labels
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def model_weights(path) -> list:
    """The weights of the model saved at ``path``, as NumPy arrays."""
    import keras

    return [np.asarray(w) for w in keras.models.load_model(path).get_weights()]
