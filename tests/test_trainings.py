"""Every training by name: the plan, safe reuse, export and import, and the runner on any backend."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fer_lib.pipeline import trainings
from fer_lib.pipeline.experiment import TrainingMismatch, run_training
from fer_lib.pipeline.profiles import load_profile
from fer_lib.pipeline.records import read_training

TINY = {"dataset": "synthetic", "n_faces": 160, "seed": 1, "split": "random",
        "train": {"arch": "residual", "width": 0.0625, "epochs": 1, "batch_size": 32, "precision": "float32", "bn_refresh_faces": 64}}


def test_the_cpu_profile_plans_every_training_most_important_first():
    plan = trainings.plan(load_profile("cpu"))
    names = [s.name for s in plan]
    assert names[:3] == ["residual", "basic", "ckplus-random"] and names.count("ckplus-random") == 1
    assert [n for n in names if n.startswith("ckplus-fold")] == [f"ckplus-fold{k}" for k in range(10)]
    by = {s.name: s for s in plan}
    assert by["residual"].train["epochs"] == by["basic"].train["epochs"] == 100  # equal budgets for the ablation
    assert by["residual-unweighted"].train == by["residual"].train | {"class_weights": "none"}
    assert by["ckplus-fold3"].split == "subject-fold-3" and by["ckplus-fold3"].train["epochs"] == 100
    assert len(by["residual-holdout"].holdout_files) == 4 and by["residual-fer2013-official"].split == "official"
    assert by["ckplus-random-keras-bn"].train["bn_refresh_faces"] == 0 and by["ckplus-random-float32"].train["precision"] == "float32"
    assert [s.name for s in plan if s.export] == ["residual", "basic"]
    assert [(s.name, s.seed, s.split) for s in plan if s.name.startswith("ckplus-random-seed")] == [
        ("ckplus-random-seed1", 1, "random"), ("ckplus-random-seed2", 2, "random")]
    assert by["ckplus-random-seed2"].train == by["ckplus-random"].train and by["ckplus-random"].seed is None


def test_a_ckplus_seed_draws_its_own_split_of_the_same_faces_and_its_own_weights():
    params = load_profile("smoke", {"ckplus_seeds": [1, 2]})
    faces, first = trainings.split_for("ckplus-random", params)
    again, other = trainings.split_for("ckplus-random-seed1", params)
    assert faces is again and first.sizes() == other.sizes() and not np.array_equal(first.test, other.test)
    assert trainings.spec(params, "ckplus-random-seed2").params(params)["seed"] == 2 and trainings.spec(params, "ckplus-random").params(params)["seed"] == 0


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One finished tiny training (the residual of a profile), copied by each test that needs it."""
    run = tmp_path_factory.mktemp("finished")
    trainings.run("residual", TINY | {"profile": "test"}, run)
    return run


def _copy(finished, dest):
    import shutil

    shutil.copytree(finished, dest)
    return dest


def test_a_finished_training_is_reused_and_other_data_is_refused(tmp_path, finished):
    folder = _copy(finished, tmp_path / "run") / "training" / "residual"
    first = read_training(tmp_path / "run", "residual")
    stamp = (folder / "run.json").stat().st_mtime_ns
    again = run_training(TINY, folder)
    assert again == first and (folder / "run.json").stat().st_mtime_ns == stamp  # not retrained, not rewritten
    with pytest.raises(TrainingMismatch, match="data sha256 .* is not this data's"):
        run_training(TINY | {"n_faces": 170}, folder)
    with pytest.raises(TrainingMismatch, match=r"recipe differs in \['batch_size'\]"):
        run_training(TINY | {"train": TINY["train"] | {"batch_size": 16}}, folder)
    with pytest.raises(TrainingMismatch, match="split sha256"):
        run_training(TINY | {"holdout_files": ["synthetic_1_000003"]}, folder)
    with pytest.raises(FileNotFoundError, match="no training 'other' in this run folder to reuse"):
        run_training(TINY, tmp_path / "other", reuse=True)


