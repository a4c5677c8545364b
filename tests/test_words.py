"""Pages speak to readers: statuses, splits, precisions and data sources in words, not identifiers."""

from datafixtures import training_record

from fer_lib.report import words
from fer_lib.report.pages import training_provenance
from fer_lib.report.scorecard import compute_table, protocol

IDENTIFIERS = ("early_stopped", "subject-fold-", "mixed_bfloat16", "session(s)", "fergit(")


def test_identifiers_have_words():
    assert words.status("early_stopped") == "stopped early by EarlyStopping"
    assert words.split("subject-fold-3").startswith("subject fold 3 as test") and words.split("random").startswith("random 90/5/5")
    assert words.precision("mixed_bfloat16") == "bfloat16 mixed precision" and words.sessions(1) == "1 session"
    assert words.source("fergit($FER_DATA_ROOT/fer2013 + $FER_DATA_ROOT/muxspace)") == "FERGIT, from `$FER_DATA_ROOT/fer2013 + $FER_DATA_ROOT/muxspace`"


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
