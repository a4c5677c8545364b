"""Training throughput of the residual CNN at batch 64 on one Keras backend, or on each side by side.

One backend (the default: $KERAS_BACKEND, else tensorflow):

    .venv/bin/python benchmarks/train_throughput.py --backend jax [--precision float32] [--steps 20]

trains the paper's residual network with fer_lib's trainer (augmentation layers inside
the model, batches from BatchStream, the class-weighted loss) for warm-up steps (tracing
and compiling) and then timed steps, and prints images/s, whether the step ran as one
compiled function, the device, and how much of a step the input side takes (producing
a batch in Python: indexing, scaling, one-hot labels and weights). Its last line is one
JSON object with at least ``backend``, ``jit``, ``device`` and ``images_per_s``.

    .venv/bin/python benchmarks/train_throughput.py --compare tensorflow,tensorflow-eigen,jax[,torch]

runs each installed backend in its own process, one after the other on the same
machine, and prints them side by side with the ratio to the first, each as a share of
the float32 bound: NumPy's float32 matrix-multiply rate (measured in the same run) over
the GFLOP a training image costs. ``tensorflow`` is TensorFlow as fer_lib runs it (oneDNN
on); ``tensorflow-eigen`` is TensorFlow with ``TF_ENABLE_ONEDNN_OPTS=0``, its own default on
CPUs without AVX-512 VNNI/BF16 or AMX (the project's default before oneDNN was turned on
everywhere). The last line's JSON has ``rows``, the bound, and ``default_vs_fastest`` and
``default_vs_eigen`` (the first row's images/s over the fastest's and over tensorflow-eigen's).

    .venv/bin/python benchmarks/train_throughput.py --precision mixed_bfloat16 --baseline

times the fast step (``TrainConfig.step="fast"``, the default: see fer_lib.train.step)
and today's baseline step side by side in one process, in alternating rounds on the same
batches, and the machine's matrix-multiply rate in the same precision (the arithmetic
bound: that rate over the GFLOP a training image costs). Its last line is JSON with
``speedup`` (fast over baseline images/s) and ``bound_fraction`` (the fast step's share
of the bound).
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
VARIANTS = {"tensorflow": ("tensorflow", {"TF_ENABLE_ONEDNN_OPTS": "1"}), "tensorflow-eigen": ("tensorflow", {"TF_ENABLE_ONEDNN_OPTS": "0"}),
            "jax": ("jax", {}), "torch": ("torch", {})}  # a --compare entry: its backend and its environment


def numpy_matmul_gflop_s(n: int = 2048, repeats: int = 5) -> float:
    """NumPy's float32 matrix-multiply rate, GFLOP/s: the arithmetic bound any backend's convolutions meet on this CPU."""
    import numpy as np

    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def measure(backend: str, precision: str, steps: int, warmup: int, batch: int) -> dict:
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    import fer_lib  # noqa: F401  (before keras: it turns TensorFlow's oneDNN kernels on, as the library runs them)
    from fer_lib.data.synthetic import generate_faces
    from fer_lib.model.networks import build_model, training_gflop_per_image
    from fer_lib.pipeline.provenance import device_description
    from fer_lib.train.class_weights import class_weights
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import build_trainer, set_determinism
    from fer_lib.train.precision import onednn_enabled
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
            "onednn": onednn_enabled() if backend == "tensorflow" else None, "keras": keras.__version__}


def matmul_gflop_s(precision: str, n: int = 2048, repeats: int = 5) -> float:
    """The backend's dense matrix-multiply rate, GFLOP/s, in the precision's compute dtype."""
    import keras
    import numpy as np

    dtype = "bfloat16" if "bfloat16" in precision else "float32"
    a = keras.ops.convert_to_tensor(np.random.default_rng(0).random((n, n), np.float32), dtype=dtype)
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a))
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        keras.ops.convert_to_numpy(keras.ops.matmul(a, a))
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def measure_steps(backend: str, precision: str, steps: int, warmup: int, batch: int, rounds: int) -> dict:
    """The fast and the baseline step, timed in alternating rounds of ``steps`` steps on the same batches."""
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    import fer_lib  # noqa: F401  (before keras: it turns TensorFlow's oneDNN kernels on, as the library runs them)
    from fer_lib.data.synthetic import generate_faces
    from fer_lib.model.networks import build_model, training_gflop_per_image
    from fer_lib.pipeline.provenance import device_description
    from fer_lib.train.class_weights import class_weights
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import build_trainer, set_determinism
    from fer_lib.train.stream import BatchStream

    faces = generate_faces((steps + warmup) * batch, seed=0)
    weights = class_weights(faces.labels, faces.class_names)
    stream = BatchStream(faces.images, faces.labels, 7, batch, seed=0, class_weight=weights)
    trainers = {}
    for step in ("baseline", "fast"):
        set_determinism(0)
        trainers[step], _ = build_trainer(TrainConfig(precision=precision, batch_size=batch, step=step), 7)
    times: dict[str, list[float]] = {k: [] for k in trainers}

    class Clock(keras.callbacks.Callback):
        def __init__(self, key):
            super().__init__()
            self.key = key

        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times[self.key].append(time.perf_counter() - self.t)

    for trainer in trainers.values():  # tracing and the first steps
        trainer.fit(stream, epochs=1, steps_per_epoch=warmup, shuffle=False, verbose=0)
    for _ in range(rounds):
        for key, trainer in trainers.items():
            trainer.fit(stream, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0, callbacks=[Clock(key)])
    gflop = training_gflop_per_image(build_model("residual"))
    rate = matmul_gflop_s(precision)
    ips = {k: batch * steps / float(np.median(v)) for k, v in times.items()}
    return {"backend": backend, "device": device_description(), "precision": precision, "batch": batch, "steps": steps, "rounds": rounds,
            "baseline_images_per_s": round(ips["baseline"], 1), "images_per_s": round(ips["fast"], 1),
            "speedup": round(ips["fast"] / ips["baseline"], 3), "gflop_per_train_image": round(gflop, 3),
            "matmul_gflop_s": round(rate, 1), "bound_images_per_s": round(rate / gflop, 1),
            "bound_fraction": round(ips["fast"] * gflop / rate, 3), "keras": keras.__version__}


def print_steps(r: dict) -> None:
    print(f"backend {r['backend']} (keras {r['keras']}), {r['precision']}, batch {r['batch']}, {r['rounds']} alternating rounds of {r['steps']} steps")
    print(f"  device           {r['device']}")
    print(f"{'step':<10} {'images/s':>9} {'of the bound':>13}")
    for key, ips in (("baseline", r["baseline_images_per_s"]), ("fast", r["images_per_s"])):
        print(f"{key:<10} {ips:>9.1f} {ips / r['bound_images_per_s']:>13.1%}")
    print(f"  speed-up {r['speedup']:.3f}x; bound {r['bound_images_per_s']:.0f} images/s = {r['matmul_gflop_s']:.0f} GFLOP/s matrix rate "
          f"/ {r['gflop_per_train_image']:.2f} GFLOP a training image")


def print_one(r: dict) -> None:
    print(f"backend {r['backend']} (keras {r['keras']}), {r['precision']}, batch {r['batch']}, {r['steps']} timed steps after {r['warmup_s']} s of warm-up")
    print(f"  device           {r['device']}")
    print(f"  step compiled    {'yes (one XLA function)' if r['jit'] else 'no'}")
    print(f"  images/s         {r['images_per_s']:.1f}  ({r['step_ms']:.1f} ms a step, {r['achieved_gflop_s']:.0f} GFLOP/s)")
    print(f"  input side       {r['input_ms']:.2f} ms a batch in Python = {r['input_share']:.1%} of a step")


def compare(variants: list[str], argv: list[str]) -> dict:
    """Each of ``variants`` (see VARIANTS) in its own process, one after the other, beside the float32 bound."""
    from fer_lib.train.precision import cpu_kind, speed_features

    rows = []
    for name in variants:
        if name not in VARIANTS:
            raise SystemExit(f"--compare: unknown entry {name!r}; expected some of {', '.join(VARIANTS)}")
        backend, env = VARIANTS[name]
        if importlib.util.find_spec(BACKEND_MODULES[backend]) is None:
            print(f"{name}: not installed, skipped", flush=True)
            continue
        run = subprocess.run([sys.executable, __file__, "--backend", backend, *argv], capture_output=True, text=True, env=os.environ | env)
        if run.returncode != 0:
            print(f"{name}: failed\n{run.stderr[-2000:]}", flush=True)
            continue
        rows.append(json.loads(run.stdout.strip().splitlines()[-1]) | {"variant": name})
    if not rows:
        raise SystemExit("--compare: no backend ran")
    rate = numpy_matmul_gflop_s()
    gflop = rows[0]["achieved_gflop_s"] / rows[0]["images_per_s"]
    bound = rate / gflop
    features = [f for f, has in speed_features().items() if has]
    print(f"CPU {cpu_kind()} ({', '.join(features) or 'no AVX2'}), {os.cpu_count()} cores; float32 bound {bound:.0f} images/s "
          f"= NumPy's {rate:.0f} GFLOP/s matrix rate / {gflop:.2f} GFLOP a training image")
    print(f"{'entry':<17} {'compiled':>8} {'images/s':>9} {'ms/step':>8} {'input':>7} {'of bound':>9} {'vs ' + rows[0]['variant']:>20}  device")
    for r in rows:
        print(f"{r['variant']:<17} {str(r['jit']):>8} {r['images_per_s']:>9.1f} {r['step_ms']:>8.1f} {r['input_share']:>7.1%} "
              f"{r['images_per_s'] / bound:>9.1%} {r['images_per_s'] / rows[0]['images_per_s']:>19.2f}x  {r['device']}")
    eigen = next((r["images_per_s"] for r in rows if r["variant"] == "tensorflow-eigen"), None)
    return {"rows": rows, "cpu_kind": cpu_kind(), "cpu_features": features, "numpy_matmul_gflop_s": round(rate, 1),
            "bound_images_per_s": round(bound, 1), "default": rows[0]["variant"],
            "default_vs_fastest": round(rows[0]["images_per_s"] / max(r["images_per_s"] for r in rows), 3),
            "default_vs_eigen": round(rows[0]["images_per_s"] / eigen, 3) if eigen else None,
            "default_bound_fraction": round(rows[0]["images_per_s"] / bound, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=sorted(BACKEND_MODULES), default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    parser.add_argument("--compare", help="comma-separated entries to run one after the other, the default first, e.g. tensorflow,tensorflow-eigen,jax,torch")
    parser.add_argument("--precision", default="float32", help="float32 (the paper's) or mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="steps before timing (tracing and compiling)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--baseline", action="store_true", help="time the fast step beside the baseline step, in alternating rounds")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds with --baseline")
    args = parser.parse_args()
    if args.baseline:
        r = measure_steps(args.backend, args.precision, args.steps, args.warmup, args.batch, args.rounds)
        print_steps(r)
        print(json.dumps(r))
        return
    common = ["--precision", args.precision, "--steps", str(args.steps), "--warmup", str(args.warmup), "--batch", str(args.batch)]
    if args.compare:
        print(json.dumps(compare(args.compare.split(","), common)))
        return
    r = measure(args.backend, args.precision, args.steps, args.warmup, args.batch)
    print_one(r)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
