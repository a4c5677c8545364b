from types import SimpleNamespace

import numpy as np
import pytest

from fer_lib.report.stats import accuracy_interval, interval_text, wilson_interval


def test_wilson_interval_matches_the_formula():
    lo, hi = wilson_interval(50, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.4038, 0.5962)  # Wilson 1927, z = 1.96
    lo, hi = wilson_interval(0, 20)
    assert lo == 0 and round(hi, 4) == 0.1611  # unlike the normal approximation, never below 0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(5, 3)


def test_an_accuracy_reads_with_its_interval():
    assert accuracy_interval(0.5936, 2478) == wilson_interval(1471, 2478)
    assert interval_text(0.5936, 2478) == "59.4% (95% CI 57.4-61.3%)"


def test_precision_and_f1_read_a_confusion_matrix_as_scikit_learn_does():
    """True classes in rows: a class's precision is its diagonal cell over its column; macro and weighted F1
    equal scikit-learn's, a class never predicted included; the bootstrap intervals are seeded and hold them."""
    import numpy as np
    from sklearn.metrics import confusion_matrix, f1_score

    from fer_lib.report.stats import f1_intervals, f1_scores, precision_interval

    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 400)
    pred = np.where(rng.random(400) < 0.6, y, rng.integers(0, 4, 400))  # class 4 is never predicted
    cm = confusion_matrix(y, pred, labels=range(5))
    macro, weighted = f1_scores(cm)
    assert np.isclose(macro, f1_score(y, pred, average="macro", zero_division=0))
    assert np.isclose(weighted, f1_score(y, pred, average="weighted", zero_division=0))
    assert precision_interval(cm, 2) == wilson_interval(int(cm[2, 2]), int(cm[:, 2].sum())) != wilson_interval(int(cm[2, 2]), int(cm[2].sum()))
    got = f1_intervals(cm)
    assert got == f1_intervals(cm) != f1_intervals(cm, seed=1)
    assert got["macro"][0] < macro < got["macro"][1] and got["weighted"][0] < weighted < got["weighted"][1]
    assert 0.03 < got["macro"][1] - got["macro"][0] < 0.15  # about 4 standard errors of an F1 on 400 faces
    with pytest.raises(ValueError, match="at least one face"):
        f1_intervals(np.zeros((3, 3), int))


def test_mcnemar_counts_the_faces_only_one_network_got_right():
    import numpy as np

    from fer_lib.report.stats import mcnemar

    a = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], bool)
    b = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1], bool)
    m = mcnemar(a, b)
    assert (m["a_only"], m["b_only"], m["n"]) == (6, 1, 10)
    assert m["p"] == pytest.approx(0.125)  # exact: 2 * P(X <= 1 | 7, 1/2) = 2 * 8/128
    assert mcnemar(a, a)["p"] == 1.0
    with pytest.raises(ValueError, match="same faces"):
        mcnemar(a, b[:5])


def test_the_paired_interval_is_newcombes_and_narrower_than_the_unpaired_one():
    """Newcombe's square-and-add interval for paired proportions, checked against the published
    value for Cavo et al. (2012) (Fagerland, Lydersen and Laake 2017, Chapter 8: -0.0621, 95% CI
    -0.1186 to -0.0046); for two networks that mostly agree it is much narrower than the unpaired one."""
    from fer_lib.report.stats import paired_difference_interval

    diff, lo, hi = paired_difference_interval(both=59, a_only=6, b_only=16, n=161)
    assert (round(diff, 4), round(lo, 4), round(hi, 4)) == (-0.0621, -0.1186, -0.0046)
    n, both, a_only, b_only = 2478, 1612, 154, 171  # our residual and basic CNNs on FERGIT's test faces
    diff, lo, hi = paired_difference_interval(both, a_only, b_only, n)
    (l1, _), (_, u2) = wilson_interval(both + a_only, n), wilson_interval(both + b_only, n)
    unpaired = ((both + a_only) / n - l1) ** 2 + (u2 - (both + b_only) / n) ** 2
    assert diff == pytest.approx(-17 / n) and lo < diff < hi and (diff - lo) ** 2 < unpaired / 2
    with pytest.raises(ValueError, match="add up to at most n=10"):
        paired_difference_interval(8, 2, 2, 10)
    with pytest.raises(ValueError, match="n=0"):
        paired_difference_interval(0, 0, 0, 0)