def test_a_page_shows_a_missing_optional_training_as_not_run_only_when_it_must_not_train(tmp_path, monkeypatch, finished):
    params = TINY | {"profile": "test"}
    _copy(finished, tmp_path / "run")
    monkeypatch.setenv("FER_TRAININGS", "reuse")
    assert trainings.shown("residual", params, tmp_path / "run") == read_training(tmp_path / "run", "residual")
    assert trainings.shown("residual-unweighted", params, tmp_path / "run") is None
    with pytest.raises(FileNotFoundError, match="no training 'residual-unweighted'"):
        trainings.run("residual-unweighted", params, tmp_path / "run")
    assert trainings.not_run_markdown("residual-unweighted").startswith("*Not run in this run folder yet*: Residual CNN without class weights. ")
    monkeypatch.setenv("FER_PROFILE_NAME", "cpu")  # what the notebook runner sets
    assert "--profile cpu --out RUN --only residual-unweighted`" in trainings.not_run_markdown("residual-unweighted")


def test_a_page_leaves_out_a_training_whose_record_is_here_but_whose_network_is_not(tmp_path, finished):
    """A new machine has a paused training's record but not its network (never shipped): the posed page
    finds none (``network_path``), leaves it out and says why, instead of failing to load the file."""
    from fer_lib.model.files import ModelNotFound

    run = _copy(finished, tmp_path / "run")
    record = read_training(run, "residual")
    assert trainings.network_path("residual", run) == run / "training" / "residual" / "model.keras"
    (run / "training" / "residual" / "model.keras").unlink()
    assert trainings.network_path("residual", run) is None  # models/ holds no copy of this training
    with pytest.raises(ModelNotFound, match="model.keras"):
        trainings.network("residual", run)
    note = trainings.no_network_markdown(record, run)
    assert note.startswith("*Record without its network*: Residual CNN (1 of 1 epochs). ")
    assert "training/residual`" in note and "--only residual`" in note


def test_the_posed_page_uses_the_held_out_network_only_where_it_is_here(tmp_path, monkeypatch, finished):
    """The posed page's trainings: the paper-split network always; the held-out one when its network is
    here; else a note (not run yet, or its record without its network), and none when a file is given."""
    import dataclasses

    from fer_lib.report.pages import posed_trainings

    run = _copy(finished, tmp_path / "run")
    paper = read_training(run, "residual")
    held = dataclasses.replace(paper, name="residual-holdout")  # its record, without a folder or network here
    monkeypatch.setattr(trainings, "run", lambda name, params, run_dir, **kw: paper)
    monkeypatch.setattr(trainings, "shown", lambda name, params, run_dir, **kw: held)
    params = {"posed_holdout": ["a.png"]}
    used, lost, note = posed_trainings(params, run, None)
    assert used == {"the paper's split": paper} and lost is held and note.startswith("*Record without its network*: ")
    assert posed_trainings(params, run, "given.keras") == ({"the paper's split": paper, "the person held out": held}, None, "")
    monkeypatch.setattr(trainings, "network_path", lambda name, run_dir: run / "training" / "residual" / "model.keras")
    assert posed_trainings(params, run, None) == ({"the paper's split": paper, "the person held out": held}, None, "")
    monkeypatch.setattr(trainings, "shown", lambda name, params, run_dir, **kw: None)
    assert posed_trainings(params, run, None)[2].startswith("*Not run in this run folder yet*: ")
    assert posed_trainings({"posed_holdout": None}, run, None) == ({"the paper's split": paper}, None, "")


def test_run_training_takes_given_faces_and_split(tmp_path):
    from fer_lib.data.splits import Split
    from fer_lib.data.synthetic import generate_faces

    faces = generate_faces(150, seed=4)
    idx = np.arange(150)
    split = Split(idx[:100], idx[100:130], idx[130:])
    record = run_training(TINY, tmp_path / "given", faces=faces, split=split)
    assert record.data.split_sizes == {"train": 100, "val": 30, "test": 20} and record.test.n == 20
    assert record.data.n == 150 and record.training.epochs_run == 1


