"""Where a training step of the residual CNN spends its time, on TensorFlow, by parts.

    .venv/bin/python benchmarks/step_breakdown.py [--precision mixed_bfloat16] [--steps 8]

times, each as its own tf.function on the same batch of 64 faces: the augmentation
layers, the forward pass with the loss, forward + backward (the gradients), the
optimizer's update alone (on gradients computed once), and the whole step Keras runs
in ``fit``. The parts do not add up exactly (the whole step overlaps and fuses some
work), but they show which one to attack. Its last line is one JSON object of
milliseconds per part.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _time(fn, steps: int) -> float:
    fn()  # trace
    fn()
    t = time.perf_counter()
    for _ in range(steps):
        out = fn()
    _ = [o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out]) if hasattr(o, "numpy")]
    return (time.perf_counter() - t) / steps * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precision", default="mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras
    import numpy as np
    import tensorflow as tf

    from fer_lib.data.synthetic import generate_faces
    from fer_lib.model.preprocess import preprocess
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import build_trainer, set_determinism

    set_determinism(0)
    trainer, net = build_trainer(TrainConfig(precision=args.precision, batch_size=args.batch), 7)
    aug = trainer.layers[0]
    faces = generate_faces(args.batch, seed=0)
    x = tf.constant(preprocess(faces.images))
    y = tf.constant(np.eye(7, dtype=np.float32)[faces.labels])
    w = tf.ones(args.batch)
    loss_fn = keras.losses.CategoricalCrossentropy()

    @tf.function
    def augment():
        return aug(x, training=True)

    @tf.function
    def forward():
        return loss_fn(y, net(x, training=True), sample_weight=w)

    @tf.function
    def gradients():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, net(x, training=True), sample_weight=w)
        return tape.gradient(loss, net.trainable_weights)

    grads = gradients()
    opt = trainer.optimizer
    opt.build(trainer.trainable_variables)

    @tf.function
    def update():
        opt.apply_gradients(zip(grads, trainer.trainable_variables))
        return opt.iterations

    data = (x, y, w)
    trainer.make_train_function()

    def whole():
        return trainer.train_function(iter([data]))

    parts = {"augment": augment, "forward": forward, "forward+backward": gradients, "optimizer update": update, "whole step": whole}
    ms = {name: _time(fn, args.steps) for name, fn in parts.items()}
    print(f"{'part':<18} {'ms':>8} {'of the step':>12}")
    for name, v in ms.items():
        print(f"{name:<18} {v:>8.1f} {v / ms['whole step']:>12.0%}")
    print(json.dumps({"precision": args.precision, "batch": args.batch, "ms": {k: round(v, 1) for k, v in ms.items()},
                      "images_per_s": round(args.batch / ms["whole step"] * 1000, 1)}))


if __name__ == "__main__":
    main()
