"""Faults a long training meets, injected: a kill or a full disk at every point of a save, a
second process on the same folder, a loss that becomes NaN, corrupt and truncated files."""

import errno
import json
import multiprocessing
import shutil

import numpy as np
import pytest
from datafixtures import faces_split, model_weights

from fer_lib.model.files import CorruptModel, load_model, load_trainer
from fer_lib.train import state as state_mod
from fer_lib.train.config import TrainConfig
from fer_lib.train.lock import FolderBusy, folder_lock
from fer_lib.train.loop import read_history, train
from fer_lib.train.state import StateError, find_state, restore, write_snapshot

POINTS = ("mkdir", "model", "history.csv", "best.weights.h5", "state.json", "manifest", "rename-old", "rename-new")


class Kill(BaseException):
    """A kill: nothing after it runs (not an Exception, so nothing catches it)."""


def _faults(monkeypatch, point: str, fault: BaseException, at_call: int = 1):
    calls = {"n": 0}

    def fault_point(name):
        if name == point:
            calls["n"] += 1
            if calls["n"] == at_call:
                raise fault

    monkeypatch.setattr(state_mod, "fault_point", fault_point)


def _epoch(out, epoch: int, best: bool) -> None:
    """What one epoch leaves beside the state before its snapshot: a history row, maybe a better checkpoint."""
    with open(out / "history.csv", "a") as f:
        f.write(("epoch,loss\n" if epoch == 0 else "") + f"{epoch},{1.0 / (epoch + 1)}\n")
    if best:
        (out / "best.weights.h5").write_text(f"best of epoch {epoch}")


def _snapshot(out, epoch: int) -> None:
    write_snapshot(out, lambda path: path.write_text(f"trainer after epoch {epoch}"), {"next_epoch": epoch + 1})


@pytest.mark.parametrize("fault", ["kill", "disk full"])
@pytest.mark.parametrize("point", POINTS)
def test_a_save_interrupted_at_any_point_leaves_one_whole_consistent_state(tmp_path, monkeypatch, point, fault):
    """Epochs 0 and 1 save; the save of epoch 2 is interrupted at ``point``. The state found is
    epoch 1's, or epoch 2's when its snapshot was already whole, and restoring it puts the
    history and the checkpoint of that same epoch beside it."""
    out = tmp_path
    for epoch in (0, 1):
        _epoch(out, epoch, best=True)
        _snapshot(out, epoch)
    _epoch(out, 2, best=True)
    _faults(monkeypatch, point, Kill() if fault == "kill" else OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(Kill if fault == "kill" else OSError):
        _snapshot(out, 2)
    folder, state = find_state(out)
    done = state["next_epoch"] - 1
    assert done == (2 if point in ("manifest", "rename-old", "rename-new") else 1)
    restore(out, folder)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("state")) == ["state"]
    assert (out / "state" / "model.keras").read_text() == f"trainer after epoch {done}"
    assert [r["epoch"] for r in read_history(out / "history.csv")] == list(range(done + 1))
    assert (out / "best.weights.h5").read_text() == f"best of epoch {done}"
    monkeypatch.setattr(state_mod, "fault_point", lambda name: None)
    _epoch(out, done + 1, best=False)  # and training goes on from there
    _snapshot(out, done + 1)
    assert find_state(out)[1]["next_epoch"] == done + 2


def test_a_damaged_snapshot_is_named_and_an_older_whole_one_is_used(tmp_path):
    _epoch(tmp_path, 0, best=True)
    _snapshot(tmp_path, 0)
    (tmp_path / "state" / "model.keras").write_text("trainer after epoch 9")  # same size, other bytes
    with pytest.raises(StateError, match=r"model.keras: sha256 differs"):
        find_state(tmp_path)
    shutil.copytree(tmp_path / "state", tmp_path / "state.old")
    (tmp_path / "state.old" / "model.keras").write_text("trainer after epoch 0")
    assert find_state(tmp_path)[0] == tmp_path / "state.old"
    (tmp_path / "state.old" / "history.csv").unlink()
    with pytest.raises(StateError, match="history.csv: missing"):
        find_state(tmp_path)


TINY = dict(arch="residual", width=0.0625, epochs=3, batch_size=32, seed=2, augment=False, bn_refresh_faces=0, precision="float32")


@pytest.fixture(scope="module")
def data():
    return faces_split(128, seed=3, n_train=96)


