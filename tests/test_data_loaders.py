import numpy as np
import pytest
from datafixtures import face, fer_csv_text, make_ckplus, make_fer_folders, make_muxspace, pixels, write_image

from fer_lib.data.classes import CKPLUS_CLASSES, FER_CLASSES
from fer_lib.data.errors import DataError, DataWarning
from fer_lib.data.fergit import combine_fergit
from fer_lib.data.loaders import MUXSPACE_CLASSES, load_ckplus, load_fer2013, load_ferplus, load_muxspace
from fer_lib.data.loaders.ferplus import VOTE_COLUMNS, majority_labels
from fer_lib.data.registry import load_dataset


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))


# ---- FER-2013 CSV ---------------------------------------------------------------------------

GOOD = [("0", pixels(1), "Training"), ("3", pixels(2), "PublicTest"), ("6", pixels(3), "PrivateTest")]


def test_fer_csv_good_rows(tmp_path):
    (tmp_path / "fer2013.csv").write_text(fer_csv_text(GOOD))
    faces = load_fer2013(tmp_path)
    assert faces.labels.tolist() == [0, 3, 6] and faces.meta.split.tolist() == ["Training", "PublicTest", "PrivateTest"]
    assert np.array_equal(faces.images[1], face(2)) and faces.meta.id.tolist() == [0, 1, 2]
    assert faces.info["layout"] == "csv" and faces.info["n_problems"] == 0


@pytest.mark.parametrize(
    "bad_row, message",
    [
        ("0,1 2 3,Training\n", r"fer2013.csv, row 3: expected 2304 space-separated pixels; found 3"),
        ("9," + pixels(4) + ",Training\n", r"row 3: expected an emotion 0-6; found '9'"),
        ("0," + pixels(4) + ",Validation\n", r"row 3: expected Usage one of"),
        ("0," + pixels(4) + "\n", r"row 3: expected 3 fields"),
        ("0," + pixels(4).replace("1", "x", 1) + ",Training\n", r"row 3: expected integer pixel values"),
        ("0," + pixels(4)[:-3] + "999,Training\n", r"row 3: expected integer pixel values 0-255"),
    ],
)
def test_fer_csv_strict_names_file_row_and_expectation(tmp_path, bad_row, message):
    text = fer_csv_text(GOOD[:1])
    (tmp_path / "fer2013.csv").write_text(text + bad_row + fer_csv_text(GOOD[1:]).split("\n", 1)[1])
    with pytest.raises(DataError, match=message):
        load_fer2013(tmp_path / "fer2013.csv")


def test_fer_csv_lenient_skips_and_reports_each_bad_row(tmp_path):
    rows = GOOD[:1] + [("0", "1 2 3", "Training"), ("x", pixels(5), "Training"), ("7", pixels(6), "PublicTest")] + GOOD[1:]
    (tmp_path / "fer2013.csv").write_text(fer_csv_text(rows))
    with pytest.warns(DataWarning, match="skipped 3 bad item"):
        faces = load_fer2013(tmp_path, lenient=True)
    assert len(faces) == 3 and faces.meta.id.tolist() == [0, 4, 5]  # ids keep the original row order
    assert faces.info["n_problems"] == 3
    assert [p["row"] for p in faces.info["problems"]] == [3, 4, 5]
    assert all(p["file"].endswith("fer2013.csv") for p in faces.info["problems"])


def test_fer_csv_wrong_header(tmp_path):
    (tmp_path / "fer2013.csv").write_text("label,pixels\n0,1 2\n")
    with pytest.raises(DataError, match="row 1: expected a header with columns emotion,pixels,Usage"):
        load_fer2013(tmp_path, lenient=True)


# ---- FER-2013 folders -----------------------------------------------------------------------


