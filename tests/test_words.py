"""Pages speak to readers: statuses, splits, precisions and data sources in words, not identifiers."""
import pytest
from datafixtures import training_record

from fer_lib.pipeline.records import write_record
from fer_lib.report import words
from fer_lib.report.pages import training_provenance
from fer_lib.report.scorecard import compute_table, protocol

IDENTIFIERS = ("early_stopped", "subject-fold-", "mixed_bfloat16", "session(s)", "fergit(")


def test_identifiers_have_words():
    assert words.status("early_stopped") == "stopped early by EarlyStopping"
    assert words.split("subject-fold-3").startswith("subject fold 3 as test") and words.split("random").startswith("random 90/5/5")
    assert words.precision("mixed_bfloat16") == "bfloat16 mixed precision" and words.sessions(1) == "1 session"
    assert words.source("fergit($FER_DATA_ROOT/fer2013 + $FER_DATA_ROOT/muxspace)") == "FERGIT, from `$FER_DATA_ROOT/fer2013 + $FER_DATA_ROOT/muxspace`"
    assert words.device("CPU: AMD EPYC") == "AMD EPYC CPU" and words.device("gpu:NVIDIA H100 (x2)") == "2x NVIDIA H100 GPU"
    assert words.device("gpu:NVIDIA H100 (x1)") == "NVIDIA H100 GPU" and words.device("cpu:cpu (x1)") == "CPU"
    assert words.device("CPU: Intel(R) Xeon(R) Processor") == "Intel Xeon CPU" and words.device("CPU: Intel(R) Core(TM) i7 CPU") == "Intel Core i7 CPU"
    assert words.device("CPU: Intel(R) Xeon(R) CPU @ 2.20GHz") == "Intel Xeon CPU @ 2.20GHz"
    assert words.device("unknown (OSError: x)") == "unknown (OSError: x)" and words.device(None) == "an unrecorded device"
    assert words.source("synthetic") == "synthetic faces" and words.source("$FER_DATA_ROOT/ckplus48") == "`$FER_DATA_ROOT/ckplus48`"


def test_a_provenance_box_and_the_scorecard_show_no_identifier(tmp_path):
    fold = training_record(tmp_path, "ckplus-fold3", status="early_stopped", epochs_run=40, dataset="ckplus", split="subject-fold-3")
    fold.environment |= {"python": "3.11", "packages": {}, "keras_backend": "tensorflow"}
    text = training_provenance(fold) + protocol(fold) + compute_table(tmp_path).to_string()
    assert not [w for w in IDENTIFIERS if w in text], text
    assert "stopped early by EarlyStopping" in text and "subject fold 3 as test" in text


def test_a_recipe_names_what_it_takes_from_the_papers_networks_and_augmentation():
    from fer_lib.report.words import recipe_departures

    assert recipe_departures({"width": 1.0, "augment": {"enabled": True}}) == ""
    assert recipe_departures({"width": 0.25, "augment": {"enabled": False}}) == ", at width 0.25, no augmentation"
    assert recipe_departures({"width": 0.125}) == ", at width 0.125"


@pytest.mark.parametrize("m, said", [(0.0, "under a minute"), (0.49, "under a minute"), (0.5, "1 minute"), (1.4, "1 minute"), (1.5, "2 minutes"), (14.6, "15 minutes")])
def test_minutes_read_right_at_zero_and_one(m, said):
    assert words.minutes(m) == said


def test_a_training_on_two_machines_names_both(tmp_path):
    """Sessions on different CPUs are each credited to their own device, in the provenance box and the compute summary."""
    from fer_lib.pipeline.records import Session
    from fer_lib.report.summary import compute_markdown

    r = training_record(tmp_path, "residual")
    r.sessions = [Session(wall_s=3600.0, status="paused", epochs_run=2, device="CPU: A"), Session(wall_s=1800.0, status="paused", epochs_run=4, device="CPU: B"),
                  Session(wall_s=1800.0, status="paused", epochs_run=5, device="CPU: A")]
    r.environment |= {"python": "3.11", "packages": {}, "keras_backend": "tensorflow"}
    write_record(r, tmp_path / "training" / "residual" / "run.json")
    assert r.session_devices() == {"CPU: A": (2, 5400.0), "CPU: B": (1, 1800.0)}
    assert "A CPU (2 sessions) and B CPU (1 session); last on an unrecorded CPU (its kind and features not recorded), 2 cores" in training_provenance(r)
    assert "took 1.5 h on A CPU and 0.5 h on B CPU for this run's 1 training (3 sessions)" in compute_markdown(tmp_path)
    assert words.join(["a", "b", "c"]) == "a, b and c"


def test_a_speed_said_of_the_last_session_is_the_last_sessions(tmp_path):
    """The record's images/s is the median over every session's epochs; the sentence that says "in its last session" gives that session's."""
    from fer_lib.pipeline.records import Session
    from fer_lib.report.pages import last_session_images_per_s, run_sentence

    r = training_record(tmp_path, "residual", epochs_run=6, minutes_per_epoch=2.0)  # 768 training images an epoch (800 faces, batch 64)
    for row in r.history[3:]:
        row["train_time_s"] = 64.0  # the last session's 3 epochs: 12 images/s, the first of them left out (it traces)
    r.sessions = [Session(wall_s=1.0, status="paused", epochs_run=3, device="CPU: A"), Session(wall_s=1.0, status="paused", epochs_run=6, device="CPU: A")]
    assert last_session_images_per_s(r) == pytest.approx(12.0)
    assert "on A CPU at 12 images/s in its last session" in run_sentence(r, "The residual CNN")
    r.sessions = r.sessions[1:]  # one session: the whole history's median, not the figure stored under an older definition
    r.training.train_images_per_s = 9.0
    assert last_session_images_per_s(r) == pytest.approx(12.0) == r.images_per_s and "at 12 images/s." in run_sentence(r, "The residual CNN")
    r.history = []  # no epochs to time: the stored figure is all there is
    assert r.images_per_s == 9.0


def test_command_options_survive_markdown_typography():
    from fer_lib.report.pages import options_as_code

    assert options_as_code("the replicate command's --seeds option") == "the replicate command's `--seeds` option"
    assert options_as_code("already `--seeds` and a--b") == "already `--seeds` and a--b"
