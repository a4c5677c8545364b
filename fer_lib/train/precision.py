"""The CPU's features that decide a training's speed, and a warning when bfloat16 is asked for
where the CPU has no native bfloat16 (there it is emulated: 13x slower than float32, measured on
an AVX2-only AMD EPYC with the project's throughput benchmark)."""

from __future__ import annotations

import functools
import os
import warnings

# ISA features named in the records, each as /proc/cpuinfo spells its flag
SPEED_FEATURES = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile")
NATIVE_BFLOAT16 = ("avx512_bf16", "amx_bf16")  # either runs bfloat16 matrix products in hardware


class PrecisionWarning(UserWarning):
    """A precision asked for that this CPU can only emulate."""


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The CPU's feature flags (``/proc/cpuinfo``'s ``flags`` line, or ``cpuinfo``'s); empty where unknown."""
    if cpuinfo is None:
        cpuinfo = _proc_cpuinfo()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


@functools.lru_cache(maxsize=1)
def _proc_cpuinfo() -> str:
    """``/proc/cpuinfo``, read once a process (a record asks for the CPU's flags several times); empty where absent."""
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def speed_features(flags: frozenset[str] | None = None) -> dict[str, bool]:
    """Which of :data:`SPEED_FEATURES` the CPU has."""
    flags = cpu_flags() if flags is None else flags
    return {f: f in flags for f in SPEED_FEATURES}


def cpu_kind(flags: frozenset[str] | None = None) -> str:
    """The CPU's kind as far as a training's speed goes: ``bfloat16-native``, ``AVX-512``, ``AVX2-only`` or ``pre-AVX2``."""
    flags = cpu_flags() if flags is None else flags
    if any(f in flags for f in NATIVE_BFLOAT16):
        return "bfloat16-native"
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2-only" if "avx2" in flags else "pre-AVX2"


def onednn_enabled() -> bool:
    """Whether TensorFlow runs oneDNN's kernels in this process: TensorFlow's own answer once it is
    imported (it reads ``TF_ENABLE_ONEDNN_OPTS`` once, at its import), else what it would choose
    (fer_lib turns them on unless the variable says otherwise; TensorFlow's own default is on only
    for bfloat16-native and AVX-512 VNNI CPUs)."""
    import sys

    if "tensorflow" in sys.modules:
        try:
            from tensorflow.python.util import _pywrap_util_port

            return bool(_pywrap_util_port.IsMklEnabled())
        except (ImportError, AttributeError):
            pass
    value = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    if value is None:
        return cpu_kind() == "bfloat16-native" or "avx512_vnni" in cpu_flags()
    return value.strip().lower() in ("1", "true")


_warned: set[str] = set()


def check(policy: str, *, on_cpu: bool, flags: frozenset[str] | None = None) -> str | None:
    """Warn (once per process and policy) when ``policy`` is bfloat16 on a CPU without native
    bfloat16; return the warning's text, or None when there is nothing to say."""
    if policy != "mixed_bfloat16" or not on_cpu:
        return None
    flags = cpu_flags() if flags is None else flags
    if any(f in flags for f in NATIVE_BFLOAT16):
        return None
    text = (f"bfloat16 mixed precision on a CPU without {' or '.join(NATIVE_BFLOAT16)} ({cpu_kind(flags)}): it is emulated, "
            "about 13x slower than float32 here (4 against 53 images/s for the residual CNN on an AVX2-only CPU); "
            "float32 is the paper's precision and every profile's default")
    if policy not in _warned:
        _warned.add(policy)
        warnings.warn(text, PrecisionWarning, stacklevel=2)
    return text


def on_cpu() -> bool:
    """Whether Keras computes on the CPU (no GPU or other accelerator in its backend)."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            return jax.default_backend() == "cpu"
        if backend == "tensorflow":
            import tensorflow as tf

            return not tf.config.list_physical_devices("GPU")
        if backend == "torch":
            import torch

            return not torch.cuda.is_available()
    except Exception:  # a broken driver: the CPU it is
        return True
    return True
