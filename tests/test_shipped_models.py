"""The trained networks shipped in models/ (from the reference run): intact, safe, and used by default."""

import hashlib
import json

import pytest

from fer_lib.cli import main
from fer_lib.data.classes import FER_CLASSES
from fer_lib.model import files as modelio
from fer_lib.model.networks import parameter_counts
from fer_lib.pipeline.ship import MAX_SHIPPED_BYTES
from fer_lib.settings import REPO_ROOT

MODELS = REPO_ROOT / "models"
PAPER_TOTALS = {"residual": 9_773_111, "basic": 4_734_455}


def test_shipped_models_match_their_manifest_and_load_safely():
    manifest = json.loads((MODELS / "models.json").read_text())
    assert set(manifest) == set(PAPER_TOTALS)
    for name, m in manifest.items():
        path = MODELS / m["file"]
        assert path.stat().st_size == m["bytes"] <= MAX_SHIPPED_BYTES
        assert hashlib.sha256(path.read_bytes()).hexdigest() == m["sha256"], f"{path} is not the file models.json describes"
        assert parameter_counts(modelio.load_model(path))["total"] == PAPER_TOTALS[name]
        assert m["run"].startswith("runs/reference/") and m["data"].startswith("fergit") and m["test_accuracy"] > 1 / 7
    assert modelio.DEFAULT_MODEL_PATH == MODELS / "residual.keras"


@pytest.mark.realdata
def test_predict_with_the_default_model_labels_each_posed_photo(real_data_root, capsys):
    assert main(["predict", str(real_data_root / "posed"), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(records) == 4
    for r in records:
        assert r["error"] is None and len(r["faces"]) == 1 and r["faces"][0]["label"] in FER_CLASSES
        assert r["model"].endswith("residual.keras")
        assert sum(r["faces"][0]["probs"].values()) == pytest.approx(1, abs=1e-3)
