import json
import os
import subprocess
import sys
import time

import nbformat
import pytest
import yaml

from fer_lib.pipeline import book, notebooks, profiles
from fer_lib.pipeline.records import RunRecord, read_record
from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT


def test_profile_loading_and_overrides():
    params = profiles.load_profile("demo")
    assert params["dataset"] == "synthetic" and params["profile"] == "demo"
    assert profiles.parse_overrides(["seed=3", "data_root=null", "dataset=fer2013"]) == {"seed": 3, "data_root": None, "dataset": "fer2013"}
    with pytest.raises(ValueError, match="key=value"):
        profiles.parse_overrides(["seed"])
    with pytest.raises(FileNotFoundError, match="known profiles: .*demo"):
        profiles.load_profile("no-such-profile")


def test_toc_entries_exist_or_come_from_a_notebook():
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for entry in files:
        if entry.startswith("book/results/"):
            assert (NOTEBOOK_DIR / f"{entry.split('/')[-1]}.ipynb").is_file(), f"{entry}: no notebook produces it"
        else:
            assert (REPO_ROOT / f"{entry}.md").is_file(), f"{entry}.md missing"


def _notebook(path, code, params="profile = 'smoke'\noverrides = {}\nx = 1"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_runner_goes_on_after_a_failure_and_reports_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_fails.ipynb", "raise RuntimeError('boom')")
    _notebook(src / "02_works.ipynb", "import os\nprint(x * 2, profile, overrides, os.environ['FER_RUN_PROFILE'], os.environ['FER_PROFILE_NAME'])")
    _notebook(src / "03_plain.ipynb", "print('no profile')", params="y = 0")
    record = notebooks.run_notebooks("demo", tmp_path / "run", overrides={"seed": 3}, page_params={"x": 21}, source_dir=src)
    assert record.notebooks["01_fails"].status.startswith("failed") and "boom" in record.notebooks["01_fails"].status
    assert record.notebooks["02_works"].status == "ok" and record.notebooks["03_plain"].status == "ok"
    assert record.notebooks["02_works"].parameters == {"profile": "demo", "overrides": {"seed": 3}, "x": 21}
    assert record.notebooks["03_plain"].parameters == {}  # a page gets only what it declares
    executed = nbformat.read(tmp_path / "run" / "notebooks" / "02_works.ipynb", as_version=4)
    text = executed.cells[-1].outputs[0]["text"]
    assert text.startswith("42 demo {'seed': 3} demo (run folder ") and text.rstrip().endswith(") demo")  # the page knows its profile
    assert "remove-cell" in executed.cells[0].metadata["tags"]  # parameter plumbing stays out of the page
    params = read_record(RunRecord, tmp_path / "run" / "run.json").params
    assert params["seed"] == 3 and params["n_faces"] == 2000 and params["profile"] == "demo"  # the profile, validated, with the overrides


def test_runner_refuses_a_page_parameter_no_page_declares_and_a_bad_profile_key_before_running(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_a.ipynb", "print(x)")
    with pytest.raises(ValueError, match="page parameter 'x_dir' is declared by none of the pages run \\(01_a\\); their own parameters are: x"):
        notebooks.run_notebooks("demo", tmp_path / "run", page_params={"x_dir": 1}, source_dir=src)
    with pytest.raises(profiles.ProfileError, match="train.epochz \\(from --set\\): unknown"):
        notebooks.run_notebooks("demo", tmp_path / "run", overrides={"train": {"epochz": 1}}, source_dir=src)
    assert not (tmp_path / "run" / "notebooks").exists()  # nothing ran, nothing left behind


def test_tidying_moves_native_log_lines_and_data_warnings_out_and_keeps_other_stderr(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("import keras")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=(
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1795554797.157020    8430 port.cc:153] oneDNN custom operations are on.\n"
        "/x/fergit.py:66: DataWarning: muxspace /data/muxspace: excluded 1 image(s) with conflicting labels\n"
        "  load_muxspace(muxspace_path, lenient=lenient, use_cache=use_cache),\n"
        "/x.py:3: UserWarning: something the reader should see\n"
        "  warnings.warn(text)\n")),
        nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    nb.cells = [cell]
    nb.metadata["papermill"] = {"input_path": str(REPO_ROOT / "notebooks" / "a.ipynb")}
    nbformat.write(nb, tmp_path / "a.ipynb")
    moved = notebooks.tidy_executed(tmp_path / "a.ipynb", tmp_path / "logs" / "a.txt")
    assert nbformat.read(tmp_path / "a.ipynb", as_version=4).metadata["papermill"]["input_path"] == "notebooks/a.ipynb"
    assert len(moved) == 4 and (tmp_path / "logs" / "a.txt").read_text().count("\n") == 4  # the data page's audit shows what loaders skip
    outputs = nbformat.read(tmp_path / "a.ipynb", as_version=4).cells[0].outputs
    assert [o["text"] for o in outputs] == ["/x.py:3: UserWarning: something the reader should see\n  warnings.warn(text)\n", "hello\n"]


def test_replicate_cli_exits_nonzero_naming_the_failure(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "fer_lib", "replicate", "--out", str(tmp_path / "r"), "--only", "no_such_notebook"],
        capture_output=True, text=True,
    )
    assert out.returncode == 2 and "no notebook matched" in out.stderr


