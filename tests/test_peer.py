"""The peer, the ``fer`` package: skipped cleanly when it is not installed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from fer_lib.data.classes import FER_CLASSES
from fer_lib.infer.peer import load_peer


@pytest.fixture(scope="module")
def peer():
    if importlib.util.find_spec("fer") is None:
        pytest.skip("the fer package is not installed (pip install --no-deps fer)")
    detector, desc = load_peer()
    if detector is None:
        pytest.fail(f"fer is installed but cannot run: {desc}")
    return detector


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def test_the_peer_labels_a_given_face_with_our_seven_classes(peer):
    face = np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    out = peer.detect_emotions(face, face_rectangles=[(0, 0, 48, 48)])
    assert len(out) == 1
    assert list(out[0]["emotions"]) == list(FER_CLASSES)
    assert sum(out[0]["emotions"].values()) == pytest.approx(1.0, abs=0.05)  # fer rounds to 2 decimals


@pytest.mark.realdata
def test_the_peer_and_we_find_the_same_face_in_the_posed_photos(peer, real_data_root):
    from fer_lib.infer.detect import find_faces
    from fer_lib.infer.predict import expand_inputs

    for path in expand_inputs([real_data_root / "posed"]):
        theirs = peer.detect_emotions(str(path))
        ours = find_faces(path)
        assert len(theirs) == len(ours) == 1, path.name
        assert iou([int(v) for v in theirs[0]["box"]], ours[0]["box"]) > 0.8, path.name
