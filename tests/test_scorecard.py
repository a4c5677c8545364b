import json

import pytest

from fer_lib.report.scorecard import build_scorecard, describe_sources, display_table


def _write(run, notebook, payload):
    (run / "metrics").mkdir(parents=True, exist_ok=True)
    (run / "metrics" / f"{notebook}.json").write_text(json.dumps(payload))


def _residual(acc, synthetic=True):
    per_class = {c: {"precision": 0.5, "recall": 0.9 if c == "happy" else 0.4, "f1-score": 0.5, "support": 10} for c in ("angry", "happy", "fear")}
    return {
        "summary": {"test_accuracy": acc, "train_accuracy": 0.8, "val_accuracy": acc - 0.01, "test_loss": 1.0, "train_minutes": 3.0, "macro_f1": 0.6, "epochs_run": 4},
        "metrics": {"test": {"per_class": per_class}},
        "data": {"source": "synthetic", "synthetic": synthetic, "sha256": "ab" * 32, "split_protocol": "random", "split_sizes": {"train": 90, "val": 5, "test": 5}},
        "config": {"epochs": 4, "seed": 0},
        "environment": {"device": "CPU: test", "git_commit": "abc123"},
    }


def test_scorecard_compares_means_over_seeds_and_leaves_missing_numbers_empty(tmp_path):
    a, b = tmp_path / "seed-1", tmp_path / "seed-2"
    _write(a, "04_residual_cnn", _residual(0.60))
    _write(b, "04_residual_cnn", _residual(0.70))
    card, sources = build_scorecard([a, b])
    row = card.set_index("what").loc["Residual CNN, FERGIT test accuracy"]
    assert row["paper"] == 0.75 and row["ours"] == pytest.approx(0.65) and row["difference"] == pytest.approx(-0.10)
    assert row["sd"] == pytest.approx(0.0707, abs=1e-3) and "synthetic" in row["our protocol"]
    assert card.set_index("what").loc["Recall of happy, residual CNN", "ours"] == pytest.approx(0.9)
    assert card.set_index("what").loc["Residual CNN parameters", "ours"] == 9_773_111
    basic = card.set_index("what").loc["Basic CNN, FERGIT test accuracy"]
    assert basic["ours"] is None or basic["ours"] != basic["ours"]  # not run: empty
    assert "not run" in basic["our protocol"]
    assert "not comparable" in describe_sources(sources, 2)


def test_real_data_sources_are_not_flagged_synthetic(tmp_path):
    _write(tmp_path, "04_residual_cnn", _residual(0.7, synthetic=False))
    _, sources = build_scorecard([tmp_path])
    text = describe_sources(sources, 1)
    assert "Real data" in text and "not comparable" not in text


def test_display_table_writes_numbers_in_their_units(tmp_path):
    _write(tmp_path, "04_residual_cnn", _residual(0.6))
    card, _ = build_scorecard([tmp_path])
    shown = display_table(card).set_index("what")
    assert shown.loc["Residual CNN, FERGIT test accuracy", "paper"] == "75.0%"
    assert shown.loc["Residual CNN, FERGIT test accuracy", "difference"] == "-15.0 pp"
    assert shown.loc["Residual CNN parameters", "ours"] == "9,773,111"
    assert shown.loc["Basic CNN, FERGIT test accuracy", "ours"] == ""


def _real(acc, status="paused"):
    m = _residual(acc, synthetic=False)
    m["summary"] |= {"epochs_run": 7, "epochs_planned": 20, "status": status, "train_minutes": 35.0}
    return m


def test_each_row_says_why_it_differs_from_the_run_it_came_from(tmp_path):
    _write(tmp_path, "04_residual_cnn", _real(0.55))
    _write(tmp_path, "01_data_exploration", {"n_faces": 49_559, "data": {"source": "fergit", "synthetic": False}})
    card = build_scorecard([tmp_path])[0].set_index("what")
    acc = card.loc["Residual CNN, FERGIT test accuracy", "why they differ"]
    assert "7 of the paper's 100 epochs" in acc and "interim result of a 20-epoch plan" in acc and "CPU: test" in acc
    assert "augmented training faces" in card.loc["Residual CNN, FERGIT training accuracy", "why they differ"]
    assert "5.0 min an epoch" in card.loc["Residual CNN, 100 epochs on a K80", "why they differ"]
    assert "make-up is unpublished" in card.loc["FERGIT faces", "why they differ"]
    assert card.loc["Residual CNN parameters", "why they differ"].endswith("equal.")
    assert card.loc["Basic CNN, FERGIT test accuracy", "why they differ"] == "Not run in this run folder."
    assert card.loc["Lowest per-class precision, residual CNN (paper: all over 50%)", "ours"] == pytest.approx(0.5)


def test_other_protocols_and_compute_tables_read_the_run_folder(tmp_path):
    from fer_lib.report.scorecard import compute_table, other_protocols

    _write(tmp_path, "04_residual_cnn_official", _real(0.61) | {"data": {"source": "fer2013", "synthetic": False, "split_protocol": "official"}})
    _write(tmp_path, "05_ckplus", {"random": {"epochs_run": 15}, "folds": [{"fold": 0}], "fold_mean": 0.8, "n_folds": 5})
    table = other_protocols([tmp_path]).set_index("what")
    assert table.loc["Residual CNN, FER-2013 PrivateTest accuracy", "ours"] == 0.61
    assert table.loc["Residual CNN, FER-2013 PrivateTest accuracy", "published"] == pytest.approx(0.7414)
    assert table.loc["Residual CNN, CK+ subject-independent 5-fold mean accuracy", "ours"] == 0.8
    assert compute_table(tmp_path).empty
    run = tmp_path / "training" / "residual"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"training": {"status": "paused", "train_images_per_s": 130.0}, "config": {"epochs": 20},
                                              "history": [{"epoch_time_s": 300.0}] * 2, "sessions": [{}, {}], "total_wall_s": 900.0,
                                              "data": {"source": "fergit", "split_protocol": "random"}, "environment": {"device": "CPU"}}))
    row = compute_table(tmp_path).iloc[0]
    assert row["epochs"] == "2/20" and row["train min"] == 10.0 and row["wall min"] == 15.0 and row["sessions"] == 2