def test_fer_folders_layout(tmp_path):
    faces = load_fer2013(make_fer_folders(tmp_path / "fer"))
    assert len(faces) == 28 and faces.class_names == FER_CLASSES
    assert faces.meta.split.value_counts().to_dict() == {"Training": 14, "PublicTest": 7, "PrivateTest": 7}
    assert faces.class_counts().tolist() == [4] * 7
    row = faces.meta.iloc[0]
    assert row.file == "train/angry/Training_1001.png" and row.id == 1001 and row.subject == ""
    assert np.array_equal(faces.images[0], face(1))
    neutral = faces.meta.file.str.contains("/neutral/").to_numpy()
    assert (faces.labels[neutral] == FER_CLASSES.index("neutral")).all()


def test_fer_folders_corrupt_file_strict_and_lenient(tmp_path):
    root = make_fer_folders(tmp_path / "fer")
    (root / "train" / "happy" / "Training_9999.jpg").write_bytes(b"this is no jpeg")
    with pytest.raises(DataError, match=r"train/happy/Training_9999.jpg: expected an image file"):
        load_fer2013(root)
    with pytest.warns(DataWarning):
        faces = load_fer2013(root, lenient=True)
    assert len(faces) == 28 and faces.info["n_problems"] == 1
    assert faces.info["problems"][0]["file"] == "train/happy/Training_9999.jpg"


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda r: __import__("shutil").rmtree(r / "test" / "disgust"), r"test/disgust: expected a class folder for 'disgust'"),
        (lambda r: [p.unlink() for p in (r / "train" / "sad").iterdir()], r"train/sad: expected at least one image file"),
        (lambda r: __import__("shutil").rmtree(r / "test"), r"test: expected a folder of class folders"),
        (lambda r: (r / "train" / "bored").mkdir(), r"train/bored: expected a class folder named one of"),
        (lambda r: write_image(r / "train" / "sad" / "Photo_1.png", face(3)), r"train/sad/Photo_1.png: expected a file named"),
        (lambda r: write_image(r / "test" / "sad" / "Training_5.png", face(3)), r"test/sad/Training_5.png: expected only PublicTest or PrivateTest"),
    ],
)
def test_fer_folders_strict_errors(tmp_path, damage, message):
    root = make_fer_folders(tmp_path / "fer")
    damage(root)
    with pytest.raises(DataError, match=message):
        load_fer2013(root)
    with pytest.warns(DataWarning):
        assert load_fer2013(root, lenient=True).info["n_problems"] == 1


def test_missing_fer_folder(tmp_path):
    with pytest.raises(DataError, match="nowhere"):
        load_fer2013(tmp_path / "nowhere")


# ---- CK+ ------------------------------------------------------------------------------------


def test_ckplus_layout_and_subjects(tmp_path):
    faces = load_ckplus(make_ckplus(tmp_path / "ck", subjects=3))
    assert faces.class_names == CKPLUS_CLASSES and len(faces) == 3 * 7 * 3
    assert faces.class_counts()["contempt"] == 9 and faces.class_counts()["angry"] == 9
    assert sorted(faces.meta.subject.unique()) == ["S001", "S002", "S003"]
    assert faces.meta.groupby("sequence").size().eq(3).all() and faces.meta.sequence.nunique() == 21
    assert faces.meta.frame.iloc[0] == 10


def test_ckplus_labels_follow_their_folders_end_to_end(tmp_path):
    """Each CK+48 folder's faces get the index of its canonical class (anger -> angry,
    sadness -> sad, contempt where FER has neutral), the pixels stay with their label,
    and a training reports its metrics under those names in that order."""
    from datafixtures import CK_FOLDERS, face

    from fer_lib.data.classes import canonical_name
    from fer_lib.pipeline.experiment import run_training

    faces = load_ckplus(make_ckplus(tmp_path / "ck", subjects=4))
    for folder in CK_FOLDERS:
        mine = faces.meta.file.str.startswith(folder + "/").to_numpy()
        assert mine.sum() == 12 and set(faces.labels[mine]) == {CKPLUS_CLASSES.index(canonical_name(folder))}
    k = list(faces.meta.file).index("sadness/S001_006_00000010.png")  # subject 1's 6th sequence, first frame
    assert faces.labels[k] == CKPLUS_CLASSES.index("sad") and faces.images[k].shape == (48, 48)
    assert abs(int(faces.images[k].astype(int).mean()) - int(face(500 + 5 * 3 + 1).astype(int).mean())) <= 2
    record = run_training({"seed": 0, "split": "subject-fold-0", "n_folds": 4, "train": {"width": 0.0625, "epochs": 1, "batch_size": 8, "bn_refresh_faces": 16}},
                          tmp_path / "run", faces=faces)
    assert record.data.classes == list(CKPLUS_CLASSES) and list(record.test.per_class) == list(CKPLUS_CLASSES)


