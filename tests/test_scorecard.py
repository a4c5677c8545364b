"""The scorecard reads typed records: means over seeds, row-specific reasons, empty when not run, errors on bad records."""

import json

import pandas as pd
import pytest
from datafixtures import training_record

from fer_lib.pipeline.records import RecordError, read_training, write_record
from fer_lib.report.scorecard import build_scorecard, compute_table, coverage_sentence, describe_sources, display_table, other_protocols


def _card(*dirs):
    return build_scorecard(list(dirs)).set_index("key")


def test_means_over_seeds_and_empty_rows_for_what_did_not_run(tmp_path):
    a, b = tmp_path / "seed-1", tmp_path / "seed-2"
    training_record(a, "residual", accuracy=0.60)
    training_record(b, "residual", accuracy=0.70)
    card = _card(a, b)
    row = card.loc["residual_test_accuracy"]
    assert row["paper"] == 0.75 and row["ours"] == pytest.approx(0.65) and row["difference"] == pytest.approx(-0.10)
    assert row["sd"] == pytest.approx(0.0707, abs=1e-3)
    assert card.loc["residual_params_total", "ours"] == 9_773_111 and card.loc["residual_params_total", "difference"] == 0
    assert pd.isna(card.loc["basic_test_accuracy", "ours"]) and card.loc["basic_test_accuracy", "why they differ"] == "Not run in this run folder."
    assert pd.isna(card.loc["residual_gain", "ours"])  # needs both networks


def test_the_coverage_sentence_counts_the_papers_numbers_and_names_the_rows_without_one():
    card = pd.DataFrame({"what": ["Residual accuracy", "Basic accuracy", "Posed photos labelled right"],
                         "paper": [0.75, 0.74, None], "ours": [0.71, None, 3.0]})
    said = coverage_sentence(card)
    assert said == ("1 of the paper's 2 numbers has a counterpart in this run; 1 more row (posed photos labelled right) sets ours "
                    "beside what the paper says without a number.")
    card.loc[1, "ours"] = 0.72
    assert coverage_sentence(card).startswith("All 2 of the paper's numbers have a counterpart in this run; 1 more row")
    assert coverage_sentence(card.iloc[:2]) == "All 2 of the paper's numbers have a counterpart in this run."
    card.loc[2, "ours"] = None  # the posed page has not run: no row of ours beside the paper's words
    assert coverage_sentence(card) == "All 2 of the paper's numbers have a counterpart in this run."


def test_the_papers_total_time_is_set_beside_the_sum_of_its_tables(monkeypatch):
    """Section 3 says 119 minutes for the three trainings; Tables 2-4 say 44, 48 and 29, which add up to 121."""
    from fer_lib import paper

    assert paper.total_time_note() == "its Tables 2-4 add up to 44 + 48 + 29 = 121 min"
    monkeypatch.setitem(paper.PAPER, "total_run_time_min", 121)
    assert paper.total_time_note() == ""


def test_train_and_validation_accuracy_give_the_last_epoch_too_when_it_is_not_the_best(tmp_path):
    """The paper does not say whether its 86% and 74% are of the last epoch or the best: both of ours are shown."""
    record = training_record(tmp_path, "residual", epochs_run=8)
    assert "last epoch" not in _card(tmp_path)["why they differ"]["residual_train_accuracy"]  # the best is the last
    record.training.best_epoch = 5
    write_record(record, tmp_path / "training" / "residual" / "run.json")
    why = _card(tmp_path)["why they differ"]
    assert "at the best epoch (5 of 8); 57.0% at the last epoch (8); the paper's after 100 epochs" in why["residual_train_accuracy"]
    assert why["residual_val_accuracy"].endswith("not independent of it; 53.5% at the last epoch (8).")


