"""Typed run records: what is written is read back; what does not match is an error naming the file and the field."""

import json

import pytest
from datafixtures import training_record

from fer_lib.pipeline.records import PageRecord, RecordError, TrainingRecord, read_page, read_record, read_training, write_record


def test_a_training_record_round_trips(tmp_path):
    written = training_record(tmp_path, "residual", accuracy=0.7)
    read = read_training(tmp_path, "residual")
    assert read == written and read.test.accuracy == 0.7 and read.finished is False
    assert read_training(tmp_path, "basic") is None  # not run: None, not an error


@pytest.mark.parametrize("damage, where, problem", [
    (lambda r: r["training"].pop("status"), "training.status", "missing"),
    (lambda r: r["data"].update(n="many"), "data.n", "expected an integer"),
    (lambda r: r["test"]["per_class"]["happy"].update(recall="high"), "test.per_class.happy.recall", "expected a number"),
    (lambda r: r.update(surprise=1), "surprise", "unknown to TrainingRecord"),
    (lambda r: r.update(schema=1), "schema", "version 1"),
])
def test_a_damaged_record_names_the_file_and_the_field(tmp_path, damage, where, problem):
    training_record(tmp_path, "residual")
    path = tmp_path / "training" / "residual" / "run.json"
    raw = json.loads(path.read_text())
    damage(raw)
    path.write_text(json.dumps(raw))
    with pytest.raises(RecordError, match=problem) as caught:
        read_record(TrainingRecord, path)
    assert caught.value.path == str(path) and caught.value.where == where


def test_a_page_record_says_which_value_is_missing(tmp_path):
    write_record(PageRecord(page="06_posed_images", values={"n_right": 2}), tmp_path / "metrics" / "06_posed_images.json")
    page = read_page(tmp_path, "06_posed_images")
    assert page.value("n_right") == 2
    with pytest.raises(RecordError, match=r"06_posed_images.json: field values.n_photos: missing"):
        page.value("n_photos")


def test_records_are_valid_json_with_null_for_a_missing_number(tmp_path):
    import json

    import numpy as np

    from fer_lib.pipeline.records import PageRecord, read_record, write_record

    path = write_record(PageRecord(page="p", values={"ours_text": float("nan"), "n": np.float64("nan"), "ok": 1.5}), tmp_path / "p.json")

    def no_constants(name):
        raise AssertionError(f"{path} holds {name}, which is not JSON")

    assert json.loads(path.read_text(), parse_constant=no_constants)["values"] == {"ours_text": None, "n": None, "ok": 1.5}
    assert read_record(PageRecord, path).values["ours_text"] is None
