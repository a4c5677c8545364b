"""A training's fixed start-up cost on TensorFlow: the first ``fit`` step, which traces it.

    .venv/bin/python benchmarks/first_epoch.py [--repeats 3] [--arch residual] [--width 0.25] [--precision mixed_bfloat16]

Short trainings (the test suite, ``make book``'s demo, a CK+ fold) pay this once per
training. Each run is a fresh TensorFlow process that builds the trainer as ``fer_lib`` does
(the paper's augmentation on) and times its first one-epoch ``fit`` on 64 faces from a
``BatchStream`` with class weights, as ``train`` feeds it (the trace and one execution), and
a second one (the execution alone), two ways, interleaved: ``built`` (the loss tracker's and metrics'
variables created before the first step, as ``fer_lib.train.loop`` does) and ``lazy``
(created inside the trace, Keras' default without a distribution strategy, which then
traces the step twice). Prints a table, then one JSON line with the medians and
``saved_s``, the start-up time the early build saves.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CHILD = """
import json, sys, time
import numpy as np, keras
from fer_lib.train import loop
from fer_lib.train.config import TrainConfig
from fer_lib.train.stream import BatchStream
mode, arch, width, precision = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
if mode == "lazy":
    loop._build_metrics = lambda trainer: None
config = TrainConfig.from_dict(dict(arch=arch, width=width, batch_size=16, precision=precision))
loop.set_determinism(0)
trainer, _ = loop.build_trainer(config, 7)
faces = np.random.default_rng(0).integers(0, 256, (64, 48, 48), dtype=np.uint8)
stream = BatchStream(faces, np.arange(64) % 7, 7, 16, seed=0, class_weight={k: 1.0 + k / 7 for k in range(7)})
times = []
for _ in range(2):
    t = time.perf_counter()
    trainer.fit(stream, epochs=1, verbose=0)
    times.append(time.perf_counter() - t)
print(json.dumps({"first_s": times[0], "second_s": times[1], "keras": keras.__version__}))
"""


def _run(mode: str, arch: str, width: float, precision: str) -> dict:
    env = os.environ | {"KERAS_BACKEND": "tensorflow"}  # JAX's fit builds the metrics before its trace anyway
    out = subprocess.run([sys.executable, "-c", CHILD, mode, arch, str(width), precision], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"the {mode} run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--arch", default="residual", choices=["residual", "basic"])
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--precision", default="mixed_bfloat16", choices=["mixed_bfloat16", "float32"])
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"built": [], "lazy": []}
    for _ in range(args.repeats):  # interleaved, so that a noisy moment touches both
        for mode in runs:
            runs[mode].append(_run(mode, args.arch, args.width, args.precision))
    med = {m: {k: statistics.median(r[k] for r in rs) for k in ("first_s", "second_s")} for m, rs in runs.items()}
    print(f"{'metrics':<8} {'first fit (s)':>14} {'second fit (s)':>15}   ({args.arch}, width {args.width}, {args.precision}, median of {args.repeats})")
    for mode, m in med.items():
        print(f"{mode:<8} {m['first_s']:>14.2f} {m['second_s']:>15.2f}")
    from fer_lib.pipeline.provenance import device_description

    print(json.dumps({"backend": "tensorflow", "keras": runs["built"][0]["keras"], "device": device_description(), "arch": args.arch,
                      "width": args.width, "precision": args.precision, "repeats": args.repeats, "median": med,
                      "saved_s": round(med["lazy"]["first_s"] - med["built"]["first_s"], 2)}))


if __name__ == "__main__":
    main()
