"""The training step on each Keras backend: compiled under JAX, augmentation optional."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fer_lib.train.config import TrainConfig
from fer_lib.train.loop import build_trainer, train

JAX_SCRIPT = textwrap.dedent("""
    import json, sys, tempfile
    import numpy as np
    from fer_lib.data.synthetic import generate_faces
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import build_trainer, read_history, train

    out = {"backend": __import__("keras").backend.backend()}
    trainer, _ = build_trainer(TrainConfig(width=0.125), 7)
    out["jit_with_augmentation"] = trainer.jit_compile
    trainer, _ = build_trainer(TrainConfig.from_dict({"width": 0.125, "augment": False}), 7)
    out["jit_without_augmentation"] = trainer.jit_compile
    faces = generate_faces(160, seed=1)
    x, y = faces.images, faces.labels
    cfg = TrainConfig.from_dict({"width": 0.125, "epochs": 2, "batch_size": 32, "seed": 3, "bn_refresh_faces": 64})
    histories = []
    for name in ("a", "b"):
        d = tempfile.mkdtemp()
        record = train(cfg, x[:128], y[:128], x[128:], y[128:], d)
        histories.append([[r[k] for k in ("loss", "accuracy", "val_accuracy")] for r in read_history(d + "/history.csv")])
    paused = tempfile.mkdtemp()
    train(TrainConfig.from_dict(cfg.to_dict() | {"max_epochs_per_session": 1}), x[:128], y[:128], x[128:], y[128:], paused)
    resumed = train(cfg, x[:128], y[:128], x[128:], y[128:], paused)
    out["record_jit"] = record["jit_compile"]
    out["resumed_jit"] = resumed["jit_compile"]
    out["same_seed_same_history"] = histories[0] == histories[1]
    out["resumed_history"] = [[r[k] for k in ("loss", "accuracy", "val_accuracy")] for r in read_history(paused + "/history.csv")] == histories[0]
    print(json.dumps(out))
""")


def test_jax_training_step_is_compiled_deterministic_and_resumable():
    pytest.importorskip("jax", reason="the [jax] extra is not installed")
    env = os.environ | {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    run = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got == {"backend": "jax", "jit_with_augmentation": True, "jit_without_augmentation": True, "record_jit": True,
                   "resumed_jit": True, "same_seed_same_history": True, "resumed_history": True}


def test_augmentation_can_be_switched_off(tmp_path):
    trainer, net = build_trainer(TrainConfig.from_dict({"width": 0.125, "augment": False}), 7)
    assert [layer.name for layer in trainer.layers] == [net.name]
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (80, 48, 48), dtype=np.uint8), np.arange(80) % 7
    record = train(TrainConfig.from_dict({"width": 0.125, "epochs": 1, "batch_size": 32, "augment": False}), x[:64], y[:64], x[64:], y[64:], tmp_path)
    assert record["status"] == "completed" and (tmp_path / "model.keras").is_file()