def test_export_and_import_carry_records_and_networks_in_small_parts(tmp_path, monkeypatch, finished):
    params = TINY | {"profile": "test"}
    _copy(finished, tmp_path / "run")
    monkeypatch.setattr(trainings, "MAX_EXPORT_FILE", 50_000)  # a tiny network, so force several parts
    files = trainings.export(params, tmp_path / "run", tmp_path / "export")
    parts = sorted(p.name for p in files if ".part" in p.name)
    assert len(parts) > 1 and all(p.stat().st_size <= 50_000 for p in files)
    assert not any("state" in str(p) for p in files)
    assert trainings.import_export(tmp_path / "export", tmp_path / "home") == ["residual"]
    original = (tmp_path / "run" / "training" / "residual" / "model.keras").read_bytes()
    assert (tmp_path / "home" / "training" / "residual" / "model.keras").read_bytes() == original
    # the run folder that received it reuses the training as it is
    assert trainings.run("residual", params, tmp_path / "home", reuse=True).test.accuracy == json.loads(
        (tmp_path / "run" / "training" / "residual" / "run.json").read_text())["test"]["accuracy"]


RUNNER = textwrap.dedent("""
    # As on a GPU box: TensorFlow, papermill, Jupyter and myst-nb are not there (importing them fails).
    import json, sys
    ABSENT = ("tensorflow", "papermill", "nbformat", "nbclient", "myst_nb", "jupyter_client", "jupyter_core", "IPython", "ipykernel")

    class Absent:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ABSENT:
                raise ModuleNotFoundError(f"No module named {name!r} (absent on this machine)")
            return None

    sys.meta_path.insert(0, Absent())
    from fer_lib.cli import main
    from fer_lib.pipeline.records import read_training
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import build_trainer

    out, common = sys.argv[1], ["trainings", "--profile", "smoke", "--only", "residual", "--verbose", "0"]
    jit = [build_trainer(TrainConfig.from_dict({"width": 0.125, "augment": aug}), 7)[0].jit_compile for aug in (True, False)]
    rc = [main([*common, "--out", out + "/straight"])]
    for _ in range(2):  # paused after one epoch, then resumed to the end
        rc.append(main([*common, "--out", out + "/resumed", "--set", "train.max_epochs_per_session=1"]))
    a, b = read_training(out + "/straight", "residual"), read_training(out + "/resumed", "residual")
    keys = ("loss", "accuracy", "val_accuracy", "val_loss")
    print(json.dumps({"rc": rc, "jit": jit, "loaded": sorted(m for m in ABSENT if m in sys.modules),
                      "record": [a.environment["keras_backend"], a.training.jit_compile, b.training.jit_compile, [s.status for s in b.sessions]],
                      "same_history": [[r[k] for k in keys] for r in a.history] == [[r[k] for k in keys] for r in b.history]}))
""")


@pytest.mark.slow
def test_the_jax_runner_compiles_its_step_resumes_exactly_and_needs_no_tensorflow_or_jupyter(tmp_path):
    """Under JAX the whole step, augmentation included, is one compiled function (jit on,
    with or without augmentation); a training paused and resumed ends as an uninterrupted
    one; and the runner works with TensorFlow, papermill and Jupyter unimportable."""
    pytest.importorskip("jax", reason="the [jax] extra is not installed")
    env = os.environ | {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "jax-cache"),
                        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}  # the resumed run reuses the first run's compiled step
    run = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got == {"rc": [0, 0, 0], "jit": [True, True], "loaded": [], "record": ["jax", True, True, ["paused", "completed"]], "same_history": True}


