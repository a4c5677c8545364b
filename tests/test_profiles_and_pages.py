"""Typed profiles (a typo is an error naming the key and where it came from) and the pages'
sources: one MyST Markdown file per page, paired with the notebook papermill and nbval run."""

import subprocess
import sys

import jupytext
import nbformat
import pytest
import yaml

from fer_lib.pipeline import notebooks, profiles
from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "fer_lib", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


@pytest.mark.parametrize("setting, named", [
    ("epochs=abc", "epochs (from --set): unknown; the profile keys are: profile, dataset"),
    ("train.epochz=3", "train.epochz (from --set): unknown; the training parameters are: arch, width, epochs"),
    ("train.epochs=abc", "train.epochs (from --set): Input should be a valid integer (got 'abc')"),
    ("train.augment.zom=0.1", "train.augment.zom (from --set): unknown; the augment parameters are: enabled, flip"),
    ("split=subjects", "split (from --set): Input should be 'random' or 'official'"),
    ("n_folds=2", "n_folds (from --set): Input should be greater than or equal to 3 (got 2)"),  # a test, a validation and a training fold
])
def test_a_typo_on_the_command_line_stops_with_the_key_named(tmp_path, setting, named):
    out = _cli("train", "--profile", "demo", "--out", str(tmp_path / "x"), "--set", setting)
    assert out.returncode == 2 and named in out.stderr, out.stderr[-1500:]
    assert not (tmp_path / "x").exists()  # refused before anything was written


def test_replicate_refuses_an_undeclared_page_parameter(tmp_path):
    out = _cli("replicate", "--profile", "smoke", "--out", str(tmp_path / "x"), "--param", "posed_dri=photos")
    assert out.returncode == 2 and "page parameter 'posed_dri' is declared by none of the pages" in out.stderr, out.stderr[-1500:]
    assert "model_path, posed_dir, seed_dirs" in out.stderr


def test_a_typo_in_a_profile_file_names_the_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"dataset": "synthetic", "n_face": 100}))
    with pytest.raises(profiles.ProfileError, match=r"n_face \(from .*mine.yaml\): unknown"):
        profiles.load(str(path))
    with pytest.raises(profiles.ProfileError, match=r"train.epochz \(from the page's overrides\)"):
        profiles.for_page("smoke", {"train": {"epochz": 1}})


def test_the_ckplus_seeds_are_each_named_once_and_the_profiles_own_is_not_drawn_twice():
    from fer_lib.pipeline.trainings import other_ck_seeds, plan

    assert profiles.load_profile("cpu", {"ckplus_seeds": [3, 4]})["ckplus_seeds"] == [3, 4]
    for seeds in ([2, 2], [-1]):
        with pytest.raises(profiles.ProfileError, match=r"ckplus_seeds \(from --set\): expected seeds of 0 or more, each once"):
            profiles.load_profile("cpu", {"ckplus_seeds": seeds})
    as_replicate_sets_it = profiles.load_profile("cpu", {"seed": 1})  # replicate --seeds: the profile's seed is one of ckplus_seeds
    assert other_ck_seeds(as_replicate_sets_it) == [2] and [s.name for s in plan(as_replicate_sets_it)].count("ckplus-random-seed1") == 0


def test_overrides_change_one_value_and_keep_the_profile_rest():
    demo = profiles.load_profile("demo")
    params = profiles.for_page("demo", {"train": {"epochs": 30}})
    assert params["train"] == demo["train"] | {"epochs": 30}  # batch size, precision and class weights stay the profile's
    assert params["train"]["batch_size"] == 32 and params["train"]["precision"] == "float32"


def test_defaults_live_in_the_profile_model_once():
    smoke = yaml.safe_load((REPO_ROOT / "profiles" / "smoke.yaml").read_text())
    assert "ablations" not in smoke and profiles.load_profile("smoke")["ablations"] is profiles.DEFAULTS["ablations"] is False
    assert profiles.DEFAULTS["n_faces"] == 6000 and profiles.DEFAULTS["n_subjects"] == 40
    for name in profiles.known_profiles():
        profiles.load(name)  # every shipped profile is valid


def _pages() -> list:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.md"))