def test_reasons_are_specific_to_their_row_and_run(tmp_path):
    training_record(tmp_path, "residual", accuracy=0.62, epochs_run=8)
    training_record(tmp_path, "basic", accuracy=0.60, epochs_run=4)
    card = _card(tmp_path)
    why = card["why they differ"]
    assert why["residual_test_accuracy"].startswith("Paused after 8 of 100 epochs (an interim result that a later session continues), best epoch 8;")
    assert "augmented" in why["residual_train_accuracy"] and why["residual_train_accuracy"] != why["residual_test_accuracy"]
    # how a training stopped is said once, in its test accuracy's row; the protocol column gives the status on every row
    assert {k for k, w in why.items() if "an interim result that a later session continues" in w} == {"residual_test_accuracy", "basic_test_accuracy"}
    assert "8 of the paper's 100 epochs, best epoch" in why["residual_happy_recall"]
    assert "Unequal budgets (8 epochs for the residual, 4 for the basic)" in why["residual_gain"]
    assert card.loc["residual_gain", "ours"] == pytest.approx(0.02)
    assert "fear is most often taken for" in why["residual_fear_recall"]
    # run time: minutes per epoch times 100, with the device named; never a raw CPU total against the paper's
    assert card.loc["residual_run_time_min", "ours"] == pytest.approx(500.0) and "test CPU" in why["residual_run_time_min"]
    real_reasons = [w for k, w in why.items() if w != "Not run in this run folder."]
    assert len(set(real_reasons)) == len(real_reasons)  # no sentence twice


def test_equal_budgets_are_named_and_synthetic_runs_flagged(tmp_path):
    training_record(tmp_path, "residual", accuracy=0.61, epochs_run=6)
    training_record(tmp_path, "basic", accuracy=0.60, epochs_run=6)
    assert "Equal budgets: both networks ran 6 epochs" in _card(tmp_path).loc["residual_gain", "why they differ"]
    synthetic = tmp_path / "synthetic"
    training_record(synthetic, "residual", synthetic=True)
    card = _card(synthetic)
    assert "not comparable" in card.loc["residual_test_accuracy", "why they differ"]
    assert card.loc["residual_test_accuracy", "ours"] == pytest.approx(0.6) and pd.isna(card.loc["residual_test_accuracy", "difference"])
    shown = display_table(card.reset_index()).set_index("what")
    assert shown.loc["Residual CNN, FERGIT test accuracy", "difference"] == "synthetic stand-in"  # never -15.0 pp beside the paper
    assert shown.loc["Residual CNN parameters", "difference"] == "+0"  # counted from the model, not from synthetic faces
    assert shown.loc["Residual CNN, FERGIT test accuracy", "why they differ"] == ""  # said once, above the table
    from fer_lib.report.scorecard import styled_scorecard

    html = styled_scorecard(display_table(card.reset_index())).to_html()
    assert "as in the row above" in html and "not comparable to the paper" not in html
    assert pd.isna(card.loc["residual_run_time_min", "ours"]) and "not extrapolated" in card.loc["residual_run_time_min", "why they differ"]
    from fer_lib.pipeline.records import PageRecord

    (synthetic / "metrics").mkdir()
    write_record(PageRecord(page="06_posed_images", values={"n_photos": 4, "photos": "generated scenes", "n_right_heldout": None}),
                 synthetic / "metrics" / "06_posed_images.json")
    assert "ran on generated scenes without expression labels" in _card(synthetic).loc["posed_right", "why they differ"]  # not "not run"
    assert "not comparable" in describe_sources([synthetic]) and "Real data" in describe_sources([tmp_path])


def test_display_writes_numbers_in_their_units(tmp_path):
    training_record(tmp_path, "residual", accuracy=0.6)
    shown = display_table(build_scorecard([tmp_path])).set_index("what")
    assert shown.loc["Residual CNN, FERGIT test accuracy", "paper"] == "75%"  # as precise as the paper gives it
    assert shown.loc["Residual CNN, FERGIT validation accuracy", "paper"] == "74%" and shown.loc["Basic CNN, FERGIT validation accuracy", "paper"] == "73.7%"
    assert shown.loc["Residual minus basic CNN, FERGIT test accuracy", "paper"] == "+1 pp"
    assert shown.loc["Residual CNN, FERGIT test accuracy", "difference"] == "-15.0 pp"
    assert shown.loc["Residual CNN parameters", "ours"] == "9,773,111"
    assert shown.loc["Basic CNN, FERGIT test accuracy", "ours"] == ""
    assert shown.loc["Posed photos labelled right", "paper"] == "not counted; some wrong, e.g. disgust taken for neutral"
    assert shown.loc["Basic CNN, FERGIT training loss", "paper"] == "0.48 (printed 0.48%)"  # the paper's percent sign on a loss, said


