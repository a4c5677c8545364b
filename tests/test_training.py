import csv

import keras
import numpy as np
import pytest
from datafixtures import faces_split, model_weights

from fer_lib.model.preprocess import preprocess
from fer_lib.train.config import TrainConfig
from fer_lib.train.loop import StateMismatch, _truncate_history, build_trainer, read_history, train
from fer_lib.train.stream import BatchStream

TINY = dict(arch="residual", width=0.125, epochs=4, batch_size=32, seed=5, reduce_lr_patience=1, reduce_lr_factor=0.5, early_stopping_patience=10)


@pytest.fixture(scope="module")
def data():
    return faces_split(260, seed=11, n_train=200)


def test_preprocess_scales_to_unit_range_with_a_channel():
    x = preprocess(np.array([[[0, 255]]], np.uint8))
    assert x.shape == (1, 1, 2, 1) and x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    with pytest.raises(ValueError, match="uint8"):
        preprocess(np.zeros((1, 2, 2), np.float32))


def test_batch_stream_order_is_fixed_by_seed_and_epoch():
    x = np.arange(10, dtype=np.uint8).reshape(10, 1, 1).repeat(2, 1).repeat(2, 2)
    y = np.array([0] * 8 + [1] * 2)
    s = BatchStream(x, y, 2, 4, seed=1, class_weight={0: 0.5, 1: 2.0}, epochs=3)
    assert s.steps == 2 and len(s) == 6  # full batches only
    epoch0 = np.concatenate([s[i][0][:, 0, 0, 0] for i in range(2)])
    epoch1 = np.concatenate([s[i][0][:, 0, 0, 0] for i in range(2, 4)])
    assert len(set(epoch0.tolist())) == 8 and not np.array_equal(epoch0, epoch1)  # no face twice in an epoch
    resumed = BatchStream(x, y, 2, 4, seed=1, start_epoch=1, epochs=3)
    assert len(resumed) == 4 and np.array_equal(resumed[0][0], s[2][0])  # a resumed stream continues the same order
    labels = s[0][1].argmax(1)
    assert np.allclose(s[0][2], np.where(labels == 1, 2.0, 0.5))


def test_config_rejects_unknown_keys_and_switches_augmentation_off():
    assert TrainConfig.from_dict({"augment": False}).augment.enabled is False
    with pytest.raises(ValueError, match="training parameter lr: unknown; the training parameters are: arch, width, epochs"):
        TrainConfig.from_dict({"lr": 0.1})
    with pytest.raises(ValueError, match=r"training parameter augment.zoom: Input should be a valid number \(got 'x'\)"):
        TrainConfig.from_dict({"augment": {"zoom": "x"}})


class _Crash(keras.callbacks.Callback):
    """Simulates a kill in the middle of an epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch and batch == 2:
            raise KeyboardInterrupt("simulated kill")

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch


@pytest.mark.slow
def test_killed_and_paused_runs_resume_to_the_uninterrupted_result(tmp_path, data):
    """Also the determinism test: epochs run in different processes and sessions with the
    same seed give the same metrics, learning rates and weights."""
    recipe = TINY | {"seed": 6}  # a seed whose validation accuracy falls early: ReduceLROnPlateau fires before and after the pause
    cfg = TrainConfig.from_dict(recipe)
    straight = train(cfg, *data, tmp_path / "straight")

    with pytest.raises(KeyboardInterrupt):
        train(cfg, *data, tmp_path / "resumed", extra_callbacks=[_Crash(epoch=1)])
    assert [r["epoch"] for r in read_history(tmp_path / "resumed" / "history.csv")] == [0]
    (tmp_path / "resumed" / "PAUSE").touch()  # asked for while nothing ran: not this session's, it must not stop it after one epoch
    paused = train(TrainConfig.from_dict(recipe | {"max_epochs_per_session": 2}), *data, tmp_path / "resumed")
    assert paused["status"] == "paused" and paused["epochs_run"] == 3
    done = train(cfg, *data, tmp_path / "resumed")

    keys = ("loss", "accuracy", "val_accuracy", "learning_rate")
    h1, h2 = read_history(tmp_path / "straight" / "history.csv"), read_history(tmp_path / "resumed" / "history.csv")
    assert [[r[k] for k in keys] for r in h1] == [[r[k] for k in keys] for r in h2]
    assert h1[-1]["learning_rate"] < 1e-3  # ReduceLROnPlateau fired, and its counters survived the resume
    assert done["best_epoch"] == straight["best_epoch"] and done["status"] == straight["status"]
    assert all(np.array_equal(x, y) for x, y in zip(model_weights(tmp_path / "straight" / "model.keras"), model_weights(tmp_path / "resumed" / "model.keras")))


def test_resume_refuses_a_different_recipe(tmp_path, data):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.json").write_text('{"recipe": {"arch": "basic"}, "next_epoch": 1}')
    (tmp_path / "state" / "model.keras").write_bytes(b"")  # a state/ as written before snapshots had a manifest
    with pytest.raises(ValueError, match="different recipe"):
        train(TrainConfig.from_dict(TINY), *data, tmp_path)


def test_history_rows_of_redone_epochs_are_dropped(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,1.0\n1,0.9\n2,0.8\n")
    _truncate_history(path, 2)
    assert [r["epoch"] for r in csv.DictReader(path.open())] == ["0", "1"]


def test_resuming_on_other_faces_is_refused(tmp_path, data):
    cfg = TrainConfig.from_dict(TINY | {"width": 0.0625, "epochs": 2, "max_epochs_per_session": 1, "bn_refresh_faces": 0})
    x, y, xv, yv = data
    assert train(cfg, x, y, xv, yv, tmp_path)["status"] == "paused"
    other = x.copy()
    other[0, 0, 0] ^= 1  # one pixel of one face
    with pytest.raises(StateMismatch, match="trained on other faces"):
        train(cfg, other, y, xv, yv, tmp_path)
    with pytest.raises(StateMismatch, match="other faces"):
        train(cfg, x, y, xv[::-1], yv[::-1], tmp_path)  # same faces, another order of the validation split


def test_augmentation_can_be_switched_off(tmp_path):
    trainer, net = build_trainer(TrainConfig.from_dict({"width": 0.125, "augment": False}), 7)
    assert [layer.name for layer in trainer.layers] == [net.name]
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (80, 48, 48), dtype=np.uint8), np.arange(80) % 7
    record = train(TrainConfig.from_dict({"width": 0.125, "epochs": 1, "batch_size": 32, "augment": False}), x[:64], y[:64], x[64:], y[64:], tmp_path)
    assert record["status"] == "completed" and (tmp_path / "model.keras").is_file()


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's tracing")
def test_the_first_step_creates_no_variable_so_it_is_traced_once(data):
    """build_trainer creates every variable a step needs: a variable created inside the first
    step's trace makes TensorFlow trace the whole step again (seconds of every training)."""
    import tensorflow as tf

    x_train, y_train = data[0], data[1]
    trainer, _ = build_trainer(TrainConfig.from_dict(TINY), 7)  # the paper's augmentation on, as in every real training
    created = []

    def record(next_creator, **kwargs):
        created.append(kwargs.get("name"))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(record):  # the step as train() runs it: faces, one-hot labels and class weights from a BatchStream
        trainer.fit(BatchStream(x_train[:64], y_train[:64], 7, 32, seed=0, class_weight={k: 1.0 + k for k in range(7)}), epochs=1, verbose=0)
    assert created == []
