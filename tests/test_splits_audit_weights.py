import numpy as np
import pandas as pd
import pytest

from fer_lib.data.audit import audit, blank_images, deduplicate, duplicate_groups, leakage_report, pixel_groups
from fer_lib.data.splits import Split, fold_split, official_split, random_split, subject_folds
from fer_lib.train.class_weights import EmptyClassError, class_weight_table, class_weights

rng = np.random.default_rng(0)
LABELS = np.repeat(np.arange(7), [400, 40, 300, 700, 350, 250, 460])


def test_random_split_is_a_seeded_stratified_partition():
    a = random_split(LABELS, seed=3)
    b = random_split(LABELS, seed=3)
    c = random_split(LABELS, seed=4)
    for part in ("train", "val", "test"):
        assert np.array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.test, c.test)
    everything = np.concatenate([a.train, a.val, a.test])
    assert len(everything) == len(LABELS) and len(np.unique(everything)) == len(LABELS)
    sizes = a.sizes()
    assert abs(sizes["test"] - 0.05 * len(LABELS)) <= 1 and abs(sizes["val"] - 0.05 * len(LABELS)) <= 1
    overall = np.bincount(LABELS) / len(LABELS)
    for part in (a.train, a.val, a.test):
        share = np.bincount(LABELS[part], minlength=7) / len(part)
        assert np.abs(share - overall).max() < 0.01


def test_random_split_of_a_subset_index():
    idx = np.arange(0, len(LABELS), 2)
    s = random_split(LABELS, index=idx, val=0.1, test=0.1, seed=1)
    assert set(np.concatenate([s.train, s.val, s.test])) == set(idx.tolist())


def test_official_split_from_meta():
    meta = pd.DataFrame({"split": ["Training", "PublicTest", "Training", "PrivateTest", "Training"]})
    s = official_split(meta)
    assert s.train.tolist() == [0, 2, 4] and s.val.tolist() == [1] and s.test.tolist() == [3]
    with pytest.raises(ValueError, match="PrivateTest"):
        official_split(meta.iloc[:3])


def test_subject_folds_never_share_a_subject_and_are_seeded():
    subjects = np.repeat([f"S{i:03d}" for i in range(40)], 21)
    labels = np.tile(np.repeat(np.arange(7), 3), 40)
    folds = subject_folds(labels, subjects, n_folds=10, seed=5)
    assert len(folds) == 10
    assert np.array_equal(np.sort(np.concatenate(folds)), np.arange(len(labels)))
    seen: set[str] = set()
    for f in folds:
        s = set(subjects[f])
        assert not s & seen
        seen |= s
    again = subject_folds(labels, subjects, n_folds=10, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(folds, again))
    split = fold_split(folds, 0)
    assert not set(subjects[split.train]) & set(subjects[split.test])
    assert not set(subjects[split.val]) & set(subjects[split.test])
    with pytest.raises(ValueError, match="subjects"):
        subject_folds(labels[:21], subjects[:21], n_folds=5)
    with pytest.raises(ValueError, match="n_folds >= 3"):
        fold_split(subject_folds(labels, subjects, n_folds=2, seed=5), 0)


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, 255, (n, 48, 48), dtype=np.uint8)


def test_duplicates_and_blanks():
    imgs = _images(10)
    imgs[7] = imgs[2]
    imgs[9] = imgs[2]
    imgs[8] = imgs[4]
    imgs[3] = 0
    imgs[5] = 128
    groups = duplicate_groups(imgs)
    assert [g.tolist() for g in groups] == [[2, 7, 9], [4, 8]]
    assert blank_images(imgs).tolist() == [3, 5]
    g = pixel_groups(imgs)
    assert g[2] == g[7] == g[9] and g[0] == 0 and len(np.unique(g)) == 7
    labels = np.array([0, 0, 1, 0, 2, 0, 0, 1, 3, 1])
    report = audit(imgs, labels)
    assert report.summary() == {"images": 10, "duplicate_groups": 2, "extra_copies": 3, "conflicting_label_groups": 1, "blanks": 2}
    assert report.conflicting_groups[0].tolist() == [4, 8]


def test_leakage_report_finds_planted_copy():
    imgs = _images(20, seed=1)
    split = Split(train=np.arange(0, 14), val=np.arange(14, 17), test=np.arange(17, 20))
    clean = leakage_report(imgs, split)
    assert clean["test_leaked"] == 0 and clean["examples"] == []
    imgs[18] = imgs[5]  # test face copied from training
    imgs[16] = imgs[3]  # validation face copied from training
    report = leakage_report(imgs, split)
    assert report["test_in_train"] == 1 and report["test_leaked"] == 1 and report["val_in_train"] == 1
    assert report["examples"] == [(18, 5)]


def test_deduplicate_keeps_first_and_can_drop_conflicts():
    imgs = _images(6, seed=2)
    imgs[4] = imgs[1]
    imgs[5] = imgs[2]
    labels = np.array([0, 1, 2, 3, 1, 5])
    keep, report = deduplicate(imgs, labels)
    assert keep.tolist() == [0, 1, 2, 3] and report.extra_copies == 2
    keep, _ = deduplicate(imgs, labels, conflicts="drop")
    assert keep.tolist() == [0, 1, 3]


def test_balanced_class_weights():
    labels = np.array([0] * 6 + [1] * 3 + [2] * 1)
    w = class_weights(labels, ("a", "b", "c"))
    assert w == pytest.approx({0: 10 / 18, 1: 10 / 9, 2: 10 / 3})
    table = class_weight_table(labels, ("a", "b", "c"))
    assert table["class"].tolist() == ["a", "b", "c"] and table["count"].tolist() == [6, 3, 1]
    assert (table["count"] * table["weight"]).round(6).nunique() == 1


def test_empty_class_is_named():
    with pytest.raises(EmptyClassError, match="empty class.*'disgust'"):
        class_weights(np.array([0, 0, 2]), ("angry", "disgust", "fear"))