def test_the_posed_rows_say_how_many_photos_and_how_far_the_held_out_training_got(tmp_path):
    from fer_lib.pipeline.records import PageRecord

    training_record(tmp_path, "residual", accuracy=0.6, status="completed", epochs_run=100)
    values = {"n_photos": 4, "photos": "posed", "n_right": 3, "confidence_right": 0.74, "confidence_wrong": 0.9,
              "n_right_heldout": "2 of 4", "heldout_epochs": [22, 100], "errors": [{"posed": "sad", "predicted": "neutral", "probability": 0.9}]}
    write_record(PageRecord(page="06_posed_images", values=values), tmp_path / "metrics" / "06_posed_images.json")
    card = _card(tmp_path)
    shown = display_table(build_scorecard([tmp_path])).set_index("what")
    assert shown.filter(like="when right", axis=0)["ours"].item() == "74% (mean over the 3 photos labelled right)"
    assert shown.filter(like="when wrong", axis=0)["ours"].item() == "90% (mean over the 1 photo labelled wrong)"
    assert card.loc["posed_right", "why they differ"].endswith("With the person held out of training (interim: 22 of 100 epochs): 2 of 4 right.")
    write_record(PageRecord(page="06_posed_images", values=values | {"n_right_heldout": None, "heldout_epochs": None, "heldout_without_network": [22, 100]}),
                 tmp_path / "metrics" / "06_posed_images.json")
    assert _card(tmp_path).loc["posed_right", "why they differ"].endswith(
        "The training with the person held out ran 22 of 100 epochs, but its network is not in this run folder, so it labels no photo here.")
    write_record(PageRecord(page="06_posed_images", values=values | {"n_right_heldout": None, "heldout_epochs": None}), tmp_path / "metrics" / "06_posed_images.json")
    assert _card(tmp_path).loc["posed_right", "why they differ"].endswith("The training with the person held out has not run yet.")
    no_face = {"posed": "fear", "predicted": None, "probability": None}  # wrong, but with no probability to average
    write_record(PageRecord(page="06_posed_images", values=values | {"n_right": 2, "errors": [no_face, {"posed": "sad", "predicted": "neutral", "probability": 0.9}]}),
                 tmp_path / "metrics" / "06_posed_images.json")
    shown = display_table(build_scorecard([tmp_path])).set_index("what")
    assert shown.filter(like="when wrong", axis=0)["ours"].item() == "90% (mean over the 1 photo labelled wrong)"


def test_the_total_time_says_how_its_parts_were_timed(tmp_path):
    for name in ("residual", "basic", "ckplus-random"):
        training_record(tmp_path, name, status="completed", epochs_run=100, dataset="ckplus" if name.startswith("ck") else "fergit")
    assert "each at its own pace (measured over their 100 epochs)" in _card(tmp_path).loc["total_run_time_min", "our protocol"]
    training_record(tmp_path, "basic", epochs_run=10)
    assert "(measured where a training ran its 100 epochs, else its median epoch times 100)" in _card(tmp_path).loc["total_run_time_min", "our protocol"]


def test_a_record_that_does_not_match_its_schema_is_an_error_not_a_blank(tmp_path):
    training_record(tmp_path, "residual")
    path = tmp_path / "training" / "residual" / "run.json"
    raw = json.loads(path.read_text())
    del raw["training"]["status"]
    path.write_text(json.dumps(raw))
    with pytest.raises(RecordError, match=r"run.json: field training.status: missing"):
        build_scorecard([tmp_path])