def test_staging_a_run_without_notebooks_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="replicate"):
        book.stage_run(tmp_path, dest=tmp_path / "dest")


def test_staged_pages_are_newer_than_any_earlier_build(tmp_path):
    """A run executed before the last build (the committed reference run, say) must still be re-read by Sphinx."""
    run = tmp_path / "run"
    (run / "notebooks").mkdir(parents=True)
    (run / "notebooks" / "00_summary.ipynb").write_text("{}")
    (run / "run.json").write_text("{}")
    for path in (run / "notebooks" / "00_summary.ipynb", run / "run.json"):
        os.utime(path, (946684800, 946684800))  # 2000-01-01: long before any build
    before = time.time() - 1
    staged = book.stage_run(run, dest=tmp_path / "dest")
    assert [p.name for p in staged] == ["00_summary.ipynb"]
    assert all(p.stat().st_mtime >= before for p in (*staged, tmp_path / "dest" / "run.json"))


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


def test_nbval_runs_only_the_pages_with_an_output_to_compare(tmp_path):
    """The smoke book executes every page; nbval adds a run only where it compares an output.
    A marker in a markdown cell, or in no cell, does not make a page checked."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# NBVAL_CHECK_OUTPUT"), nbformat.v4.new_code_cell("print(2)")]
    nbformat.write(nb, tmp_path / "plain.ipynb")
    nb.cells.append(nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(3)"))
    nbformat.write(nb, tmp_path / "checked.ipynb")
    nb.cells[-1] = nbformat.v4.new_code_cell("print(3)", metadata={"tags": ["nbval-check-output"]})
    nbformat.write(nb, tmp_path / "tagged.ipynb")
    assert not notebooks.checks_outputs(tmp_path / "plain.ipynb")
    assert notebooks.checks_outputs(tmp_path / "checked.ipynb") and notebooks.checks_outputs(tmp_path / "tagged.ipynb")
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--collect-only", "-q", "-p", "no:cacheprovider", "notebooks"],
                         capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    collected = {line.split("::")[0] for line in run.stdout.splitlines() if "::" in line}
    assert collected == {f"notebooks/{p.stem}.ipynb" for p in notebooks.notebooks() if notebooks.checks_outputs(p)}
    assert 0 < len(collected) < len(notebooks.notebooks())


def test_pages_take_the_smoke_profile_by_name_and_no_copy_of_its_values():
    import papermill as pm

    for path in notebooks.notebooks():
        declared = pm.inspect_notebook(str(path))
        copies = sorted(set(declared) & set(profiles.Profile.model_fields) - {"profile"})
        assert not copies, f"{path.name} declares profile keys as its own parameters: {copies}; read them from `profile`"
        if "profile" in declared:
            assert declared["profile"]["default"] == '"smoke"' and declared["overrides"]["default"] == "{}", path.name


def test_seeds_run_each_seed_then_one_scorecard_over_all(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_page.ipynb", "print('seed', overrides['seed'])")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("seed_dirs = None", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("print(len(seed_dirs))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "07_scorecard.ipynb")
    record = notebooks.run_seeds("smoke", tmp_path / "out", [1, 2], source_dir=src)
    assert {k for k, v in record.notebooks.items() if v.status == "ok"} >= {"seed-1/01_page", "seed-2/01_page", "07_scorecard"}
    assert nbformat.read(tmp_path / "out" / "seed-2" / "notebooks" / "01_page.ipynb", as_version=4).cells[-1].outputs[0]["text"] == "seed 2\n"
    card = nbformat.read(tmp_path / "out" / "notebooks" / "07_scorecard.ipynb", as_version=4)
    assert card.cells[-1].outputs[0]["text"] == "2\n"
    assert (tmp_path / "out" / "seed-1" / "notebooks" / "01_page.ipynb").is_file() and (tmp_path / "out" / "run.json").is_file()


def test_a_partial_rerun_keeps_the_other_notebooks_records(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _notebook(src / "01_one.ipynb", "print(x)")
    _notebook(src / "02_two.ipynb", "print(x)")
    notebooks.run_notebooks("smoke", tmp_path / "run", page_params={"x": 1}, source_dir=src)
    again = notebooks.run_notebooks("smoke", tmp_path / "run", page_params={"x": 3}, only=["01_one"], source_dir=src)
    assert again.notebooks["01_one"].parameters["x"] == 3 and again.notebooks["02_two"].parameters["x"] == 1


def test_the_book_audit_finds_what_a_reader_must_not_meet(tmp_path):
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "page.html").write_text("<p>data in /work/shared/data/fer2013, accuracy nan%</p><p>$FER_DATA_ROOT/fer2013 is fine</p>"
                                                 "<pre>WARNING:tensorflow:5 out of the last 5 calls triggered tf.function retracing</pre>")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("out_dir = 'runs/x'")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n")]
    nb.cells = [cell]
    (tmp_path / "run" / "notebooks").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "run" / "notebooks" / "01_x.ipynb")
    problems = book.audit_book(tmp_path / "html", tmp_path / "run")
    assert len(problems) == 5, problems
    assert any("/work/shared" in p for p in problems) and any("nan" in p for p in problems) and any("stderr" in p for p in problems)
    assert sum("a library's warning" in p for p in problems) == 2


def test_a_kernels_native_start_up_lines_go_to_the_runs_log_not_the_console(tmp_path, capfd):
    line = "import os; os.write(2, b'I0000 00:00:1.0 1 port.cc:153] oneDNN custom operations are on.\\n')"
    with notebooks.kernel_stderr(tmp_path / "logs" / "01.kernel.txt"):
        subprocess.run([sys.executable, "-c", line], check=True)  # a child process, as a kernel is
    subprocess.run([sys.executable, "-c", "import os; os.write(2, b'after\\n')"], check=True)
    assert (tmp_path / "logs" / "01.kernel.txt").read_text().startswith("I0000 ")
    err = capfd.readouterr().err
    assert "after" in err and "oneDNN" not in err


def test_the_book_title_names_its_build(tmp_path):
    """Every page's header says which build it is: the synthetic demo, or real data and its run folder."""
    import yaml

    from fer_lib.pipeline.book import build_config
    from fer_lib.pipeline.records import RunRecord, write_record
    from fer_lib.settings import REPO_ROOT

    root = tmp_path / "root"
    root.mkdir()
    (root / "_config.yml").write_text((REPO_ROOT / "_config.yml").read_text())
    titles = {}
    for name, dataset in (("demo", "synthetic"), ("reference", "fergit")):
        write_record(RunRecord(params={"dataset": dataset}, environment={}, notebooks={}), tmp_path / name / "run.json")
        titles[name] = yaml.safe_load(build_config(tmp_path / name, root).read_text())["title"]
    assert titles["demo"].endswith("(synthetic demo)") and titles["reference"].endswith("(real data: run reference)")