def test_a_training_is_not_reused_for_another_plan_nor_restarted_over_its_history(tmp_path, finished):
    _copy(finished, tmp_path / "run")
    with pytest.raises(TrainingMismatch, match="planned for 1 epochs"):
        run_training(TINY | {"train": TINY["train"] | {"epochs": 3}}, tmp_path / "run" / "training" / "residual", reuse=True)
    import shutil

    paused = TINY | {"train": TINY["train"] | {"epochs": 2, "max_epochs_per_session": 1}}
    assert run_training(paused, tmp_path / "p").training.status == "paused"
    shutil.rmtree(tmp_path / "p" / "state")  # as after an export, or a clone: the history stays, the state does not
    (tmp_path / "p" / "model.keras").unlink()  # and no network of its best epoch to restart from
    with pytest.raises(ValueError, match=r"epochs of history but no state/ to resume from.*ship-models --only p\)"):
        run_training(paused, tmp_path / "p")
    assert run_training(paused, tmp_path / "p", reuse=True).training.status == "paused"  # shown as it is


def _ship(out, models) -> dict:
    """Ship ``out``'s network to ``models`` as ``ship-models`` does; its ``models.json`` entry."""
    from fer_lib.pipeline.ship import ship_models

    return ship_models(out.parent.parent, (out.name,), dest=models)[out.name]


@pytest.mark.slow
def test_a_training_without_its_state_restarts_from_the_shipped_network_of_its_best_epoch(tmp_path, monkeypatch):
    """A new machine has the records and models/ but no state/: the training carries on
    from the shipped network with the learning rate and counters replayed from its history,
    and its record says so; a shipped file that is not that training's is not used."""
    import shutil

    from fer_lib.pipeline.experiment import restart_source
    from fer_lib.pipeline.records import read_training

    paused = TINY | {"train": TINY["train"] | {"epochs": 3, "max_epochs_per_session": 1, "augment": False}}
    out = tmp_path / "run" / "training" / "residual"
    first = run_training(paused, out)
    assert first.training.status == "paused" and first.training.best_epoch == 1
    models = tmp_path / "models"
    entry = _ship(out, models)
    shutil.rmtree(out / "state")
    (out / "model.keras").unlink()
    (out / "best.weights.h5").unlink()
    assert restart_source(out, first, models).weights == models / "residual.keras"
    from fer_lib.pipeline.experiment import shipped_network

    assert shipped_network(first, "residual", models) == models / "residual.keras"  # what trainings.network loads on a new machine
    assert shipped_network(first, "basic", models) is None
    (models / "models.json").write_text(json.dumps({"residual": entry | {"epochs_run": 2}}))
    assert restart_source(out, first, models) is None  # another moment of the training
    (models / "models.json").write_text(json.dumps({"residual": entry | {"sha256": "0" * 64}}))
    with pytest.raises(ValueError, match="not the file"):
        restart_source(out, first, models)
    (models / "models.json").write_text(json.dumps({"residual": entry}))

    from fer_lib.pipeline import experiment

    monkeypatch.setattr(experiment, "restart_source", lambda o, p, models_dir=None: restart_source(o, p, models))
    second = run_training(paused, out)
    assert second.training.status == "paused" and second.training.epochs_run == 2
    assert [r["epoch"] for r in second.history] == [0, 1]
    (r,) = second.restarts
    assert r.epoch == 1 and r.optimizer == "fresh" and r.learning_rate == pytest.approx(1e-3) and "new machine" in r.reason
    assert r.weights_sha256 == entry["sha256"]
    assert read_training(tmp_path / "run", "residual").restarts == second.restarts
    third = run_training(paused, out)  # from here on an ordinary resume from state/, the restart kept in the record
    assert third.training.epochs_run == 3 and third.restarts == second.restarts