def test_other_protocols_and_compute_tables(tmp_path):
    training_record(tmp_path, "residual-fer2013-official", accuracy=0.55, dataset="fer2013", split="official")
    for k, acc in enumerate((0.4, 0.5, 0.6)):
        training_record(tmp_path, f"ckplus-fold{k}", accuracy=acc, dataset="ckplus", split=f"subject-fold-{k}", status="completed", epochs=100, epochs_run=100)
    others = other_protocols([tmp_path]).set_index("what")
    assert others.loc["Residual CNN, FER-2013 PrivateTest accuracy", "ours"] == "55.0% (95% CI 45.2-64.4%)"
    folds = others.loc["Residual CNN, CK+ subject-independent folds, accuracy (mean ± sd over the 3 of 3 folds run)"]
    assert folds["ours"] == "50.0% ± 10.0% (always answering angry (tied with disgust): 15.0% of the pooled test faces)" and "epochs run per fold 100, 100, 100 (of 100 planned)" in folds["our protocol"]
    from fer_lib.pipeline.records import PageRecord

    training_record(tmp_path, "residual", epochs_run=12)
    paired = {"labels": ["residual CNN", "basic CNN"], "n": 100, "n_clean": 90, "epochs": {"residual CNN": 12, "basic CNN": 5},
              "accuracy": {"residual CNN": 0.6}, "clean_accuracy": {"residual CNN": 0.58, "basic CNN": 0.5}}
    (tmp_path / "metrics").mkdir()

    def leak_free_rows(stored):
        write_record(PageRecord(page="04_residual_cnn", values={"paired": stored}), tmp_path / "metrics" / "04_residual_cnn.json")
        others = other_protocols([tmp_path])
        return others[others["what"].str.contains("without a copy")].set_index("what")

    clean = leak_free_rows(paired).loc["Residual CNN, FERGIT test accuracy on the 90 of 100 test faces without a copy in training or validation"]
    assert clean["ours"] == "58.0% (95% CI 47.5-67.5%)" and "12 epochs run" in clean["our protocol"]
    assert len(leak_free_rows(paired)) == 1  # the basic CNN did not run here: its stored number is of no training of this run
    assert leak_free_rows(paired | {"n_clean": 100}).empty  # no copies: no second number
    assert leak_free_rows(paired | {"n_clean": 0, "clean_accuracy": {"residual CNN": None}}).empty  # every face a copy: nothing to show
    assert leak_free_rows(paired | {"epochs": {"residual CNN": 11}}).empty  # stored from an earlier moment of the training
    costs = compute_table(tmp_path).set_index("training")
    assert costs.loc["CK+ subject fold 1", "epochs"] == "100/100" and costs.loc["CK+ subject fold 1", "median min/epoch"] == pytest.approx(5.0)


