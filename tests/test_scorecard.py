import json

import pytest

from fer_lib.scorecard import build_scorecard, describe_sources, display_table


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
    assert card.set_index("what").loc["Recall of happy, both networks", "ours"] == pytest.approx(0.9)
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
