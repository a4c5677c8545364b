"""Training throughput of the residual CNN, two ways in one run.

1. plain: ``model.fit`` on NumPy arrays fed by the legacy ``ImageDataGenerator``
   (the paper's Keras 2 setup): augmentation on the CPU in NumPy, float32.
2. ours: ``fer_lib.train``: augmentation as Keras layers inside the model,
   batches from ``BatchStream``, and the precision given by --precision
   (mixed_bfloat16 by default: this CPU has AMX).

Both train the same network for the same number of steps after the same warm-up.
Prints a table (images/s, achieved GFLOP/s at ~1.2 GFLOP per training image, the
share of a float32 matmul rate measured on the spot) and, last, one JSON line.

    .venv/bin/python benchmarks/train_throughput.py [--steps 30] [--warmup 5]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from fer_lib.data.synthetic import generate_faces  # noqa: E402
from fer_lib.model.augment import AugmentConfig  # noqa: E402
from fer_lib.model.networks import build_model, training_gflop_per_image  # noqa: E402
from fer_lib.model.preprocess import preprocess  # noqa: E402
from fer_lib.train.config import TrainConfig  # noqa: E402
from fer_lib.train.loop import build_trainer  # noqa: E402
from fer_lib.train.stream import BatchStream  # noqa: E402


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """float32 matrix-multiply rate of this machine through the Keras backend, GFLOP/s."""
    a = keras.random.normal((n, n), seed=1)
    b = keras.random.normal((n, n), seed=2)
    keras.ops.convert_to_numpy(keras.ops.matmul(a, b))
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        keras.ops.convert_to_numpy(keras.ops.matmul(a, b))
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


class StepTimer(keras.callbacks.Callback):
    def __init__(self, warmup: int):
        super().__init__()
        self.warmup, self.t0, self.steps = warmup, None, 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.steps == self.warmup:
            self.t0 = time.perf_counter()
        self.t1 = time.perf_counter()


def plain_fit(x, y, steps: int, warmup: int, batch: int) -> float:
    from keras.src.legacy.preprocessing.image import ImageDataGenerator

    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    model = build_model("residual", seed=0)
    model.compile(keras.optimizers.Nadam(1e-3), "categorical_crossentropy", metrics=["accuracy"])
    gen = ImageDataGenerator(horizontal_flip=True, rotation_range=10, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.1, brightness_range=(0.8, 1.2))
    flow = gen.flow(x * 255.0, y, batch_size=batch, seed=0)  # brightness_range works on 0-255 images
    scaled = (lambda it: ((xb / 255.0, yb) for xb, yb in it))(flow)
    timer = StepTimer(warmup)
    model.fit(scaled, steps_per_epoch=steps + warmup, epochs=1, verbose=0, callbacks=[timer])
    return steps * batch / (timer.t1 - timer.t0)


def ours_fit(images, labels, steps: int, warmup: int, batch: int, precision: str) -> float:
    config = TrainConfig(precision=precision, batch_size=batch, augment=AugmentConfig())
    keras.utils.set_random_seed(0)
    trainer, _ = build_trainer(config, 7)
    stream = BatchStream(images, labels, 7, batch, seed=0, epochs=1)
    timer = StepTimer(warmup)
    trainer.fit(stream, steps_per_epoch=steps + warmup, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    keras.mixed_precision.set_global_policy("float32")
    return steps * batch / (timer.t1 - timer.t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--precision", default="mixed_bfloat16")
    args = parser.parse_args()

    n = (args.steps + args.warmup + 1) * args.batch
    faces = generate_faces(n, seed=0)
    x = preprocess(faces.images)
    y = keras.utils.to_categorical(faces.labels, 7)

    peak = matmul_gflops()
    plain = plain_fit(x, y, args.steps, args.warmup, args.batch)
    ours = ours_fit(faces.images, faces.labels, args.steps, args.warmup, args.batch, args.precision)
    gflop = training_gflop_per_image(build_model("residual"))

    print(f"backend {keras.backend.backend()}, {os.cpu_count()} cores, float32 matmul {peak:.0f} GFLOP/s, {args.steps} timed steps of {args.batch}")
    print(f"{'path':<48} {'images/s':>9} {'GFLOP/s':>8} {'of matmul':>10}")
    for name, rate in (("plain fit + ImageDataGenerator (float32)", plain), (f"fer_lib BatchStream + layers ({args.precision})", ours)):
        print(f"{name:<48} {rate:>9.1f} {rate * gflop:>8.1f} {rate * gflop / peak:>10.1%}")
    print(f"speedup {ours / plain:.2f}x")
    print(json.dumps({"plain_fit_img_s": round(plain, 1), "ours_img_s": round(ours, 1), "speedup": round(ours / plain, 3), "matmul_gflop_s": round(peak, 1), "precision": args.precision, "backend": keras.backend.backend(), "steps": args.steps, "batch": args.batch}))


if __name__ == "__main__":
    main()
