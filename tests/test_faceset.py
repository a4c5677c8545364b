import numpy as np
import pandas as pd
import pytest

from fer_lib.data.classes import FER_CLASSES, canonical_name
from fer_lib.data.faceset import FaceSet


def _meta(n):
    return pd.DataFrame({"file": [f"f{i}" for i in range(n)], "split": "", "subject": ""})


def test_valid_faceset_counts_and_subset():
    fs = FaceSet(np.zeros((4, 48, 48), np.uint8), np.array([0, 3, 3, 6]), FER_CLASSES, _meta(4), source="test")
    assert fs.class_counts().tolist() == [1, 0, 0, 2, 0, 0, 1]
    sub = fs.subset(np.array([1, 3]))
    assert sub.labels.tolist() == [3, 6] and sub.meta["file"].tolist() == ["f1", "f3"]


@pytest.mark.parametrize(
    "images, labels, meta, message",
    [
        (np.zeros((2, 48, 48), np.float32), np.array([0, 1]), _meta(2), "uint8"),
        (np.zeros((2, 48, 48), np.uint8), np.array([0]), _meta(2), "labels must have shape"),
        (np.zeros((2, 48, 48), np.uint8), np.array([0, 7]), _meta(2), "labels must lie"),
        (np.zeros((2, 48, 48), np.uint8), np.array([0, 1]), _meta(3), "meta must have 2 rows"),
        (np.zeros((2, 48, 48), np.uint8), np.array([0, 1]), _meta(2).drop(columns="subject"), "subject"),
    ],
)
def test_invalid_faceset_is_rejected_with_a_reason(images, labels, meta, message):
    with pytest.raises(ValueError, match=message):
        FaceSet(images, labels, FER_CLASSES, meta, source="test")


def test_label_spellings_map_to_canonical_names():
    assert canonical_name("HAPPINESS") == "happy"
    assert canonical_name(" Sadness ") == "sad"
    assert canonical_name("anger") == "angry"
    with pytest.raises(KeyError, match="'joy'"):
        canonical_name("joy")
