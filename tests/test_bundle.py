"""The portable data bundle: bit-exact round trip, and refusal of a missing or damaged part."""

import numpy as np
import pandas as pd
import pytest

from fer_lib.data import bundle
from fer_lib.data.errors import DataError
from fer_lib.data.registry import load_dataset
from fer_lib.data.synthetic import generate_ckplus_like


@pytest.fixture()
def packed(tmp_path):
    faces = generate_ckplus_like(12, seed=3)
    bundle.pack({"ckplus": faces}, tmp_path, part_bytes=1_050_000 + 20_000)  # small parts: several of them
    return faces, tmp_path


def _same(a, b):
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels) and a.class_names == b.class_names
    pd.testing.assert_frame_equal(a.meta, b.meta)


def test_round_trip_is_bit_exact_and_load_dataset_reads_the_bundle(packed, monkeypatch):
    faces, folder = packed
    assert len(bundle.contents(folder)["datasets"]["ckplus"]["parts"]) >= 2
    _same(faces, bundle.load(folder, "ckplus"))
    monkeypatch.setenv(bundle.BUNDLE_ENV, str(folder))
    _same(faces, load_dataset("ckplus"))
    with pytest.raises(DataError, match=r"data set 'fer2013' in the bundle.*only \['ckplus'\]"):
        load_dataset("fer2013")


def test_a_missing_or_damaged_part_is_refused(packed):
    _, folder = packed
    first = folder / "ckplus-000.npz"
    data = bytearray(first.read_bytes())
    data[-100] ^= 1
    first.write_bytes(bytes(data))
    with pytest.raises(DataError, match="ckplus-000.npz.*another sha256"):
        bundle.load(folder, "ckplus")
    first.unlink()
    with pytest.raises(DataError, match="ckplus-000.npz.*no such file"):
        bundle.load(folder, "ckplus")


@pytest.mark.realdata
def test_fergit_round_trip_on_the_real_data(real_data_root, tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        faces = load_dataset("fergit", real_data_root)
    manifest = bundle.pack({"fergit": faces}, tmp_path)
    parts = manifest["datasets"]["fergit"]["parts"]
    assert all(p["bytes"] <= bundle.PART_BYTES for p in parts) and sum(p["bytes"] for p in parts) < 100_000_000
    _same(faces, bundle.load(tmp_path, "fergit"))


def test_packing_reads_the_downloads_even_when_a_bundle_is_set(packed, monkeypatch):
    _, folder = packed
    monkeypatch.setenv(bundle.BUNDLE_ENV, str(folder))
    assert bundle.bundle_dir(False) is None and bundle.bundle_dir() == folder