def test_a_paired_comparison_tests_the_difference_and_leaves_out_the_leaked_faces():
    from types import SimpleNamespace

    import numpy as np

    from fer_lib.data.splits import Split
    from fer_lib.report.paired import paired_comparison, paired_sentence

    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (12, 48, 48), dtype=np.uint8)
    images[11] = images[0]  # test face 11 is a copy of training face 0
    labels = np.arange(12) % 7
    split = Split(np.arange(0, 6), np.arange(6, 8), np.arange(8, 12))

    class Fixed:  # a "network" that answers the given labels
        def __init__(self, answers):
            self.answers = answers

        def predict(self, x, batch_size=None, verbose=0):
            return np.eye(7)[self.answers]

    good, bad = Fixed(labels[8:]), Fixed((labels[8:] + np.array([0, 1, 1, 0])) % 7)
    record = lambda acc: SimpleNamespace(test=SimpleNamespace(accuracy=acc), training=SimpleNamespace(epochs_run=4))  # noqa: E731
    result = paired_comparison({"residual CNN": (record(1.0), good), "basic CNN": (record(0.5), bad)}, SimpleNamespace(images=images, labels=labels), split)
    assert result["n"] == 4 and result["n_clean"] == 3 and result["mcnemar"]["a_only"] == 2 and result["mcnemar"]["b_only"] == 0
    assert result["clean_accuracy"] == {"residual CNN": 1.0, "basic CNN": pytest.approx(1 / 3)}
    assert "not significant" in paired_sentence(result) and "Without the 1 test face that has an identical copy" in paired_sentence(result)
    assert "different numbers of epochs" not in paired_sentence(result)
    assert "The residual CNN minus the basic CNN is +50.0 pp, 95% CI -10.2 to +85.0 pp" in paired_sentence(result)  # Newcombe's, 2 of 4 faces
    assert result["balanced_accuracy"]["residual CNN"] == 1.0 and result["balanced_difference"][0] == pytest.approx(1 - result["balanced_accuracy"]["basic CNN"])
    assert "In balanced accuracy (the mean of the per-class recalls) the residual CNN minus the basic CNN is +" in paired_sentence(result)
    assert "In balanced accuracy" not in paired_sentence({k: v for k, v in result.items() if k != "balanced_difference"})  # stored before
    assert "different numbers of epochs (24 and 10)" in paired_sentence(result | {"epochs": {"residual CNN": 24, "basic CNN": 10}})
    with pytest.raises(ValueError, match="not the network of that training"):
        paired_comparison({"residual CNN": (record(0.25), good), "basic CNN": (record(0.5), bad)}, SimpleNamespace(images=images, labels=labels), split)


def test_a_comparison_without_one_of_the_networks_says_so(tmp_path):
    """A training whose record exists but whose network is nowhere (a new machine, not shipped) is named, not a crash."""
    from datafixtures import training_record

    from fer_lib.data.splits import Split
    from fer_lib.pipeline import registry
    from fer_lib.report.paired import compare_trainings, paired_sentence

    weighted, unweighted = training_record(tmp_path, "residual"), training_record(tmp_path, "residual-unweighted")
    split = Split(np.arange(800), np.arange(800, 900), np.arange(900, 1000))  # not the records' split: their predictions do not count
    said = compare_trainings(tmp_path, None, split, {"a": (registry.UNWEIGHTED, unweighted), "b": (registry.RESIDUAL, weighted)})
    assert said.startswith("Residual CNN without class weights: its network is in neither this run folder nor `models/`, and its record holds no")
    assert paired_sentence(said) == said