@pytest.mark.slow
def test_a_training_killed_inside_a_save_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch, data):
    """The worst point: the old state renamed away, the new one not yet in its place (the
    other points leave the same folders in other states, see the test above)."""
    straight = train(TrainConfig.from_dict(TINY), *data, tmp_path / "straight")
    _faults(monkeypatch, "rename-old", Kill(), at_call=2)  # inside the save of the second epoch
    with pytest.raises(Kill):
        train(TrainConfig.from_dict(TINY), *data, tmp_path / "killed")
    monkeypatch.setattr(state_mod, "fault_point", lambda name: None)
    resumed = train(TrainConfig.from_dict(TINY), *data, tmp_path / "killed")
    assert resumed["best_epoch"] == straight["best_epoch"] and resumed["status"] == straight["status"] == "completed"
    assert read_history(tmp_path / "straight" / "history.csv") == [
        r | {k: v for k, v in s.items() if k.endswith("time_s")} for r, s in
        zip(read_history(tmp_path / "killed" / "history.csv"), read_history(tmp_path / "straight" / "history.csv"))]
    assert all(np.array_equal(a, b) for a, b in zip(model_weights(tmp_path / "straight" / "model.keras"), model_weights(tmp_path / "killed" / "model.keras")))


@pytest.mark.parametrize("point", POINTS[:5])
def test_a_kill_inside_the_first_save_leaves_nothing_of_that_epoch(tmp_path, monkeypatch, point):
    from fer_lib.train.state import discard_unsaved

    _epoch(tmp_path, 0, best=True)
    _faults(monkeypatch, point, Kill())
    with pytest.raises(Kill):
        _snapshot(tmp_path, 0)
    assert find_state(tmp_path) is None and read_history(tmp_path / "history.csv")  # a history row of an epoch never saved
    assert discard_unsaved(tmp_path) and sorted(p.name for p in tmp_path.iterdir()) == []  # the training starts from the first epoch
    assert not discard_unsaved(tmp_path)


@pytest.mark.slow
def test_a_loss_that_becomes_nan_stops_the_training_as_diverged_and_keeps_the_last_good_state(tmp_path, data):
    record = train(TrainConfig.from_dict(TINY | {"learning_rate": 1e12, "epochs": 4}), *data, tmp_path)
    assert record["status"] == "diverged" and record["diverged_epoch"] >= 1
    history = read_history(tmp_path / "history.csv")
    assert len(history) == record["diverged_epoch"] - 1 and all(np.isfinite(r["loss"]) for r in history)
    if history:  # the last good state and checkpoint are the epoch before the divergence
        assert find_state(tmp_path)[1]["next_epoch"] == len(history)
        assert all(np.isfinite(w).all() for w in model_weights(tmp_path / "model.keras"))


def _hold(folder, ready, done):
    with folder_lock(folder, "a test training"):
        ready.set()
        done.wait(30)


def test_a_second_process_on_a_folder_in_use_stops_at_once_and_a_dead_holders_lock_is_taken_over(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(tmp_path, ready, done))
    holder.start()
    assert ready.wait(30)
    with pytest.raises(FolderBusy, match=rf"{tmp_path} is in use by process {holder.pid} .*a test training"):
        with folder_lock(tmp_path):
            pass
    holder.kill()  # killed while holding it: the kernel releases the lock, the file stays
    holder.join()
    assert json.loads((tmp_path / ".lock").read_text())["pid"] == holder.pid
    with folder_lock(tmp_path, "the next training"):
        assert json.loads((tmp_path / ".lock").read_text())["what"] == "the next training"


def test_a_truncated_or_foreign_model_file_is_named_with_its_size(tmp_path):
    from fer_lib.model.networks import build_model

    path = tmp_path / "net.keras"
    build_model("residual", width=0.0625).save(path)
    whole = path.read_bytes()
    (tmp_path / "cut.keras").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CorruptModel, match=rf"cut.keras \({len(whole) // 2:,} bytes\) is not a whole model file: expected a .keras file"):
        load_model(tmp_path / "cut.keras")
    (tmp_path / "text.keras").write_text("not a model")
    with pytest.raises(CorruptModel, match=r"text.keras \(11 bytes\)"):
        load_trainer(tmp_path / "text.keras")
    import zipfile

    with zipfile.ZipFile(tmp_path / "other.keras", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(CorruptModel, match=r"lacks \['config.json', 'model.weights.h5'\]"):
        load_model(tmp_path / "other.keras")


def test_predict_names_a_corrupt_model(tmp_path, capsys):
    from fer_lib.cli import main

    (tmp_path / "cut.keras").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "face.png").write_bytes(b"")
    assert main(["predict", str(tmp_path / "face.png"), "--model", str(tmp_path / "cut.keras")]) == 2
    err = capsys.readouterr().err
    assert "cut.keras (14 bytes) is not a whole model file" in err and "File not found" not in err