@pytest.mark.slow
def test_a_training_without_its_state_restarts_from_a_network_shipped_at_an_earlier_epoch(tmp_path, monkeypatch):
    """``models/`` holds the network of epoch 1 but the record has run 2 epochs on a machine since
    lost: the training restarts from epoch 1, its history's later epochs dropped, and says so;
    a copy shipped for another plan, or from a later best epoch than the record's, is not used."""
    import shutil

    from fer_lib.pipeline import experiment
    from fer_lib.pipeline.experiment import restart_source

    paused = TINY | {"train": TINY["train"] | {"epochs": 3, "max_epochs_per_session": 1, "augment": False}}
    out, models = tmp_path / "run" / "training" / "residual", tmp_path / "models"
    run_training(paused, out)
    entry = _ship(out, models)
    later = run_training(paused, out)
    assert later.training.epochs_run == 2
    for name in ("state", "model.keras", "best.weights.h5"):
        shutil.rmtree(out / name) if (out / name).is_dir() else (out / name).unlink()
    restart = restart_source(out, later, models)
    assert restart.epoch == 1 and "shipped after epoch 1 of the 2 run so far" in restart.reason
    for other in ({"epochs_planned": 5}, {"best_epoch": later.training.best_epoch + 1, "epochs_run": 2}, {"epochs_run": 3}):
        (models / "models.json").write_text(json.dumps({"residual": entry | other}))
        assert restart_source(out, later, models) is None, other
    (models / "models.json").write_text(json.dumps({"residual": entry}))
    monkeypatch.setattr(experiment, "restart_source", lambda o, p, models_dir=None: restart_source(o, p, models))
    note = trainings.no_network_markdown(later, out.parent.parent)  # a page that needs its network: carry it on, not start again
    assert "`models/` holds its network of epoch 1: `" in note and "carries the training on from there." in note and "Delete" not in note
    again = run_training(paused, out)
    assert again.training.epochs_run == 2 and [r["epoch"] for r in again.history] == [0, 1]
    assert [r.epoch for r in again.restarts] == [1] and again.restarts[0].weights_sha256 == entry["sha256"]


def test_an_import_checks_the_joined_network_and_refuses_a_local_training(tmp_path, monkeypatch, finished):
    params = TINY | {"profile": "test"}
    _copy(finished, tmp_path / "run")
    monkeypatch.setattr(trainings, "MAX_EXPORT_FILE", 50_000)
    trainings.export(params, tmp_path / "run", tmp_path / "export")
    with pytest.raises(FileExistsError, match="holds a local training"):
        trainings.import_export(tmp_path / "export", tmp_path / "run")  # the same folder still has state/
    (tmp_path / "export" / "training" / "residual" / "model.keras.part001").unlink()
    with pytest.raises(ValueError, match="do not match model.sha256"):
        trainings.import_export(tmp_path / "export", tmp_path / "home")


def test_how_a_training_stopped_reads_its_epochs(tmp_path):
    from datafixtures import training_record

    full, early = (training_record(tmp_path, n, status="early_stopped", epochs_run=e, epochs=100) for n, e in (("a", 100), ("b", 62)))
    assert full.how_it_stopped == "ran all 100 planned epochs" and full.stop_status == "completed"
    assert early.how_it_stopped == "stopped by EarlyStopping after 62 of 100 planned epochs" and early.stop_status == "early_stopped"
    paused = training_record(tmp_path, "c", status="paused", epochs_run=10)
    assert paused.how_it_stopped == "paused after 10 of 100 epochs (an interim result that a later session continues)"
    from fer_lib.pipeline.records import RestartInfo

    paused.restarts = [RestartInfo(4, "state/ missing", "models/c.keras", "00" * 32, "fresh", 1e-3)]
    assert paused.how_it_stopped.endswith("continues; restarted once from saved weights with a fresh optimizer)")
    full.restarts = paused.restarts * 4  # a finished training that lost its state four times says so beside its verdicts
    assert full.how_it_stopped == "ran all 100 planned epochs (restarted 4 times from saved weights with a fresh optimizer)"