def test_records_with_per_face_predictions_are_compared_without_their_networks(tmp_path):
    """A new machine has the records but not the networks: the comparison reads each face's answer
    from the records, and gives what the networks themselves gave."""
    from fer_lib.data.splits import Split
    from fer_lib.pipeline import registry
    from fer_lib.pipeline.experiment import split_sha256
    from fer_lib.report.paired import compare_trainings, paired_comparison
    from fer_lib.train.evaluate import encode_predictions

    rng = np.random.default_rng(1)
    images, labels = rng.integers(0, 255, (40, 48, 48), dtype=np.uint8), np.arange(40) % 7
    split = Split(np.arange(20), np.arange(20, 25), np.arange(25, 40))
    faces, y = SimpleNamespace(images=images, labels=labels), labels[25:]
    answers = {"a": y.copy(), "b": np.where(np.arange(15) < 9, y, (y + 1) % 7)}
    answers["a"][[2, 5]] = (y[[2, 5]] + 3) % 7

    def record(pred, split_hash=None):
        split_hash = split_hash or split_sha256(split)
        test = SimpleNamespace(n=15, accuracy=float(np.mean(pred == y)), predictions=encode_predictions(pred, 7))
        return SimpleNamespace(name="t", test=test, data=SimpleNamespace(split_sha256=split_hash, classes=list(range(7))), training=SimpleNamespace(epochs_run=3))

    class Fixed:
        def __init__(self, pred):
            self.pred = pred

        def predict(self, x, batch_size=None, verbose=0):
            return np.eye(7)[self.pred]

    entries = {"a": registry.RESIDUAL, "b": registry.UNWEIGHTED}
    from_records = compare_trainings(tmp_path, faces, split, {k: (entries[k], record(p)) for k, p in answers.items()})
    from_networks = paired_comparison({k: (record(p), Fixed(p)) for k, p in answers.items()}, faces, split)
    assert from_records["answers"] == {"a": "record", "b": "record"} and from_networks["answers"] == {"a": "network", "b": "network"}
    assert {k: v for k, v in from_records.items() if k != "answers"} == {k: v for k, v in from_networks.items() if k != "answers"}
    assert from_records["mcnemar"]["a_only"] == 6 and from_records["mcnemar"]["b_only"] == 2
    elsewhere = compare_trainings(tmp_path, faces, split, {k: (entries[k], record(p, "00" * 32)) for k, p in answers.items()})
    assert isinstance(elsewhere, str) and "no per-face test predictions" in elsewhere  # another split's predictions are not these faces'
    damaged = record(answers["a"])
    damaged.name, damaged.test.predictions = "residual", damaged.test.predictions[:-1] + "9"
    with pytest.raises(ValueError, match="training residual, test.predictions: '9' at face 14 is not a class index 0-6"):
        compare_trainings(tmp_path, faces, split, {"a": (registry.RESIDUAL, damaged), "b": (registry.UNWEIGHTED, record(answers["b"]))})
    damaged.test.predictions = damaged.test.predictions[:-1]
    with pytest.raises(ValueError, match="training residual, test.predictions: 14 predictions for 15 test faces"):
        compare_trainings(tmp_path, faces, split, {"a": (registry.RESIDUAL, damaged), "b": (registry.UNWEIGHTED, record(answers["b"]))})
    wrong = record(answers["a"])
    wrong.test.accuracy = 0.2
    with pytest.raises(ValueError, match="a: its record's per-face predictions score 0.8667 on these test faces, its record 0.2000"):
        paired_comparison({"a": (wrong, None), "b": (record(answers["b"]), None)}, faces, split)


def test_the_paired_balanced_accuracy_interval_compares_two_networks_on_the_same_faces():
    from sklearn.metrics import balanced_accuracy_score

    from fer_lib.report.stats import balanced_accuracy, paired_balanced_difference

    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, 600)
    a = np.where(rng.random(600) < 0.8, y, (y + 1) % 7)
    majority = np.full(600, np.bincount(y).argmax())  # right on one class only: balanced accuracy 1/7
    assert balanced_accuracy(y, a, 7) == pytest.approx(balanced_accuracy_score(y, a))
    diff, lo, hi = paired_balanced_difference(y, a, majority, 7)
    assert diff == pytest.approx(balanced_accuracy_score(y, a) - 1 / 7) and 0 < lo < diff < hi
    assert paired_balanced_difference(y, a, a, 7) == (0.0, 0.0, 0.0)  # the same answers: no difference in any resample
    assert paired_balanced_difference(y, a, majority, 7) == (diff, lo, hi)  # seeded
    b = a.copy()
    b[np.flatnonzero(a == y)[:6]] = (y[np.flatnonzero(a == y)[:6]] + 1) % 7  # six faces apart: a sure, small difference
    d, lo, hi = paired_balanced_difference(y, a, b, 7)
    assert 0 < lo <= d < hi < 0.03  # paired: two independent 600-face intervals would each be about 6 pp wide


def test_the_balanced_accuracy_interval_skips_a_class_a_resample_lacks_and_widens_with_its_level():
    from fer_lib.report.stats import paired_balanced_difference

    rng = np.random.default_rng(3)
    y = np.r_[rng.integers(0, 6, 60), 6]  # class 6: one face, absent from about a third of the resamples
    a, b = y.copy(), np.where(rng.random(61) < 0.7, y, (y + 1) % 7)
    d95, lo95, hi95 = paired_balanced_difference(y, a, b, 7)
    d90, lo90, hi90 = paired_balanced_difference(y, a, b, 7, level=0.90)
    assert np.isfinite([lo95, hi95]).all() and d95 == d90 and lo95 < lo90 <= d95 <= hi90 < hi95
