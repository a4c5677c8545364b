"""Less work for the same maths: where a network's convolutions can be computed more cheaply.

The residual CNN's last residual block runs two 3x3 ``same`` convolutions on a 1x1
feature map (512 channels). There only the kernel's centre tap ever meets data: the
other eight taps multiply the zero padding, so they add nothing to the output and
their gradient is exactly zero, and Nadam leaves a weight whose gradient has always
been zero where it is (its moments stay zero, and so does its update). The convolution
is then a matrix product with the centre tap, which :func:`use_centre_taps` makes it
compute. The layer keeps its 3x3 kernel (saved models, states and parameter counts do
not change); only the arithmetic that multiplied zeros is skipped. On this CPU those two
convolutions cost about a tenth of a step, their weight gradient the most (see
``benchmarks/step_breakdown.py``).
"""

from __future__ import annotations

import keras


def _centre_tap_op(kh: int, kw: int):
    def op(inputs, kernel):
        centre = kernel[kh // 2, kw // 2]  # (in channels, out channels), in the layer's compute dtype
        return keras.ops.matmul(inputs[:, 0, 0, :], centre)[:, None, None, :]

    return op


def centre_tap_layers(net: keras.Model) -> list[keras.layers.Conv2D]:
    """The 2-D convolutions of ``net`` whose every output sees only the kernel's centre:
    a 1x1 input, ``same`` padding, stride 1, no dilation, an odd kernel, channels last."""
    out = []
    for layer in net.layers:
        if not isinstance(layer, keras.layers.Conv2D) or type(layer) is not keras.layers.Conv2D:
            continue
        h, w = layer.input.shape[1:3]
        kh, kw = layer.kernel_size
        if ((h, w) == (1, 1) and layer.padding == "same" and tuple(layer.strides) == (1, 1) and tuple(layer.dilation_rate) == (1, 1)
                and kh % 2 == 1 and kw % 2 == 1 and layer.data_format == "channels_last" and layer.groups == 1):
            out.append(layer)
    return out


def use_centre_taps(net: keras.Model) -> list[str]:
    """Make the convolutions :func:`centre_tap_layers` finds compute a matrix product with
    their kernel's centre tap (an attribute of the live layers, not saved with the model).
    Returns their names."""
    layers = centre_tap_layers(net)
    for layer in layers:
        layer.convolution_op = _centre_tap_op(*layer.kernel_size)
    return [layer.name for layer in layers]