def test_deviations_say_what_the_run_holds_and_what_has_not_run(tmp_path):
    from fer_lib.report.deviations import deviations_table

    training_record(tmp_path, "residual", epochs_run=10, minutes_per_epoch=6.0)
    training_record(tmp_path, "ckplus-fold0", dataset="ckplus", split="subject-fold-0")
    fold = read_training(tmp_path, "ckplus-fold0")
    fold.params["n_folds"] = 10
    write_record(fold, tmp_path / "training" / "ckplus-fold0" / "run.json")
    table = deviations_table(tmp_path).set_index("what")
    effect = table["measured effect in this run"]
    assert effect["Class weights"].startswith("not run yet in this run folder (.venv/bin/python -m fer_lib trainings --profile ")
    assert effect["Class weights"].endswith(f" --out {tmp_path} --only residual-unweighted runs it)")  # the run's own folder: the command trains it there
    assert effect["CK+ protocol"] == "the CK+ page reports both (1 of the 10 planned folds run)"
    assert "100 epochs about 10 h" in table.loc["Training budget", "why"]
    assert "residual: 10 of 100 planned epochs (paused: an interim result)" in effect["Training budget"]
    assert effect["BatchNorm statistics at inference"] == "not measured in this run"
    assert table.loc["BatchNorm statistics at inference", "ours"].startswith("re-estimated on up to 1,024 training faces")
    record = read_training(tmp_path, "residual")
    record.config["bn_refresh_faces"] = 256
    write_record(record, tmp_path / "training" / "residual" / "run.json")
    assert deviations_table(tmp_path).set_index("what").loc["BatchNorm statistics at inference", "ours"].startswith(
        "re-estimated on up to 256 training faces")  # the run's recipe, not a constant
    from fer_lib.report.deviations import kept_markdown

    assert "Table 1's 9,773,111 parameters" in kept_markdown(tmp_path) and "batch 64" in kept_markdown(tmp_path)
    assert not {"Network width", "Augmentation", "Batch size"} & set(deviations_table(tmp_path)["what"])  # the reference recipe
    record.config |= {"width": 0.25, "augment": {"enabled": False}, "batch_size": 32, "bn_refresh_faces": 0}
    write_record(record, tmp_path / "training" / "residual" / "run.json")
    demo = deviations_table(tmp_path).set_index("what")
    assert demo.loc["Network width", "ours"].startswith("0.25 of Table 1's width") and demo.loc["Augmentation", "ours"] == "none"
    assert demo.loc["Batch size", "ours"] == "32 (64 on the CK+ page)" and demo.loc["Augmentation ranges", "ours"].startswith("none in this run")
    assert demo.loc["BatchNorm statistics at inference", "ours"].startswith("Keras' moving averages")
    assert "9,773,111" not in kept_markdown(tmp_path) and "at 0.25 of their width" in kept_markdown(tmp_path) and "batch 64" not in kept_markdown(tmp_path)
    training_record(tmp_path, "ckplus-random", accuracy=0.96, dataset="ckplus", epochs_run=100, status="completed")
    training_record(tmp_path, "ckplus-random-keras-bn", accuracy=0.9, dataset="ckplus", epochs_run=100, status="completed")
    effect = deviations_table(tmp_path).set_index("what")["measured effect in this run"]
    assert "refreshed, 96.0% (95% CI 90.2-98.4%) test accuracy" in effect["BatchNorm statistics at inference"]
    assert effect["BatchNorm statistics at inference"].endswith(
        "Keras' averages only, 90.0% (95% CI 82.6-94.5%) test accuracy, 7 of 7 classes predicted (best epoch 100, 100 epochs run): "
        "+6.0 pp with the refresh after 100 epochs. For scale, with no learning: on these test faces (100), guessing scores 14.3% and "
        "always answering angry (tied with disgust) 15.0%.")  # each accuracy with its interval, and what no learning scores
    assert effect["Seeds"] == "not measured in this run"
    training_record(tmp_path, "ckplus-random-seed1", accuracy=0.92, dataset="ckplus", epochs_run=100, status="completed", seed=1)
    table = deviations_table(tmp_path).set_index("what")
    assert table.loc["Seeds", "measured effect in this run"] == (
        "the CK+ random split: 94.0% ± 2.8% (mean ± standard deviation over seeds 0 and 1; lowest 92.0%, highest 96.0%)")
    assert table.loc["Seeds", "ours"].startswith("one run, seed 0; the CK+ random split also at seed 1; the replicate")
    assert table.loc["Numeric precision", "measured effect in this run"].endswith(f"--out {tmp_path} --only ckplus-random-float32 runs it)")
    from fer_lib.report.scorecard import scorecard_reading

    assert scorecard_reading([tmp_path]).startswith("One seed ran, but for the CK+ random split: its row gives seed 0's number, and over "
                                                    "random splits drawn with each seed it gives 94.0% ± 2.8%")


