"""float32 and oneDNN by default, the CPU's kind in the records, and repeated runs as training seeds."""

import dataclasses
import os
import subprocess
import sys
import warnings

import pytest

from fer_lib.pipeline import registry, trainings
from fer_lib.pipeline.experiment import kept_precision, run_training
from fer_lib.pipeline.profiles import ProfileError, known_profiles, load_profile
from fer_lib.pipeline.provenance import environment
from fer_lib.pipeline.records import read_training, write_record
from fer_lib.train import precision
from fer_lib.train.config import TrainConfig

ZEN3 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma bmi2 vaes\nmodel name\t: AMD EPYC\n"
GENOA = "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512_vnni avx512_bf16\n"
SAPPHIRE = "flags\t\t: avx2 fma avx512f avx512_vnni amx_bf16 amx_tile\n"


def test_the_cpu_kind_is_read_from_its_flags():
    assert precision.cpu_kind(precision.cpu_flags(ZEN3)) == "AVX2-only"
    assert precision.cpu_kind(precision.cpu_flags(GENOA)) == precision.cpu_kind(precision.cpu_flags(SAPPHIRE)) == "bfloat16-native"
    assert precision.cpu_kind(precision.cpu_flags("flags : avx2 avx512f\n")) == "AVX-512"
    assert precision.cpu_kind(frozenset()) == "pre-AVX2"
    assert precision.speed_features(precision.cpu_flags(ZEN3)) == {"avx2": True, "fma": True, "avx512f": False, "avx512_vnni": False,
                                                                   "avx512_bf16": False, "amx_bf16": False, "amx_tile": False}


def test_bfloat16_on_a_cpu_without_it_warns_once_and_names_the_missing_feature(monkeypatch):
    monkeypatch.setattr(precision, "_warned", set())
    zen3 = precision.cpu_flags(ZEN3)
    with pytest.warns(precision.PrecisionWarning, match=r"without avx512_bf16 or amx_bf16 \(AVX2-only\): it is emulated"):
        precision.check("mixed_bfloat16", on_cpu=True, flags=zen3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert precision.check("mixed_bfloat16", on_cpu=True, flags=zen3) is not None  # said again to a caller, not warned twice
        assert precision.check("float32", on_cpu=True, flags=zen3) is None
        assert precision.check("mixed_bfloat16", on_cpu=True, flags=precision.cpu_flags(GENOA)) is None
        assert precision.check("mixed_bfloat16", on_cpu=False, flags=zen3) is None  # a GPU runs bfloat16 natively


def test_no_profile_asks_for_bfloat16():
    for name in known_profiles():
        p = load_profile(name)
        for key in ("train", "official_train", "ckplus_train"):
            assert TrainConfig.from_dict(p["train"] | p[key]).precision == "float32", (name, key)


def test_fer_lib_turns_onednn_on_before_tensorflow_unless_the_user_set_it():
    """TensorFlow's own answer after importing fer_lib first: on, whatever the CPU; off where the user said so."""
    code = ("import fer_lib, tensorflow; from fer_lib.train.precision import onednn_enabled; "
            "from tensorflow.python.util import _pywrap_util_port as port; print(port.IsMklEnabled(), onednn_enabled())")
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"} | {"TF_CPP_MIN_LOG_LEVEL": "3"}
    said = lambda extra: subprocess.run([sys.executable, "-c", code], env=env | extra, capture_output=True, text=True, check=True).stdout.split()  # noqa: E731
    assert said({}) == ["True", "True"] and said({"TF_ENABLE_ONEDNN_OPTS": "0"}) == ["False", "False"]


def test_a_record_names_the_cpu_kind_its_features_and_onednn():
    env = environment()
    assert env["cpu_kind"] in ("bfloat16-native", "AVX-512", "AVX2-only", "pre-AVX2") and set(env["cpu_features"]) == set(precision.SPEED_FEATURES)
    assert env["cpu_kind"] == precision.cpu_kind(precision.cpu_flags()) and env["onednn"] in (True, None)  # fer_lib turned it on; None off TensorFlow


def test_a_run_is_a_training_seed_on_the_same_split():
    params = load_profile("cpu")
    assert params["runs"] == [1, 2, 0]
    plan = {s.name: s for s in trainings.plan(params)}
    for base in registry.REPEATED:
        first, again = plan[base.name], plan[f"{base.name}@1"]
        assert again.train == first.train | {"seed": 1} and again.split == first.split and again.dataset == first.dataset
        assert again.params(params)["seed"] == first.params(params)["seed"] == 0  # the split's seed stays the profile's
        assert TrainConfig.from_dict(plan[f"{base.name}@0"].train).seed == 0 and not again.export
    assert registry.entry("basic@2") == registry.Entry("basic@2", "03_basic_cnn", "Basic CNN, run 2", "basic CNN, run 2")
    with pytest.raises(KeyError, match="has no repeated runs"):
        registry.run_of(registry.CK_RANDOM, 1)
    with pytest.raises(KeyError, match="no training 'ckplus-random@1'"):
        registry.entry("ckplus-random@1")
    assert registry.base_and_run("residual@01") == ("residual@01", None) and registry.base_and_run("residual@10") == ("residual", 10)
    with pytest.raises(ProfileError, match="runs"):
        load_profile("smoke", {"runs": [1, 1]})


def test_only_runs_its_trainings_in_the_order_given(tmp_path):
    params = load_profile("smoke", {"runs": [1], "ckplus_dataset": None})
    said = []
    done = trainings.run_all(params, tmp_path, only=["basic@1", "residual@1"], time_budget_s=0, log=said.append)
    assert list(done) == ["basic@1", "residual@1"] and said == ["basic@1: not started, the time budget is spent", "residual@1: not started, the time budget is spent"]


@pytest.mark.slow
def test_two_runs_differ_in_their_weights_not_their_split_and_a_recorded_precision_is_kept(tmp_path):
    params = load_profile("smoke", {"runs": [1], "n_faces": 160, "ckplus_dataset": None, "train": {"width": 0.0625, "epochs": 1}})
    first, again = (trainings.run(n, params, tmp_path) for n in ("residual", "residual@1"))
    assert first.data.split_sha256 == again.data.split_sha256 and (first.config["seed"], again.config["seed"]) == (0, 1)
    assert first.history[0]["loss"] != again.history[0]["loss"]
    # a training recorded in bfloat16 keeps it when the profile says float32: it is reused, not refused
    record = read_training(tmp_path, "residual")
    bf16 = dataclasses.replace(record, config=record.config | {"precision": "mixed_bfloat16"})
    assert kept_precision(TrainConfig.from_dict(record.config), bf16).precision == "mixed_bfloat16"
    write_record(bf16, tmp_path / "training" / "residual" / "run.json")
    assert run_training(trainings.spec(params, "residual").params(params), tmp_path / "training" / "residual").config["precision"] == "mixed_bfloat16"