def test_ckplus_bad_name_and_missing_class(tmp_path):
    root = make_ckplus(tmp_path / "ck", subjects=1)
    write_image(root / "fear" / "frame1.png", face(1))
    with pytest.raises(DataError, match="fear/frame1.png: expected a file named S<subject>"):
        load_ckplus(root)
    with pytest.raises(DataError, match="absent"):
        load_ckplus(tmp_path / "absent")


# ---- muxspace -------------------------------------------------------------------------------


def test_muxspace_dedupes_excludes_conflict_reports_unlisted(tmp_path):
    root = make_muxspace(tmp_path / "mux")
    with pytest.warns(DataWarning, match="conflicting labels.*d.jpg"):
        faces = load_muxspace(root)
    assert faces.class_names == MUXSPACE_CLASSES and MUXSPACE_CLASSES[7] == "contempt"
    assert faces.meta.file.tolist() == ["images/a.jpg", "images/b.jpg", "images/c.jpg", "images/e.jpg", "images/f.jpg"]
    names = [faces.class_names[i] for i in faces.labels]
    assert names == ["angry", "happy", "happy", "contempt", "neutral"]
    info = faces.info
    assert info["legend_rows"] == 8 and info["distinct_images"] == 6 and info["repeated_rows"] == 2 and info["identical_repeats"] == 1
    assert info["conflicts"] == [{"image": "d.jpg", "labels": ["sad", "surprise"], "rows": [6, 7]}]
    assert info["unlisted"] == ["unlisted.jpg"]


def test_muxspace_unknown_label_and_missing_image(tmp_path):
    root = make_muxspace(tmp_path / "mux")
    with open(root / "data" / "legend.csv", "a") as f:
        f.write("x,g.jpg,bored\nx,missing.jpg,fear\n")
    with pytest.raises(DataError, match=r"legend.csv, row 10: expected an emotion label.*found 'bored'"):
        load_muxspace(root)
    with pytest.warns(DataWarning):
        faces = load_muxspace(root, lenient=True)
    assert len(faces) == 5 and faces.info["n_problems"] == 2
    assert "missing.jpg" in faces.info["problems"][1]["reason"]


# ---- FER+ -----------------------------------------------------------------------------------


def test_majority_labels_drops_ties_and_non_fer_columns():
    def v(**kw):
        return [kw.get(c, 0) for c in VOTE_COLUMNS]

    votes = np.asarray([v(happiness=8, neutral=2), v(contempt=6, anger=4), v(unknown=5, fear=3), v(anger=4, disgust=4), v(NF=10), v()])
    labels, reasons = majority_labels(votes)
    assert labels.tolist() == [FER_CLASSES.index("happy"), -1, -1, -1, -1, -1]
    assert reasons.tolist() == ["", "contempt", "unknown", "tie", "NF", "no votes"]
    first, _ = majority_labels(votes, ties="first")
    assert first[3] == FER_CLASSES.index("angry")


def _votes_row(label: str) -> list[int]:
    return [10 if c == label else 0 for c in VOTE_COLUMNS]


