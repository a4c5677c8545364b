import json
import subprocess
import sys

import pytest

from fer_lib.pipeline.profiles import merge, parse_overrides


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "fer_lib", *args], capture_output=True, text=True)


def test_dotted_overrides_merge_into_the_profile():
    assert parse_overrides(["train.epochs=3", "train.augment.enabled=false", "seed=2"]) == {"train": {"epochs": 3, "augment": {"enabled": False}}, "seed": 2}
    merged = merge({"seed": 0, "train": {"epochs": 4, "batch_size": 32}}, parse_overrides(["train.epochs=1"]))
    assert merged == {"seed": 0, "train": {"epochs": 1, "batch_size": 32}}


def test_model_summary_json_gives_the_paper_counts():
    out = _cli("model", "summary", "--arch", "residual", "--json")
    assert out.returncode == 0, out.stderr
    from fer_lib.model.networks import build_model, parameter_counts

    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert counts == {"arch": "residual", "width": 1.0} | parameter_counts(build_model("residual"))  # the paper's are checked in test_models


def test_train_cli_rejects_unknown_parameters(tmp_path):
    out = _cli("train", "--out", str(tmp_path / "r"), "--set", "train.lr=0.1")
    assert out.returncode == 2 and "train.lr (from --set): unknown; the training parameters are: arch, width, epochs" in out.stderr


@pytest.mark.slow
def test_train_cli_records_a_paused_run_as_interim_and_resumes_it_to_completion(tmp_path):
    args = ["train", "--profile", "demo", "--out", str(tmp_path / "run"), "--verbose", "0", "--set", "n_faces=420", "--set", "train.width=0.125",
            "--set", "train.epochs=2", "--set", "train.max_epochs_per_session=1", "--set", "train.precision=float32"]
    first = _cli(*args)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "resume from epoch 2" in first.stdout and "(interim: best epoch so far)" in first.stdout
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["training"]["status"] == "paused" and run["interim"] is True and run["training"]["epochs_run"] == 1
    assert run["profile"] == "demo" and run["config"]["epochs"] == 2 and run["config"]["seed"] == 0
    assert run["data"]["synthetic"] and len(run["data"]["sha256"]) == 64 and sum(run["data"]["split_sizes"].values()) == 420
    env = run["environment"]
    assert env["keras_backend"] == "tensorflow" and env["device"].startswith("CPU") and "keras" in env["packages"]
    cm = run["test"]["confusion_matrix"]  # evaluated on its best epoch so far
    assert run["test"]["n"] == run["data"]["split_sizes"]["test"] == sum(map(sum, cm)) and len(cm) == 7
    assert run["test"]["accuracy"] == sum(cm[i][i] for i in range(7)) / run["test"]["n"]  # the accuracy is the matrix's
    predicted = [run["test"]["predictions"].count(str(k)) for k in range(7)]  # one digit a test face: the matrix's columns
    assert len(run["test"]["predictions"]) == run["test"]["n"] and predicted == [sum(row[k] for row in cm) for k in range(7)]
    second = _cli(*args)
    assert second.returncode == 0, second.stderr[-2000:]
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["training"]["status"] == "completed" and run["interim"] is False and len(run["history"]) == 2
    assert [s["status"] for s in run["sessions"]] == ["paused", "completed"]
    assert (tmp_path / "run" / "model.keras").is_file() and (tmp_path / "run" / "history.csv").is_file()
