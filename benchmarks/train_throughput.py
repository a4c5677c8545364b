"""Training throughput of the residual CNN at batch 64 on one Keras backend, or on each side by side.

One backend (the default: $KERAS_BACKEND, else tensorflow):

    .venv/bin/python benchmarks/train_throughput.py --backend jax [--precision float32] [--steps 20]

trains the paper's residual network with fer_lib's trainer (augmentation layers inside
the model, batches from BatchStream, the class-weighted loss) for warm-up steps (tracing
and compiling) and then timed steps, and prints images/s, whether the step ran as one
compiled function, the device, and how much of a step the input side takes (producing
a batch in Python: indexing, scaling, one-hot labels and weights). Its last line is one
JSON object with at least ``backend``, ``jit``, ``device`` and ``images_per_s``.

    .venv/bin/python benchmarks/train_throughput.py --compare tensorflow,jax[,torch]

runs each installed backend in its own process, one after the other on the same
machine, and prints them side by side with the ratio to the first.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def measure(backend: str, precision: str, steps: int, warmup: int, batch: int) -> dict:
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from fer_lib.data.synthetic import generate_faces
    from fer_lib.model.networks import build_model, training_gflop_per_image
    from fer_lib.pipeline.provenance import device_description
    from fer_lib.train.class_weights import class_weights
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import build_trainer, set_determinism
    from fer_lib.train.stream import BatchStream

    faces = generate_faces((steps + warmup) * batch, seed=0)
    weights = class_weights(faces.labels, faces.class_names)
    cut = warmup * batch  # the first faces warm up (tracing, compiling), the others are timed
    warm = BatchStream(faces.images[:cut], faces.labels[:cut], 7, batch, seed=0, class_weight=weights)
    timed = BatchStream(faces.images[cut:], faces.labels[cut:], 7, batch, seed=1, class_weight=weights)
    set_determinism(0)
    trainer, _ = build_trainer(TrainConfig(precision=precision, batch_size=batch), 7)
    times = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):  # the epoch's state is synced back: its steps have finished
            times.append(time.perf_counter() - self.t)

    trainer.fit(warm, epochs=1, steps_per_epoch=warm.steps, shuffle=False, verbose=0, callbacks=[Clock()])
    trainer.fit(timed, epochs=1, steps_per_epoch=timed.steps, shuffle=False, verbose=0, callbacks=[Clock()])
    step_s = times[-1] / steps
    t = time.perf_counter()
    for i in range(steps):
        timed[i]
    input_s = (time.perf_counter() - t) / steps
    gflop = training_gflop_per_image(build_model("residual"))
    return {"backend": backend, "jit": bool(trainer.jit_compile), "device": device_description(), "precision": precision, "batch": batch,
            "steps": steps, "images_per_s": round(batch / step_s, 1), "step_ms": round(step_s * 1000, 2), "input_ms": round(input_s * 1000, 3),
            "input_share": round(input_s / step_s, 4), "warmup_s": round(times[0], 1), "achieved_gflop_s": round(batch / step_s * gflop, 1),
            "keras": keras.__version__}


def print_one(r: dict) -> None:
    print(f"backend {r['backend']} (keras {r['keras']}), {r['precision']}, batch {r['batch']}, {r['steps']} timed steps after {r['warmup_s']} s of warm-up")
    print(f"  device           {r['device']}")
    print(f"  step compiled    {'yes (one XLA function)' if r['jit'] else 'no'}")
    print(f"  images/s         {r['images_per_s']:.1f}  ({r['step_ms']:.1f} ms a step, {r['achieved_gflop_s']:.0f} GFLOP/s)")
    print(f"  input side       {r['input_ms']:.2f} ms a batch in Python = {r['input_share']:.1%} of a step")


def compare(backends: list[str], argv: list[str]) -> list[dict]:
    rows = []
    for b in backends:
        if importlib.util.find_spec(BACKEND_MODULES[b]) is None:
            print(f"{b}: not installed, skipped", flush=True)
            continue
        run = subprocess.run([sys.executable, __file__, "--backend", b, *argv], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{b}: failed\n{run.stderr[-2000:]}", flush=True)
            continue
        rows.append(json.loads(run.stdout.strip().splitlines()[-1]))
    base = rows[0]["images_per_s"] if rows else 1
    print(f"{'backend':<11} {'compiled':>8} {'images/s':>9} {'ms/step':>8} {'input':>7} {'vs ' + rows[0]['backend'] if rows else '':>14}  device")
    for r in rows:
        print(f"{r['backend']:<11} {str(r['jit']):>8} {r['images_per_s']:>9.1f} {r['step_ms']:>8.1f} {r['input_share']:>7.1%} {base / r['images_per_s']:>13.2f}x  {r['device']}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=sorted(BACKEND_MODULES), default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    parser.add_argument("--compare", help="comma-separated backends to run one after the other, e.g. tensorflow,jax,torch")
    parser.add_argument("--precision", default="float32", help="float32 (the paper's) or mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="steps before timing (tracing and compiling)")
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    common = ["--precision", args.precision, "--steps", str(args.steps), "--warmup", str(args.warmup), "--batch", str(args.batch)]
    if args.compare:
        rows = compare(args.compare.split(","), common)
        print(json.dumps({"compare": rows}))
        return
    r = measure(args.backend, args.precision, args.steps, args.warmup, args.batch)
    print_one(r)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
