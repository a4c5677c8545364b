"""The progress report of a long training: epochs of planned, images/s and the time left."""

import io

from fer_lib.train import progress
from fer_lib.train.progress import EpochProgress, duration


def test_durations_read_as_a_person_says_them():
    assert [duration(s) for s in (40, 420, 3 * 3600 + 5 * 60 + 20)] == ["40 s", "7 min", "3 h 05 min"]


def test_each_epoch_gives_a_plain_line_with_rate_and_time_left_off_a_terminal(monkeypatch):
    clock = iter([0.0, 400.0, 400.0, 800.0])  # two epochs of 400 s
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    watch = EpochProgress("residual", planned=100, n_train=40_000, stream=out)
    watch.on_train_begin()
    for epoch in (24, 25):  # a resumed training: Keras counts epochs from the resume point
        watch.on_epoch_begin(epoch)
        watch.on_epoch_end(epoch, {"val_accuracy": 0.66})
    watch.on_train_end()
    assert out.getvalue().splitlines() == [
        "residual: epoch 25/100, val accuracy 0.660, 100 images/s, about 8 h 20 min left",
        "residual: epoch 26/100, val accuracy 0.660, 100 images/s, about 8 h 13 min left"]


def test_on_a_terminal_the_report_is_a_bar():
    out = io.StringIO()
    watch = EpochProgress("basic", planned=3, n_train=640, stream=out, live=True)
    watch.on_train_begin()
    for epoch in range(3):
        watch.on_epoch_begin(epoch)
        watch.on_epoch_end(epoch, {})
    watch.on_train_end()
    assert "basic" in out.getvalue() and "3/3" in out.getvalue() and "epoch 1/3" not in out.getvalue()
