import json
import subprocess
import sys

import nbformat
import pytest
import yaml

from fer_lib.pipeline import book, notebooks, profiles
from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT


def test_profile_loading_and_overrides():
    params = profiles.load_profile("demo")
    assert params["dataset"] == "synthetic" and params["profile"] == "demo"
    assert profiles.parse_overrides(["seed=3", "data_root=null", "dataset=fer2013"]) == {"seed": 3, "data_root": None, "dataset": "fer2013"}
    with pytest.raises(ValueError, match="key=value"):
        profiles.parse_overrides(["seed"])
    with pytest.raises(FileNotFoundError, match="known profiles: .*demo"):
        profiles.load_profile("no-such-profile")


def test_every_notebook_opens_with_a_parameters_cell():
    found = notebooks.notebooks()
    assert found, "no notebooks found"
    for path in found:
        nb = nbformat.read(path, as_version=4)
        assert "parameters" in nb.cells[0].metadata.get("tags", []), f"{path.name}: first cell is not tagged 'parameters'"


def test_toc_entries_exist_or_come_from_a_notebook():
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for entry in files:
        if entry.startswith("book/results/"):
            assert (NOTEBOOK_DIR / f"{entry.split('/')[-1]}.ipynb").is_file(), f"{entry}: no notebook produces it"
        else:
            assert (REPO_ROOT / f"{entry}.md").is_file(), f"{entry}.md missing"


def _notebook(path, code):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_runner_goes_on_after_a_failure_and_reports_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_fails.ipynb", "raise RuntimeError('boom')")
    _notebook(src / "02_works.ipynb", "import os\nprint(x * 2, os.environ['FER_RUN_PROFILE'])")
    record = notebooks.run_notebooks({"x": 21, "unused": 0, "profile": "demo"}, tmp_path / "run", source_dir=src)
    assert record["notebooks"]["01_fails"]["status"].startswith("failed")
    assert record["notebooks"]["02_works"]["status"] == "ok"
    assert record["notebooks"]["02_works"]["parameters"] == {"x": 21}  # undeclared keys are not passed
    executed = nbformat.read(tmp_path / "run" / "notebooks" / "02_works.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "42 demo (run folder run)\n"  # the page knows its profile
    assert json.loads((tmp_path / "run" / "run.json").read_text())["params"]["x"] == 21


def test_replicate_cli_exits_nonzero_naming_the_failure(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "fer_lib", "replicate", "--out", str(tmp_path / "r"), "--only", "no_such_notebook"],
        capture_output=True, text=True,
    )
    assert out.returncode == 2 and "no notebook matched" in out.stderr


def test_staging_a_run_without_notebooks_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="replicate"):
        book.stage_run(tmp_path, dest=tmp_path / "dest")


def test_data_summary_json_for_synthetic():
    out = subprocess.run([sys.executable, "-m", "fer_lib", "data", "summary", "--dataset", "synthetic", "--json"], capture_output=True, text=True, check=True)
    summary = json.loads(out.stdout)
    assert summary["total"] == 6000 and sum(summary["by_class"].values()) == 6000
    assert summary["by_split"] == {"all": 6000} and set(summary["by_class"]) >= {"happy", "disgust"}


def test_checked_outputs_are_copied_only_from_a_run_with_the_default_parameters(tmp_path):
    import papermill as pm

    src = tmp_path / "src"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(x * 2)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "01_x.ipynb")
    pm.execute_notebook(str(src / "01_x.ipynb"), str(tmp_path / "ok.ipynb"), parameters={"x": 1}, kernel_name="python3", progress_bar=False)
    pm.execute_notebook(str(src / "01_x.ipynb"), str(tmp_path / "other.ipynb"), parameters={"x": 5}, kernel_name="python3", progress_bar=False)
    with pytest.raises(ValueError, match=r"other than 01_x.ipynb's defaults: \['x'\]"):
        notebooks.copy_checked_outputs(src / "01_x.ipynb", tmp_path / "other.ipynb")
    assert notebooks.copy_checked_outputs(src / "01_x.ipynb", tmp_path / "ok.ipynb") == 1
    checked = nbformat.read(src / "01_x.ipynb", as_version=4).cells[1]
    assert checked.outputs[0]["text"] == "2\n" and checked.execution_count is not None


def test_notebook_defaults_are_the_demo_profile():
    import papermill as pm

    demo = profiles.load_profile("demo")
    for path in notebooks.notebooks():
        for name, spec in pm.inspect_notebook(str(path)).items():
            if name in demo:
                assert notebooks._literal(spec["default"]) == demo[name], f"{path.name}: {name} defaults to {spec['default']}, demo has {demo[name]!r}"


def test_seeds_run_each_seed_then_one_scorecard_over_all(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_page.ipynb", "print('seed', x)")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("seed_dirs = None", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("print(len(seed_dirs))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "07_scorecard.ipynb")
    record = notebooks.run_seeds({"x": 0}, tmp_path / "out", [1, 2], source_dir=src)
    assert {k for k, v in record["notebooks"].items() if v["status"] == "ok"} >= {"seed-1/01_page", "seed-2/01_page", "07_scorecard"}
    card = nbformat.read(tmp_path / "out" / "notebooks" / "07_scorecard.ipynb", as_version=4)
    assert card.cells[-1].outputs[0]["text"] == "2\n"
    assert (tmp_path / "out" / "seed-1" / "notebooks" / "01_page.ipynb").is_file() and (tmp_path / "out" / "run.json").is_file()


def test_notebook_params_apply_to_their_notebook_only(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_one.ipynb", "print(x)")
    _notebook(src / "02_two.ipynb", "print(x)")
    record = notebooks.run_notebooks({"x": 1, "notebook_params": {"02_two": {"x": 2}}}, tmp_path / "run", source_dir=src)
    assert record["notebooks"]["01_one"]["parameters"] == {"x": 1} and record["notebooks"]["02_two"]["parameters"] == {"x": 2}
    two = nbformat.read(tmp_path / "run" / "notebooks" / "02_two.ipynb", as_version=4)
    assert two.cells[-1].outputs[0]["text"] == "2\n"
    again = notebooks.run_notebooks({"x": 3}, tmp_path / "run", only=["01_one"], source_dir=src)
    assert again["notebooks"]["01_one"]["parameters"] == {"x": 3} and "02_two" in again["notebooks"]  # a partial rerun keeps the others