def test_deviations_name_the_data_the_run_used(tmp_path):
    """A synthetic run's rows say it used generated faces and scenes, its folds and its precision, not the reference run's."""
    from fer_lib.data.synthetic import GENERATED_SCENES
    from fer_lib.pipeline.records import PageRecord
    from fer_lib.report.deviations import deviations_table

    training_record(tmp_path, "residual", epochs_run=10, epochs=10, status="completed")
    real = deviations_table(tmp_path).set_index("what")
    assert real.loc["FERGIT", "ours"].startswith("all of FER-2013 and muxspace") and "muxspace user 628" in real.loc["Posed photos", "ours"]
    assert real.loc["Numeric precision", "ours"] == "bfloat16 mixed precision" and real.loc["Training budget", "ours"] == "a plan of 10 epochs, on a CPU"
    assert "measured where a training ran them, else extrapolated" in real.loc["Training budget", "measured effect in this run"]
    assert real.loc["Training budget", "why"] == "a residual FERGIT epoch takes 5.0 min here (median), so 100 epochs about 8 h"
    training_record(tmp_path, "residual", epochs_run=100, status="completed", minutes_per_epoch=6.0)  # ran the paper's epochs: measured
    assert deviations_table(tmp_path).set_index("what").loc["Training budget", "why"] == "the residual's 100 FERGIT epochs took 10.0 h here"
    training_record(tmp_path, "residual", synthetic=True, epochs_run=10, epochs=10, status="completed")
    fold = training_record(tmp_path, "ckplus-fold0", synthetic=True, dataset="synthetic-ckplus", split="subject-fold-0")
    fold.params["n_folds"] = 3
    write_record(fold, tmp_path / "training" / "ckplus-fold0" / "run.json")
    write_record(PageRecord(page="06_posed_images", values={"photos": GENERATED_SCENES, "n_photos": 4}), tmp_path / "metrics" / "06_posed_images.json")
    demo = deviations_table(tmp_path).set_index("what")
    assert demo.loc["FERGIT", "ours"] == "1,000 generated synthetic faces in its place"
    assert demo.loc["FERGIT", "measured effect in this run"] == demo.loc["Posed photos", "measured effect in this run"] == "not compared with the paper"
    assert demo.loc["Posed photos", "ours"].startswith(f"4 {GENERATED_SCENES}")
    assert demo.loc["CK+ protocol", "ours"] == "a random split of the frames, and 3 subject-independent folds beside it (on 1,000 synthetic CK+-like faces)"
    assert "synthetic demo" in demo.loc["Training budget", "why"] and "extrapolated" not in demo.loc["Training budget", "measured effect in this run"]
    assert demo.loc["Training budget", "ours"] == "a plan of 10 epochs (100 on the CK+ page), on a CPU"  # the fold planned 100
    assert "Batch size" not in demo.index  # 64 on both pages


def test_the_scorecard_says_how_to_read_it_for_its_data_and_seeds(tmp_path):
    from fer_lib.report.scorecard import NOT_COMPARED, scorecard_reading
    from fer_lib.report.summary import baselines_markdown

    real, fake = tmp_path / "real", tmp_path / "fake"
    training_record(real, "residual")
    training_record(fake, "residual", synthetic=True)
    assert scorecard_reading([real]).startswith("One seed ran. *Difference* is ours minus the paper's") and "else its median epoch times 100" in scorecard_reading([real])
    assert scorecard_reading([real, real]).startswith("2 seeds ran; *ours* is the mean")
    assert NOT_COMPARED in scorecard_reading([fake]) and "no training time is extrapolated" in scorecard_reading([fake])
    assert baselines_markdown(real) == ("For scale, with no learning: on the test faces of the residual CNN (100), guessing scores 14.3% "
                                        "and always answering angry (tied with disgust) 15.0%.")
    assert baselines_markdown(tmp_path) == ""


def test_restarts_are_a_deviation_only_when_a_training_restarted(tmp_path):
    from fer_lib.pipeline.records import RestartInfo
    from fer_lib.report.deviations import deviations_table

    r = training_record(tmp_path, "residual", epochs_run=12)
    assert "Interrupted trainings" not in set(deviations_table(tmp_path)["what"])
    r.restarts = [RestartInfo(epoch=e, reason="state/ missing", weights="models/residual.keras", weights_sha256="0" * 64, optimizer="fresh",
                              learning_rate=1e-3) for e in (5, 10)]
    write_record(r, tmp_path / "training" / "residual" / "run.json")
    row = deviations_table(tmp_path).set_index("what").loc["Interrupted trainings"]
    assert "(residual: after epochs 5 and 10)" in row["ours"] and row["measured effect in this run"].startswith("not measured")


