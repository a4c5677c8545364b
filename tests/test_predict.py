"""Photos to labelled faces, the predict/export commands, safe model loading and the TFLite export."""

from __future__ import annotations

import json

import cv2
import keras
import numpy as np
import pytest
from datafixtures import training_record
from test_faces import scene

from fer_lib.cli import main
from fer_lib.data.classes import FER_CLASSES
from fer_lib.data.errors import DataError
from fer_lib.infer.detect import find_faces
from fer_lib.infer.predict import classify_faces, expand_inputs, predict_faces, predict_photos
from fer_lib.model import files as modelio
from fer_lib.model.networks import build_model
from fer_lib.pipeline.ship import ship_models
from fer_lib.train.evaluate import predict_proba


@pytest.fixture(scope="module")
def tiny():
    return build_model("residual", width=0.125, seed=0)


@pytest.fixture(scope="module")
def tiny_path(tiny, tmp_path_factory):
    return modelio.save_model(tiny, tmp_path_factory.mktemp("model") / "tiny.keras")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A folder: two photos with faces (one WebP under .jpg), one without, a corrupt one, a CSV."""
    d = tmp_path_factory.mktemp("photos")
    cv2.imwrite(str(d / "a_face.png"), scene())
    ok, webp = cv2.imencode(".webp", scene((1, 0), at=((520, 120), (40, 100)), shape=(480, 760)), [cv2.IMWRITE_WEBP_QUALITY, 101])
    (d / "b_two_faces.jpg").write_bytes(webp.tobytes())
    cv2.imwrite(str(d / "c_empty.png"), np.full((300, 400, 3), 180, np.uint8))
    (d / "d_corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (d / "labels.csv").write_text("file,label\n")
    return d


def test_predict_faces_gives_box_label_and_probabilities(tiny):
    img = scene()
    faces = predict_faces(tiny, img)
    assert len(faces) == 1
    face = faces[0]
    assert set(face) == {"box", "label", "probs"}
    assert list(face["probs"]) == list(FER_CLASSES)
    assert face["label"] == max(face["probs"], key=face["probs"].get)
    assert sum(face["probs"].values()) == pytest.approx(1.0, abs=1e-5)
    # the same numbers as the library's evaluation path on the same crop
    crop = find_faces(img)[0]["face"]
    np.testing.assert_allclose(list(face["probs"].values()), predict_proba(tiny, crop[None])[0], atol=1e-5)


def test_predict_photos_batches_all_faces_and_keeps_going_past_errors(tiny, photos):
    files = expand_inputs([photos])
    assert [f.name for f in files] == ["a_face.png", "b_two_faces.jpg", "c_empty.png", "d_corrupt.jpg"]
    records = predict_photos(tiny, files)
    assert [len(r["faces"]) for r in records] == [1, 2, 0, 0]
    assert [r["error"] is None for r in records] == [True, True, True, False]
    assert "d_corrupt.jpg" in records[3]["error"]
    # batched: identical to classifying each photo on its own
    alone = predict_faces(tiny, files[1])
    for a, b in zip(alone, records[1]["faces"]):
        assert a["box"] == b["box"]
        np.testing.assert_allclose(list(a["probs"].values()), list(b["probs"].values()), atol=1e-5)
    with pytest.raises(DataError, match="d_corrupt.jpg"):
        predict_faces(tiny, files[3])


def test_classify_faces_chunks_batches(tiny):
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    np.testing.assert_allclose(classify_faces(tiny, faces, batch_size=2), classify_faces(tiny, faces), atol=1e-6)
    assert classify_faces(tiny, faces[:0]).shape == (0, 7)


def test_cli_json_lines_and_exit_codes(tiny_path, photos, capsys):
    rc = main(["predict", str(photos), "--model", str(tiny_path), "--json"])
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert rc == 1  # one file failed
    assert [len(r["faces"]) for r in lines] == [1, 2, 0, 0]
    for r in lines:
        assert set(r) == {"file", "faces", "error", "model"} and r["model"] == str(tiny_path)
        for face in r["faces"]:
            assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
            assert list(face["probs"]) == list(FER_CLASSES) and face["label"] in FER_CLASSES
    assert lines[3]["error"] and "d_corrupt.jpg" in lines[3]["error"]
    assert "d_corrupt.jpg" in err and str(tiny_path) in err

    rc = main(["predict", str(photos / "a_face.png"), str(photos / "c_empty.png"), "--model", str(tiny_path)])
    out, _ = capsys.readouterr()
    assert rc == 0
    assert "a_face.png: box [" in out and "c_empty.png: no face found" in out


def test_cli_annotate_writes_one_figure_per_readable_photo(tiny_path, photos, tmp_path, capsys):
    out_dir = tmp_path / "annotated"
    main(["predict", str(photos), "--model", str(tiny_path), "--annotate", str(out_dir)])
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == ["a_face.annotated.png", "b_two_faces.annotated.png", "c_empty.annotated.png"]
    img = cv2.imread(str(out_dir / "b_two_faces.annotated.png"))
    assert img is not None and img.shape[1] >= 800


def test_cli_without_a_model_says_how_to_train_one(photos, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(modelio, "DEFAULT_MODEL_PATH", tmp_path / "models" / "residual.keras")
    assert main(["predict", str(photos / "a_face.png")]) == 2
    err = capsys.readouterr().err
    assert "no trained model" in err and "python -m fer_lib train" in err
    assert main(["predict", str(photos / "a_face.png"), "--model", str(tmp_path / "nope.keras")]) == 2
    assert "nope.keras does not exist" in capsys.readouterr().err


def test_saved_models_load_back_safely_with_the_same_predictions(tiny, tiny_path):
    loaded = modelio.load_model(tiny_path)
    x = modelio.probe_batch(8)
    np.testing.assert_allclose(np.asarray(loaded(x, training=False)), np.asarray(tiny(x, training=False)), atol=1e-6)
    with pytest.raises(ValueError, match=".keras"):
        modelio.save_model(tiny, tiny_path.with_suffix(".h5"))


def test_a_model_file_with_a_lambda_layer_is_refused(tmp_path, photos, capsys):
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    outputs = keras.layers.Dense(7, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x))
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(modelio.UnsafeModel, match="Lambda"):
        modelio.load_model(path)
    assert main(["predict", str(photos), "--model", str(path)]) == 2
    assert "refused" in capsys.readouterr().err
    legacy = tmp_path / "model.h5"
    legacy.write_bytes(b"\x89HDF")
    with pytest.raises(modelio.UnsafeModel, match=r"only \.keras"):
        modelio.load_model(legacy)


def test_tflite_export_matches_keras(tiny, tiny_path, tmp_path, capsys):
    out = modelio.export_tflite(tiny, tmp_path / "tiny.tflite")
    x = modelio.probe_batch(32)
    got = modelio.TFLiteModel(out).predict(x)
    ref = np.asarray(tiny(x, training=False))
    assert got.shape == ref.shape == (32, 7)
    assert np.max(np.abs(got - ref)) < modelio.EXPORT_TOLERANCE
    assert modelio.TFLiteModel(out).predict(x[:3]).shape == (3, 7)  # dynamic batch
    assert main(["export", "--model", str(tiny_path), "--out", str(tmp_path / "cli.tflite")]) == 0
    assert "within tolerance" in capsys.readouterr().out


def test_ship_models_copies_a_runs_networks_with_their_provenance(tiny_path, tmp_path, photos, capsys):
    import json
    import shutil

    run = tmp_path / "runs" / "ref"
    training_record(run, "residual", accuracy=0.5, epochs_run=3, epochs=20)
    shutil.copyfile(tiny_path, run / "training" / "residual" / "model.keras")
    dest = tmp_path / "models"
    with pytest.raises(modelio.ModelNotFound, match="no trained 'basic' network"):
        ship_models(run, dest=dest)
    assert not dest.exists()  # nothing half-shipped
    manifest = ship_models(run, names=("residual",), dest=dest)
    m = manifest["residual"]
    assert (dest / "residual.keras").read_bytes() == tiny_path.read_bytes() and m["bytes"] == tiny_path.stat().st_size
    assert m["epochs_run"] == 3 and m["epochs_planned"] == 20 and m["interim"] is True and m["test_accuracy"] == 0.5
    assert json.loads((dest / "models.json").read_text()) == manifest
    shutil.copyfile(tiny_path, dest / "basic.keras")
    (dest / "models.json").write_text(json.dumps(manifest | {"basic": manifest["residual"] | {"file": "basic.keras"}}))
    ship_models(run, names=("residual",), dest=dest)  # shipping one network keeps the other's entry
    assert sorted(json.loads((dest / "models.json").read_text())) == ["basic", "residual"]
    assert main(["predict", str(photos / "a_face.png"), "--model", str(dest / "residual.keras")]) == 0
    training_record(run, "residual-unweighted", accuracy=0.6, epochs_run=5, epochs=100)  # a paused one, shipped for a new machine
    shutil.copyfile(tiny_path, run / "training" / "residual-unweighted" / "model.keras")
    assert main(["ship-models", "--run", str(run), "--dest", str(dest), "--only", "residual-unweighted"]) == 0
    shipped = json.loads((dest / "models.json").read_text())
    assert sorted(shipped) == ["basic", "residual", "residual-unweighted"] and shipped["residual-unweighted"]["interim"] is True
    with pytest.raises(SystemExit):
        main(["ship-models", "--run", str(run), "--dest", str(dest), "--only", "residual-unweighed"])
    assert "no training 'residual-unweighed' in the registry" in capsys.readouterr().err
