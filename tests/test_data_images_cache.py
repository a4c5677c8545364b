import os

import cv2
import numpy as np
import pytest
from datafixtures import face, make_ckplus, write_image

from fer_lib.data import cache, images
from fer_lib.data.errors import DataError, Problems
from fer_lib.data.loaders import load_ckplus


def test_decode_colour_any_size_to_48_grey(tmp_path):
    colour = face(1, size=100, colour=True)
    path = write_image(tmp_path / "x.png", colour)
    out = images.read_image(path)
    expected = cv2.resize(cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)
    assert out.shape == (48, 48) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def test_problems_strict_raises_lenient_records():
    err = DataError("f.csv", "7 fields", row=3, found="2")
    assert str(err) == "f.csv, row 3: expected 7 fields; found 2"
    with pytest.raises(DataError):
        Problems(lenient=False).add(err)
    p = Problems(lenient=True)
    p.add(err)
    assert p.count == 1 and p.records() == [{"file": "f.csv", "row": 3, "reason": "expected 7 fields; found 2"}]


def test_cache_hit_skips_decoding_and_matches(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    root = make_ckplus(tmp_path / "ck", subjects=2)
    first = load_ckplus(root)
    assert len(list((tmp_path / "cache").glob("ckplus-*.npz"))) == 1

    def boom(*a, **k):
        raise AssertionError("decoded again despite a cache entry")

    monkeypatch.setattr(cache, "read_images", boom)
    second = load_ckplus(root)
    assert np.array_equal(first.images, second.images) and np.array_equal(first.labels, second.labels)
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_cache_invalidates_when_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    root = make_ckplus(tmp_path / "ck", subjects=2)
    before = load_ckplus(root)
    target = root / before.meta.file[0]
    new = np.full((48, 48), 77, np.uint8)
    write_image(target, new)
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    after = load_ckplus(root)
    assert np.array_equal(after.images[0], new) and not np.array_equal(before.images[0], new)
    assert np.array_equal(after.images[1:], before.images[1:])
    assert len(list((tmp_path / "cache").glob("ckplus-*.npz"))) == 2


def test_corrupt_cache_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    root = make_ckplus(tmp_path / "ck", subjects=2)
    good = load_ckplus(root)
    (entry,) = (tmp_path / "cache").glob("ckplus-*.npz")
    entry.write_bytes(b"garbage")
    assert np.array_equal(load_ckplus(root).images, good.images)


def test_save_npz_atomic_round_trip(tmp_path):
    arrays = {"a": np.arange(5, dtype=np.uint8), "s": np.asarray(["x", "yz"])}
    cache.save_npz_atomic(tmp_path / "e.npz", arrays)
    back = cache.load_npz(tmp_path / "e.npz")
    assert back["a"].tolist() == [0, 1, 2, 3, 4] and back["s"].tolist() == ["x", "yz"]
    assert [p.name for p in tmp_path.iterdir()] == ["e.npz"]