def _inputs(nb) -> list:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def test_each_page_is_one_markdown_file_paired_with_its_notebook():
    pages = _pages()
    assert [p.stem for p in pages] == [p.stem for p in notebooks.notebooks()], "each notebook needs its .md source and each .md its notebook"
    stale = [p.name for p in pages if _inputs(jupytext.read(p)) != _inputs(nbformat.read(p.with_suffix(".ipynb"), as_version=4))]
    assert not stale, f"{stale}: the .ipynb differs from its .md source; run `make notebooks` (jupytext --update --to ipynb)"
    assert not (REPO_ROOT / "tools" / "make_notebooks.py").exists()


def test_a_page_edit_is_caught_until_its_notebook_is_updated(tmp_path):
    md = tmp_path / "01_x.md"
    md.write_text((NOTEBOOK_DIR / "08_deviations.md").read_text())
    nbformat.write(jupytext.read(md), tmp_path / "01_x.ipynb")
    md.write_text(md.read_text().replace("Deviations from the paper", "Deviations from the article"))
    assert _inputs(jupytext.read(md)) != _inputs(nbformat.read(tmp_path / "01_x.ipynb", as_version=4))


def test_every_page_opens_with_parameters_and_keeps_code_cells_short():
    for path in _pages():
        nb = jupytext.read(path)
        assert "parameters" in nb.cells[0].metadata.get("tags", []), f"{path.name}: first cell is not tagged 'parameters'"
        long = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code" and len(c.source.splitlines()) > 15]
        assert not long, f"{path.name}: code cells over 15 lines: {long}"
        figures = [c.metadata["mystnb"]["figure"] for c in nb.cells if "figure" in c.metadata.get("mystnb", {})]
        assert all(f.get("name") and f.get("caption") for f in figures), f"{path.name}: a figure without a name or caption"


def test_a_number_in_exponent_form_is_a_number():
    assert profiles.parse_overrides(["train.learning_rate=1e-3", "train.min_lr=5E-8", "dataset=fer2013"]) == {
        "train": {"learning_rate": 0.001, "min_lr": 5e-8}, "dataset": "fer2013"}  # YAML 1.1 alone reads 1e-3 as a string
    assert profiles.for_page("smoke", profiles.parse_overrides(["train.learning_rate=1e-3"]))["train"]["learning_rate"] == 0.001


def test_the_posed_page_says_which_photos_it_labels():
    """Generated scenes are never described as the reference run's muxspace photos, nor those as a parameter's folder."""
    from fer_lib.data.synthetic import GENERATED_SCENES
    from fer_lib.report.pages import posed_intro

    generated = posed_intro(GENERATED_SCENES, 4, given=False)
    assert f"4 {GENERATED_SCENES}" in generated and "muxspace" not in generated and "nothing on this page compares with the paper" in generated
    reference = posed_intro("$FER_DATA_ROOT/posed", 4, given=False)
    assert "4 posed photos of one person from muxspace" in reference and "among FERGIT's faces" in reference
    given = posed_intro("photos", 3, given=True)
    assert "3 photos of `photos`, given as a parameter" in given and "muxspace" not in given


def test_the_method_page_states_the_profiles_as_they_are():
    """book/method.md names the folds, augmentation and precision of each profile: those must be the profiles' own."""
    text = (REPO_ROOT / "book" / "method.md").read_text()
    demo, cpu, paper = (profiles.load_profile(n) for n in ("demo", "cpu", "paper"))
    assert "(10 in the\n`paper` and `cpu` profiles, 3 in `demo`" in text and (cpu["n_folds"], paper["n_folds"], demo["n_folds"]) == (10, 10, 3)
    assert "(none in `demo`)" in text and demo["train"]["augment"]["enabled"] is False and cpu["train"].get("augment", {}).get("enabled", True)
    assert "float32 in every profile; the `cpu` profile's first runs were recorded in mixed bfloat16" in text
    assert "drawn again at seeds 1 and 2 in the `paper` and `cpu` profiles (none in\n`demo`)" in text
    assert paper["ckplus_seeds"] == cpu["ckplus_seeds"] == [1, 2] and demo["ckplus_seeds"] == []
    assert {p["train"].get("precision", "float32") for p in (paper, cpu, demo)} == {"float32"}
