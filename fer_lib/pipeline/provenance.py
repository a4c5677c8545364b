"""Where a number came from: the environment, the data and the run."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata

from fer_lib.data.faceset import FaceSet
from fer_lib.settings import REPO_ROOT, shown
from fer_lib.train.precision import cpu_kind, onednn_enabled, speed_features

PACKAGES = ("fer_lib", "numpy", "keras", "tensorflow-cpu", "tensorflow", "jax", "scikit-learn", "opencv-python-headless", "papermill", "jupyter-book")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of the named distributions (absent ones left out)."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def cpu_name() -> str:
    """The processor's model name, as the OS reports it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_id() -> str | None:
    """The processor's family, model and stepping numbers (``/proc/cpuinfo``), which tell apart CPUs
    sold under one model name (``AMD EPYC`` covers Zen 3 and Zen 4 parts); None where unknown."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("cpu family", "model", "stepping") and key.strip() not in fields:
                    fields[key.strip()] = value.strip()
                if not line.strip():
                    break
    except OSError:
        return None
    return ", ".join(f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if k in fields) or None


def git_commit() -> str | None:
    """The repository's HEAD commit, with ``-dirty`` when its tracked files have changes
    (outside ``runs/``: run folders are what the code writes, not code)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)runs"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def environment() -> dict:
    """Python, platform, CPU (its name, kind, speed features and oneDNN's state), core count (and the
    cores this process may use), package versions, git commit and time."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_id": cpu_id(),
        "cpu_kind": cpu_kind(),
        "cpu_features": speed_features(),
        "onednn": onednn_enabled() if keras_backend() == "tensorflow" else None,  # TensorFlow's kernels only
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "packages": package_versions(),
        "keras_backend": keras_backend(),
        "git_commit": git_commit(),
        "time_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def keras_backend() -> str:
    """The Keras backend in use: Keras' own answer once imported, else what it would choose
    ($KERAS_BACKEND, else ~/.keras/keras.json, else TensorFlow)."""
    import json
    import sys
    from pathlib import Path

    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def data_fingerprint(faces: FaceSet, root: str | None = None) -> dict:
    """A summary and a SHA-256 of a FaceSet's pixels and labels (its source as a reader
    should see it: under ``$FER_DATA_ROOT``, whether the root came from ``root`` or the variable)."""
    h = hashlib.sha256()
    h.update(faces.images.tobytes())
    h.update(faces.labels.astype("<i8").tobytes())
    return {
        "source": shown(faces.source, root),
        "synthetic": faces.is_synthetic,
        "n": len(faces),
        "classes": list(faces.class_names),
        "counts": {k: int(v) for k, v in faces.class_counts().items()},
        "sha256": h.hexdigest(),
    }


def device_description() -> str:
    """The accelerator Keras computes on, or the CPU when there is none."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            devices = jax.devices()
            return ", ".join(sorted({f"{d.platform}:{getattr(d, 'device_kind', d)}" for d in devices})) + f" (x{len(devices)})"
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
                return f"GPU: {', '.join(names)}"
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"GPU: {torch.cuda.get_device_name(0)} (x{torch.cuda.device_count()})"
    except Exception as exc:  # a broken driver must not stop a run from being recorded
        return f"unknown ({type(exc).__name__}: {exc})"
    return f"CPU: {cpu_name()} ({cpu_kind()})"


def json_default(value):
    """``json.dumps`` fallback for NumPy arrays and scalars and paths; anything else is an error."""
    from pathlib import PurePath

    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