def test_the_scorecard_gives_each_accuracy_its_interval_and_f1_both_averages(tmp_path):
    training_record(tmp_path, "residual", accuracy=0.6)
    training_record(tmp_path, "basic", accuracy=0.5)
    shown = display_table(build_scorecard([tmp_path])).set_index("what")
    assert shown.loc["Residual CNN, FERGIT test accuracy", "ours"] == "60.0% (95% CI 50.2-69.1%)"  # Wilson, 100 test faces
    assert shown.loc["Residual CNN, FERGIT training accuracy", "ours"] == "54.0%"  # a running mean over batches: no interval
    import re

    import numpy as np

    from fer_lib.report.stats import f1_intervals, precision_interval

    t = read_training(tmp_path, "residual")
    ci = f1_intervals(t.test.confusion_matrix)  # seeded: the same draws the scorecard made
    assert shown.loc["Residual CNN, F1-score (ours: macro)", "ours"] == (f"{t.test.macro_f1:.1%} macro (95% CI {ci['macro'][0] * 100:.1f}-{ci['macro'][1]:.1%}); "
                                                                        f"{t.test.weighted_f1:.1%} weighted (95% CI {ci['weighted'][0] * 100:.1f}-{ci['weighted'][1]:.1%})")
    worst = min(t.test.per_class, key=lambda c: t.test.per_class[c]["precision"])
    lo, hi = precision_interval(np.asarray(t.test.confusion_matrix), list(t.test.per_class).index(worst))
    shown_precision = shown.loc["Residual CNN, lowest per-class precision (paper: all over 50%)", "ours"]
    assert shown_precision == f"{t.test.per_class[worst]['precision']:.1%} (95% CI {lo * 100:.1f}-{hi:.1%})" and re.fullmatch(r"[\d.]+% \(95% CI [\d.]+-[\d.]+%\)", shown_precision)
    assert "most likely a macro one" in shown.loc["Residual CNN, F1-score (ours: macro)", "why they differ"]
    assert shown.loc["Residual minus basic CNN, FERGIT test accuracy", "ours"].startswith("+10.0 pp (95% CI -3.7 to +23.7 pp, unpaired")
    two = display_table(build_scorecard([tmp_path, tmp_path])).set_index("what")
    assert two.loc["Residual CNN, FERGIT test accuracy", "ours"] == "60.0% ± 0.0"  # over seeds: the spread, not one run's interval


def test_the_scorecard_says_a_repeated_protocol_and_reason_once():
    from fer_lib.report.scorecard import styled_scorecard

    shown = pd.DataFrame({"what": ["a", "b", "c"], "paper": ["1", "2", "3"], "ours": ["1", "2", "3"], "difference": ["", "", ""],
                          "our protocol": ["P", "P", "Q"], "why they differ": ["R", "R", "R"]})
    html = styled_scorecard(shown).to_html()
    assert html.count("<i>P</i>") == 1 and "<i>as in the row above</i><br>the same reason as the row above" in html and "<i>Q</i>" in html


def test_a_class_never_predicted_has_no_precision_interval_in_the_scorecard(tmp_path):
    import numpy as np

    from fer_lib.pipeline.records import Metrics
    from fer_lib.train.evaluate import metrics_from_proba

    t = training_record(tmp_path, "residual", accuracy=0.6)
    labels = np.arange(100) % 7
    pred = np.where(labels == 1, 0, labels)  # disgust never predicted
    t.test = Metrics(**metrics_from_proba(np.eye(7)[pred], labels, tuple(t.data.classes)))
    write_record(t, tmp_path / "training" / "residual" / "run.json")
    shown = display_table(build_scorecard([tmp_path])).set_index("what")
    assert shown.loc["Residual CNN, lowest per-class precision (paper: all over 50%)", "ours"] == "0.0% (disgust never predicted)"
