"""The README's first screen shows the reference run's numbers, as its records hold them."""

from fer_lib.report.readme import headline_table, readme_section, speed_section, speed_table
from fer_lib.settings import REPO_ROOT


def test_the_readme_results_table_is_the_reference_runs():
    readme = (REPO_ROOT / "README.md").read_text()
    expected = headline_table(REPO_ROOT / "runs" / "reference")
    assert readme_section(readme) == expected, (
        "README.md's results table differs from runs/reference: regenerate it with "
        "`python -m fer_lib readme-table --run runs/reference`\n" + expected)


def test_the_readme_speed_table_is_the_reference_runs():
    readme = (REPO_ROOT / "README.md").read_text()
    expected = speed_table(REPO_ROOT / "runs" / "reference")
    assert speed_section(readme) == expected, (
        "README.md's speed table differs from runs/reference: regenerate it with "
        "`python -m fer_lib readme-table --speed --run runs/reference`\n" + expected)


def test_speed_rows_come_from_the_whole_history_and_every_device(tmp_path):
    from datafixtures import training_record

    from fer_lib.pipeline.records import Session, write_record
    from fer_lib.report.readme import speed_rows

    r = training_record(tmp_path, "residual", epochs_run=6, minutes_per_epoch=2.0)  # 800 training faces, batch 64, 110 s of training an epoch
    r.sessions = [Session(wall_s=1.0, status="paused", epochs_run=3, device="CPU: A"), Session(wall_s=1.0, status="paused", epochs_run=6, device="CPU: B")]
    r.training.train_images_per_s = 1.0  # the last session's figure is not the table's
    write_record(r, tmp_path / "training" / "residual" / "run.json")
    a, b = speed_rows(tmp_path)  # a row per device
    assert (a["device"], b["device"]) == ("A CPU", "B CPU") and a["images/s"] == b["images/s"] == "7" and a["median epoch"] == "2.0 min"  # 768 / 110 s
    assert a["epochs run"] == "3 here, 6/100 in all" and a["100 epochs"] == "3.3 h at that pace"  # the median epoch times 100
    r.history[4]["train_time_s"] = r.history[5]["train_time_s"] = 55.0  # B's epochs after its first: twice as fast
    r.history[3]["train_time_s"] = 1000.0  # B's first epoch traces the step: left out
    write_record(r, tmp_path / "training" / "residual" / "run.json")
    assert [row["images/s"] for row in speed_rows(tmp_path)] == ["7", "14"]
    r.sessions = r.sessions[1:]  # one device: one row over the whole history, its first epoch left out
    write_record(r, tmp_path / "training" / "residual" / "run.json")
    (row,) = speed_rows(tmp_path)
    assert row["device"] == "B CPU" and row["epochs run"] == "6/100" and row["100 epochs"] == "3.3 h at that pace"
    training_record(tmp_path, "residual", epochs_run=100, status="completed", minutes_per_epoch=1.0)
    assert speed_rows(tmp_path)[0]["100 epochs"] == "1.7 h"  # ran them: the measured 100 min