@pytest.mark.slow
def test_a_killed_session_that_never_wrote_its_record_is_still_counted(tmp_path, monkeypatch):
    """A session killed after saving its first epoch's state leaves no record; the session
    that resumes counts it, with its epochs' time, so the record's sessions add up."""
    from fer_lib.pipeline.experiment import run_training

    params = {"dataset": "synthetic", "n_faces": 160, "seed": 1, "split": "random",
              "train": {"arch": "residual", "width": 0.0625, "epochs": 3, "batch_size": 32, "precision": "float32", "bn_refresh_faces": 64, "augment": False}}
    _faults(monkeypatch, "rename-old", Kill(), at_call=2)  # inside the save of the second epoch, its new state already whole
    with pytest.raises(Kill):
        run_training(params, tmp_path / "run")
    monkeypatch.setattr(state_mod, "fault_point", lambda name: None)
    record = run_training(params, tmp_path / "run")
    first, second = record.sessions
    assert (first.status, first.epochs_run, second.status, second.epochs_run) == ("interrupted", 2, "completed", 3)
    assert first.wall_s == pytest.approx(sum(r["epoch_time_s"] for r in record.history[:2]))


def test_a_pause_file_stops_a_running_training_at_the_end_of_its_epoch(tmp_path):
    """`touch FOLDER/PAUSE` ends a session cleanly, at the end of the epoch under way (the
    record and state are then written as for any pause); the request is used up. A PAUSE
    left from before a session starts is removed by train() (tests/test_training.py)."""
    from types import SimpleNamespace

    from fer_lib.train.callbacks import PAUSE_FILE, Budget

    budget = Budget(None, None, tmp_path / PAUSE_FILE)
    budget.set_model(SimpleNamespace(stop_training=False))
    budget.on_train_begin()
    for epoch in range(2):
        budget.on_epoch_begin(epoch)
        if epoch == 1:
            (tmp_path / PAUSE_FILE).touch()
        budget.on_epoch_end(epoch)
        assert budget.paused == budget.model.stop_training == (epoch == 1)
    assert not (tmp_path / PAUSE_FILE).exists()


@pytest.mark.parametrize(("epoch_seconds", "budget_s", "epochs_run"), [
    ((400, 250, 250, 250), 1000, 3),  # a slow first epoch (tracing, or a busy machine) does not judge the later ones
    ((100, 300, 100, 100), 650, 2),  # a slow later epoch does
    ((400, 100), 700, 1),  # with one epoch run, it is the measure
])
def test_a_time_budget_pauses_before_an_epoch_that_would_end_past_it(monkeypatch, epoch_seconds, budget_s, epochs_run):
    """The next epoch is expected to take as long as the longest of this session's
    epochs after its first (the first alone while it is the only one)."""
    from types import SimpleNamespace

    from fer_lib.train import callbacks

    clock = [0.0]
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: clock[0])
    budget = callbacks.Budget(None, budget_s)
    budget.set_model(SimpleNamespace(stop_training=False))
    budget.on_train_begin()
    ran = 0
    while not budget.model.stop_training and ran < len(epoch_seconds):
        budget.on_epoch_begin(ran)
        clock[0] += epoch_seconds[ran]
        budget.on_epoch_end(ran)
        ran += 1
    assert (ran, budget.paused) == (epochs_run, epochs_run < len(epoch_seconds))


def test_a_history_replaced_under_a_running_training_stops_it_before_a_wrong_snapshot(tmp_path):
    """A history.csv swapped under the training (a git stash or checkout) would leave the snapshot's copy
    short of its epochs: the snapshot refuses, naming the file, and the last whole snapshot stays."""
    from fer_lib.train.callbacks import TrainingState
    from fer_lib.train.state import StateError

    (tmp_path / "history.csv").write_text("epoch,accuracy\n0,0.1\n1,0.2\n")  # two rows where epoch 3 has just ended
    with pytest.raises(StateError, match="history.csv holds 2 epochs at the end of epoch 3: it was replaced or edited"):
        TrainingState(tmp_path, [], {}, None).on_epoch_end(2)
    assert not (tmp_path / "state").exists() and not (tmp_path / "state.tmp").exists()