def test_ferplus_relabels_folder_layout_by_file(tmp_path):
    fer = make_fer_folders(tmp_path / "fer", per_class=1)
    files = load_fer2013(fer).meta.file.tolist()
    plus = tmp_path / "ferplus"
    plus.mkdir()
    chosen = {files[0]: "happiness", files[1]: "NF", files[2]: "surprise"}
    lines = ["file,Usage," + ",".join(VOTE_COLUMNS)] + [f"{f},Training," + ",".join(map(str, _votes_row(lab))) for f, lab in chosen.items()]
    (plus / "votes_by_file.csv").write_text("\n".join(lines) + "\n")
    faces = load_ferplus(fer, plus)
    assert faces.meta.file.tolist() == [files[0], files[2]]
    assert [FER_CLASSES[i] for i in faces.labels] == ["happy", "surprise"]
    assert faces.info["dropped"] == {"no FER+ votes": len(files) - 3, "NF": 1}
    assert faces.meta.fer2013_label.tolist() == [0, 2]  # train/angry, train/fear


def test_ferplus_relabels_csv_form_by_row(tmp_path):
    (tmp_path / "fer2013.csv").write_text(fer_csv_text(GOOD))
    plus = tmp_path / "ferplus"
    plus.mkdir()
    header = "Usage,Image name," + ",".join(VOTE_COLUMNS)
    body = [f"Training,fer{i:07d}.png," + ",".join(map(str, _votes_row(lab))) for i, lab in enumerate(["sadness", "unknown", "fear"])]
    (plus / "fer2013new.csv").write_text("\n".join([header] + body) + "\n")
    faces = load_ferplus(tmp_path, plus)
    assert faces.meta.id.tolist() == [0, 2] and [FER_CLASSES[i] for i in faces.labels] == ["sad", "fear"]


# ---- FERGIT and the dispatcher ---------------------------------------------------------------


def test_fergit_drops_contempt_and_maps_classes(tmp_path):
    fer = load_fer2013(make_fer_folders(tmp_path / "fer", per_class=1))
    with pytest.warns(DataWarning):
        mux = load_muxspace(make_muxspace(tmp_path / "mux"))
    both = combine_fergit(fer, mux)
    assert both.class_names == FER_CLASSES and len(both) == len(fer) + len(mux) - 1
    assert both.info["dropped_classes"] == {"contempt": 1} and both.info["paper_total"] == 49_300
    assert both.meta.origin.value_counts().to_dict() == {"fer2013": len(fer), "muxspace": 4}
    assert [FER_CLASSES[i] for i in both.labels[len(fer):]] == ["angry", "happy", "happy", "neutral"]


def test_load_dataset_real_names_need_their_folder(tmp_path):
    make_fer_folders(tmp_path / "fer2013", per_class=1)
    assert len(load_dataset("fer2013", tmp_path)) == 21
    with pytest.raises(DataError, match=r"ckplus48: expected the ckplus data set folder"):
        load_dataset("ckplus", tmp_path)
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("affectnet", tmp_path)


def test_cli_summary_strict_and_lenient(tmp_path):
    import json
    import subprocess
    import sys

    make_fer_folders(tmp_path / "fer2013", per_class=1)
    (tmp_path / "fer2013" / "train" / "sad" / "Training_55.jpg").write_bytes(b"junk")
    cmd = [sys.executable, "-m", "fer_lib", "data", "summary", "--dataset", "fer2013", "--root", str(tmp_path), "--json"]
    env = {**__import__("os").environ, "FER_CACHE_DIR": str(tmp_path / "cache")}
    strict = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert strict.returncode == 2 and "train/sad/Training_55.jpg" in strict.stderr
    lenient = subprocess.run(cmd + ["--lenient"], capture_output=True, text=True, env=env, check=True)
    summary = json.loads(lenient.stdout)
    assert summary["total"] == 21 and summary["problems"] == 1 and summary["by_class"]["sad"] == 3
    assert summary["duplicates"] == {"groups": 0, "extra_copies": 0, "conflicting_label_groups": 0} and summary["blanks"] == 0
