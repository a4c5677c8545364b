"""The trained networks shipped in models/ (from the reference run): intact, safe, used by default,
and as accurate on their test faces as models.json says."""

import hashlib
import json
import warnings

import numpy as np
import pytest

from fer_lib.cli import main
from fer_lib.data.classes import FER_CLASSES
from fer_lib.model import files as modelio
from fer_lib.model.networks import build_model, parameter_counts
from fer_lib.paper import PAPER_PARAMS
from fer_lib.pipeline.records import read_training
from fer_lib.pipeline.ship import MAX_SHIPPED_BYTES
from fer_lib.report.paired import same_network_faces
from fer_lib.settings import REPO_ROOT

MODELS = REPO_ROOT / "models"
MANIFEST = json.loads((MODELS / "models.json").read_text())


def test_shipped_models_match_their_manifest_and_load_safely():
    assert {"residual", "basic"} <= set(MANIFEST)  # the paper's two, finished; a paused training's network may ride along
    for name, m in MANIFEST.items():
        path = MODELS / m["file"]
        assert path.stat().st_size == m["bytes"] <= MAX_SHIPPED_BYTES
        assert hashlib.sha256(path.read_bytes()).hexdigest() == m["sha256"], f"{path} is not the file models.json describes"
        arch = read_training(REPO_ROOT / "runs" / "reference", name).config["arch"]
        assert parameter_counts(modelio.load_model(path)) == parameter_counts(build_model(arch))  # the architecture
        assert m["run"] == f"runs/reference/training/{name}" and m["data"].startswith("fergit")
    assert not MANIFEST["residual"]["interim"] and not MANIFEST["basic"]["interim"]
    assert parameter_counts(modelio.load_model(MODELS / MANIFEST["residual"]["file"])) == PAPER_PARAMS["residual"]  # Table 1's
    assert modelio.DEFAULT_MODEL_PATH == MODELS / "residual.keras"


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["residual", "basic"])
def test_a_shipped_network_scores_on_its_test_faces_what_its_manifest_says(name, real_data_root):
    from fer_lib.infer.predict import classify_faces
    from fer_lib.pipeline import trainings
    from fer_lib.pipeline.experiment import split_sha256
    from fer_lib.pipeline.profiles import load_profile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        faces, split = trainings.split_for(name, load_profile("cpu") | {"data_root": str(real_data_root)})
    m = MANIFEST[name]
    assert split_sha256(split) == m["split_sha256"], "the cpu profile's split is not the one the shipped network was tested on"
    pred = classify_faces(modelio.load_model(MODELS / m["file"]), faces.images[split.test]).argmax(1)
    # other kernels (oneDNN's, another CPU kind's bfloat16 rounding) may flip a few faces at the decision boundary;
    # another network, or another split, moves many more
    right = np.sum(pred == faces.labels[split.test])
    assert len(pred) == m["n_test"] and abs(right - round(m["test_accuracy"] * m["n_test"])) <= same_network_faces(m["n_test"])


@pytest.mark.realdata
def test_predict_with_the_default_model_labels_each_posed_photo(real_data_root, capsys):
    assert main(["predict", str(real_data_root / "posed"), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(records) == 4
    for r in records:
        assert r["error"] is None and len(r["faces"]) == 1 and r["faces"][0]["label"] in FER_CLASSES
        assert r["model"].endswith("residual.keras")
        assert sum(r["faces"][0]["probs"].values()) == pytest.approx(1, abs=1e-3)


def test_the_posed_page_labels_with_the_shipped_network_where_the_run_folder_lacks_it(tmp_path):
    """A new machine has runs/reference's records but not its networks (not committed): the pages load the shipped copy."""
    import shutil

    from fer_lib.report.pages import posed_models

    run = tmp_path / "reference"
    (run / "training" / "residual").mkdir(parents=True)
    shutil.copyfile(REPO_ROOT / MANIFEST["residual"]["run"] / "run.json", run / "training" / "residual" / "run.json")
    net = posed_models({"residual CNN": read_training(run, "residual")}, run, None)["residual CNN"]
    shipped = modelio.load_model(MODELS / MANIFEST["residual"]["file"])
    assert all(np.array_equal(a, b) for a, b in zip(net.get_weights(), shipped.get_weights()))
