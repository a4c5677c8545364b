"""The fast training step does the same maths as the baseline step, and either resumes the other's state."""

import keras
import numpy as np
import pytest

from fer_lib.data.synthetic import generate_faces
from fer_lib.model.networks import build_model
from fer_lib.model.preprocess import preprocess
from fer_lib.train.config import TrainConfig
from fer_lib.train.loop import build_trainer, read_history, set_determinism, train
from fer_lib.train.step import centre_tap_layers

TINY = dict(arch="residual", width=0.125, epochs=2, batch_size=32, seed=3, precision="mixed_bfloat16", bn_refresh_faces=0)


def test_only_the_last_residual_blocks_convolutions_see_just_their_centre_tap():
    assert [layer.name for layer in centre_tap_layers(build_model("residual"))] == ["conv2d_17", "conv2d_18"]
    assert centre_tap_layers(build_model("basic")) == []  # its 512-channel convolutions run on 3x3 maps


def test_config_names_the_steps_and_resumes_across_them():
    with pytest.raises(ValueError, match="Input should be 'fast' or 'baseline'"):
        TrainConfig(step="quick")
    assert TrainConfig(step="fast").recipe() == TrainConfig(step="baseline").recipe()


def _trainers(precision: str):
    """One batch, and the baseline and the fast trainer built alike from the same seed."""
    faces = generate_faces(32, seed=4)
    x, y = preprocess(faces.images), np.eye(7, dtype=np.float32)[faces.labels]
    for step in ("baseline", "fast"):
        set_determinism(3)
        yield step, x, y, *build_trainer(TrainConfig.from_dict(TINY | {"step": step, "precision": precision}), 7)
    keras.mixed_precision.set_global_policy("float32")


def _three_steps(precision):
    results = {}
    for step, x, y, trainer, net in _trainers(precision):
        start = [np.asarray(w) for w in net.weights]
        losses = [float(trainer.train_on_batch(x, y, return_dict=True)["loss"]) for _ in range(3)]
        results[step] = losses, start, [np.asarray(w) for w in net.weights], net
    return results["baseline"], results["fast"]


def test_the_fast_and_the_baseline_step_give_the_same_loss_in_bfloat16():
    losses = {step: float(trainer.evaluate(x, y, verbose=0, return_dict=True)["loss"]) for step, x, y, trainer, _ in _trainers("mixed_bfloat16")}
    assert losses["fast"] == pytest.approx(losses["baseline"], rel=1e-2)  # bfloat16: about 3 significant digits


def test_the_fast_and_the_baseline_step_do_the_same_maths():
    """In float32 the two steps differ only by rounding: the same losses and the same update of every weight."""
    (lb, start, wb, net), (lf, start_f, wf, _) = _three_steps("float32")
    assert all(np.array_equal(a, b) for a, b in zip(start, start_f))  # the same network before the steps
    np.testing.assert_allclose(lf, lb, rtol=1e-5)
    for v, w0, a, b in zip(net.weights, start, wb, wf):
        if any(v.path.startswith(f"{n}/kernel") for n in ("conv2d_17", "conv2d_18")):
            off = np.ones((3, 3), bool)
            off[1, 1] = False
            assert np.array_equal(a[off], w0[off]) and np.array_equal(b[off], w0[off])  # taps that only meet padding: untouched
            a, b, w0 = a[1, 1], b[1, 1], w0[1, 1]
        layer = net.get_layer(v.path.split("/")[0])
        if v.path.endswith("/bias") and getattr(layer, "activation", None) is keras.activations.linear:
            continue  # a bias straight before BatchNorm: its gradient is zero but for rounding, which Nadam scales up to lr-sized noise
        if v.trainable:  # the two steps move each weight alike: their difference is tiny beside the move itself
            assert np.abs(a - b).mean() < 1e-2 * np.abs(a - w0).mean(), v.path


@pytest.mark.slow
def test_a_state_of_the_baseline_step_resumes_under_the_fast_step(tmp_path):
    faces = generate_faces(96, seed=6)
    x, y = faces.images, faces.labels
    small = TINY | {"augment": False, "precision": "float32"}
    paused = train(TrainConfig.from_dict(small | {"step": "baseline", "max_epochs_per_session": 1}), x[:64], y[:64], x[64:], y[64:], tmp_path)
    assert paused["status"] == "paused"
    done = train(TrainConfig.from_dict(small | {"step": "fast"}), x[:64], y[:64], x[64:], y[64:], tmp_path)
    assert done["status"] == "completed" and [r["epoch"] for r in read_history(tmp_path / "history.csv")] == [0, 1]
    assert keras.models.load_model(tmp_path / "model.keras").count_params() == build_model("residual", width=0.125).count_params()
