"""The paper's two networks, layer for layer as its Table 1 lists them.

Residual CNN (9,773,111 parameters): six plain convolutional blocks of two
convolutions each (the paper's twelve convolutional sub-blocks) and three
identity-shortcut residual blocks, then global average pooling and Dense(7) +
softmax. First two convolutions 5x5, the rest 3x3, ``same`` padding, he_normal,
ReLU. Plain blocks apply batch normalisation *after* the activation; residual
blocks apply it *before* (conv -> BN -> ReLU -> conv -> BN -> add -> ReLU).
Dropout 0.3, and 0.4 in the last convolutional block. The basic CNN is the same
network without the three residual blocks (4,734,455 parameters).

Layers are named as in Table 1 (``conv2d_1``, ``batch_normalization_1``, ...), so
the table rebuilt from the model lines up with the paper's row for row.
"""

from __future__ import annotations

from collections import defaultdict

import keras
import pandas as pd
from keras import layers

ARCHS = ("basic", "residual")

class _Namer:
    """Numbers layers per type from 1, as Keras 2 did in the paper's summary."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)

    def __call__(self, kind: str) -> str:
        self.counts[kind] += 1
        return f"{kind}_{self.counts[kind]}"


def build_model(
    arch: str = "residual",
    *,
    input_shape: tuple[int, int, int] = (48, 48, 1),
    n_classes: int = 7,
    width: float = 1.0,
    dropout: float = 0.3,
    last_dropout: float = 0.4,
    seed: int | None = None,
) -> keras.Model:
    """The paper's ``residual`` or ``basic`` CNN.

    ``width`` scales every convolution's filter count (for fast tests only: the
    paper's network is ``width=1``). ``seed`` fixes the initial weights and the
    dropout masks; None draws them from Keras' global seed.
    """
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; expected one of {ARCHS}")
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    name = _Namer()
    seeds = iter(range(10_000)) if seed is None else iter(range(seed * 1000, seed * 1000 + 1000))

    def init():
        return keras.initializers.HeNormal(seed=None if seed is None else next(seeds))

    def filters(n: int) -> int:
        return max(1, round(n * width))

    def conv(x, n, k=3, activation="relu"):
        return layers.Conv2D(filters(n), k, padding="same", activation=activation, kernel_initializer=init(), name=name("conv2d"))(x)

    def bn(x):
        return layers.BatchNormalization(name=name("batch_normalization"))(x)

    def drop(x, rate):
        return layers.Dropout(rate, seed=None if seed is None else next(seeds), name=name("dropout"))(x)

    def pool(x):
        return layers.MaxPooling2D(2, name=name("max_pooling2d"))(x)

    def plain(x, n, k=3):  # conv (ReLU) -> BN
        return bn(conv(x, n, k))

    def residual(x, n):  # conv -> BN -> ReLU -> conv -> BN -> add -> ReLU
        y = layers.Activation("relu", name=name("activation"))(bn(conv(x, n, activation=None)))
        y = bn(conv(y, n, activation=None))
        return layers.Activation("relu", name=name("activation"))(layers.Add(name=name("add"))([y, x]))

    res = arch == "residual"
    inputs = keras.Input(input_shape, name="input")
    x = plain(plain(inputs, 16, 5), 16, 5)
    x = drop(x, dropout)
    x = drop(pool(plain(plain(x, 32), 32)), dropout)
    x = residual(x, 32) if res else x
    x = drop(pool(plain(plain(x, 64), 64)), dropout)
    x = drop(pool(plain(plain(x, 128), 128)), dropout)
    x = residual(x, 128) if res else x
    x = drop(pool(plain(plain(x, 256), 256)), dropout)
    x = drop(pool(plain(plain(x, 512), 512)), last_dropout)
    x = residual(x, 512) if res else x
    x = layers.GlobalAveragePooling2D(name=name("global_average_pooling2d"))(x)
    x = layers.Dense(n_classes, kernel_initializer=init(), name=name("dense"))(x)
    # softmax in float32 even under mixed precision, for a stable loss
    outputs = layers.Activation("softmax", dtype="float32", name=name("activation"))(x)
    return keras.Model(inputs, outputs, name=f"{arch}_cnn")


def parameter_counts(model: keras.Model) -> dict[str, int]:
    """Total, trainable and non-trainable parameters, as Keras' summary counts them."""
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    non_trainable = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    return {"total": trainable + non_trainable, "trainable": trainable, "non_trainable": non_trainable}


def layer_table(model: keras.Model) -> pd.DataFrame:
    """The model's layers as the paper's Table 1: name (type), output shape, parameters."""
    rows = []
    for layer in model.layers:
        shape = tuple(layer.output.shape)
        rows.append({"layer": layer.name, "type": type(layer).__name__, "output_shape": str((None, *shape[1:])), "params": layer.count_params()})
    return pd.DataFrame(rows)


def training_gflop_per_image(model: keras.Model) -> float:
    """Approximate training cost per image, GFLOP: three times the forward pass's
    multiply-adds of the convolutions and the dense layer (forward + two backward)."""
    flops = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            h, w, c_out = layer.output.shape[1:]
            flops += 2 * h * w * layer.kernel_size[0] * layer.kernel_size[1] * layer.input.shape[-1] * c_out
        elif isinstance(layer, layers.Dense):
            flops += 2 * layer.input.shape[-1] * layer.units
    return 3 * flops / 1e9
