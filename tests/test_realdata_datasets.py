"""The loaders on the real data under $FER_DATA_ROOT (skipped when it is absent).

The first FER-2013 load decodes 35,887 JPEGs once (cached under $FER_CACHE_DIR);
every later load in the session reads the cache.
"""

import json
import subprocess
import sys
import warnings

import pytest

from fer_lib.data.audit import audit, leakage_report
from fer_lib.data.registry import load_dataset
from fer_lib.data.splits import official_split, random_split, subject_folds
from fer_lib.paper import PAPER

pytestmark = pytest.mark.realdata


def _load(name, root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset(name, root)


@pytest.fixture(scope="module")
def fer(real_data_root):
    return _load("fer2013", real_data_root)


def test_fer2013_counts(fer):
    assert fer.meta.split.value_counts().to_dict() == {"Training": 28709, "PublicTest": 3589, "PrivateTest": 3589}
    assert fer.class_counts().to_dict() == {"angry": 4953, "disgust": 547, "fear": 5121, "happy": 8989, "sad": 6077, "surprise": 4002, "neutral": 6198}
    assert fer.info["n_problems"] == 0 and fer.meta.file.is_unique


def test_fer2013_duplicates_and_blanks(fer):
    report = audit(fer.images, fer.labels)
    assert len(report.blanks) == 12 and (fer.images[report.blanks] == 0).all()
    # The data README says 1,509 groups / 1,844 extra copies; these decoded JPEGs (and
    # their file bytes alike) hold 7 more groups / 9 more copies, measured with both
    # OpenCV and PIL. The blank faces form one of the groups.
    assert (report.n_groups, report.extra_copies) == (1516, 1853)
    leak = leakage_report(fer.images, official_split(fer.meta))
    assert leak["test_leaked"] > 0 and len(leak["examples"]) > 0


def test_ckplus(real_data_root):
    ck = _load("ckplus", real_data_root)
    assert len(ck) == 981 and ck.meta.subject.nunique() == 118
    assert ck.meta.sequence.nunique() == 327 and ck.meta.groupby("sequence").size().eq(3).all()
    assert ck.class_counts().to_dict() == {"angry": 135, "disgust": 177, "fear": 75, "happy": 207, "sad": 84, "surprise": 249, "contempt": 54}
    folds = subject_folds(ck.labels, ck.meta.subject.to_numpy(), n_folds=10, seed=0)
    owners = [set(ck.meta.subject.to_numpy()[f]) for f in folds]
    assert sum(len(o) for o in owners) == 118


def test_muxspace(real_data_root):
    mux = _load("muxspace", real_data_root)
    info = mux.info
    assert info["legend_rows"] == 13690 and info["distinct_images"] == 13682 and info["repeated_rows"] == 8
    assert [c["image"] for c in info["conflicts"]] == ["Avinash_30.jpg"] and len(info["unlisted"]) == 36
    assert len(mux) == 13681  # the conflicting image is left out
    counts = mux.class_counts().to_dict()
    assert counts["contempt"] == 9 and counts["neutral"] == 6864 and counts["happy"] == 5693


def test_fergit_count(real_data_root):
    fergit = _load("fergit", real_data_root)
    assert len(fergit) == 35887 + 13681 - 9 == 49559
    assert fergit.info["paper_total"] == PAPER["fergit_faces"] and fergit.info["difference_from_paper"] == 259
    s = random_split(fergit.labels, seed=0)
    assert sum(s.sizes().values()) == len(fergit)


def test_ferplus(real_data_root):
    plus = _load("ferplus", real_data_root)
    assert plus.info["dropped"]["no FER+ votes"] == 35887 - 33579
    assert len(plus) + sum(plus.info["dropped"].values()) == 35887
    assert plus.class_names == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def test_cli_summary_json(real_data_root, fer):
    out = subprocess.run(
        [sys.executable, "-m", "fer_lib", "data", "summary", "--dataset", "fer2013", "--root", str(real_data_root), "--json"],
        capture_output=True, text=True, check=True,
    )
    summary = json.loads(out.stdout)
    assert summary["total"] == 35887 and summary["by_split"]["PublicTest"] == 3589
    assert summary["by_class"]["disgust"] == 547 and summary["blanks"] == 12
    assert summary["duplicates"]["groups"] == 1516
