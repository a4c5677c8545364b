import numpy as np
import pytest

from fer_lib.model.networks import build_model, layer_table, parameter_counts
from fer_lib.paper import PAPER_PARAMS


def test_residual_parameter_counts_match_table_1():
    assert parameter_counts(build_model("residual")) == PAPER_PARAMS["residual"] == {"total": 9_773_111, "trainable": 9_766_391, "non_trainable": 6_720}


def test_basic_parameter_count_matches_the_paper():
    assert parameter_counts(build_model("basic"))["total"] == 4_734_455


def test_layer_order_follows_table_1():
    table = layer_table(build_model("residual"))
    assert len(table) == 60
    names = table["layer"].tolist()
    # a plain block: conv (ReLU) -> BN; the first residual block: conv -> BN -> ReLU -> conv -> BN -> add -> ReLU
    assert names[1:5] == ["conv2d_1", "batch_normalization_1", "conv2d_2", "batch_normalization_2"]
    assert names[12:19] == ["conv2d_5", "batch_normalization_5", "activation_1", "conv2d_6", "batch_normalization_6", "add_1", "activation_2"]
    assert names[-4:] == ["activation_6", "global_average_pooling2d_1", "dense_1", "activation_7"]
    assert table.loc[table.layer == "conv2d_16", "params"].item() == 2_359_808
    assert table.loc[table.layer == "max_pooling2d_5", "output_shape"].item() == "(None, 1, 1, 512)"


def test_kernels_dropout_and_initialisation():
    model = build_model("residual")
    convs = [layer for layer in model.layers if layer.name.startswith("conv2d")]
    assert [c.kernel_size for c in convs[:3]] == [(5, 5), (5, 5), (3, 3)]
    assert all(c.padding == "same" for c in convs)
    assert type(convs[0].kernel_initializer).__name__ == "HeNormal"
    rates = [layer.rate for layer in model.layers if layer.name.startswith("dropout")]
    assert rates == [0.3] * 5 + [0.4]
    plain, res = model.get_layer("conv2d_4"), model.get_layer("conv2d_5")
    assert plain.activation.__name__ == "relu" and res.activation.__name__ == "linear"


def test_width_multiplier_shrinks_and_rejects_nonsense():
    assert parameter_counts(build_model("residual", width=0.25))["total"] < 700_000
    with pytest.raises(ValueError, match="width"):
        build_model("residual", width=0)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("resnet50")


def test_same_seed_same_initial_weights():
    a, b, c = (build_model("basic", width=0.25, seed=s) for s in (3, 3, 4))
    wa, wb, wc = a.get_weights(), b.get_weights(), c.get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb))
    assert not all(np.array_equal(x, y) for x, y in zip(wa, wc))


def test_training_cost_is_about_1_2_gflop_per_image_for_the_residual_net():
    from fer_lib.model.networks import training_gflop_per_image

    residual, basic = training_gflop_per_image(build_model("residual")), training_gflop_per_image(build_model("basic"))
    assert 1.15 < residual < 1.25 and basic < residual
