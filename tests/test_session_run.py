"""The tests that use this session's run folder (``$FER_OUT_DIR``) after the pages under
nbval have run in it: the smoke run of the whole book, which reuses their trainings and runs
the others, and the README's papermill line, which reuses the smoke run's. Under pytest-xdist this file and the pages form one unit of work on
one worker, in collection order (conftest.py), so the smoke book reuses the pages' trainings."""

import os
import shlex
import subprocess

import nbformat
import pytest

from fer_lib.pipeline import book, notebooks
from fer_lib.pipeline.records import RunRecord, read_record
from fer_lib.settings import REPO_ROOT


@pytest.mark.slow
def test_the_smoke_run_builds_a_book_a_reader_can_trust(smoke_run, tmp_path):
    """Every notebook finished; the strict build succeeds; no page or executed notebook holds an
    absolute path, a traceback, an unresolved glue reference, a nan or a stderr output."""
    record = read_record(RunRecord, smoke_run / "run.json")
    assert {name: r.status for name, r in record.notebooks.items()} == {p.stem: "ok" for p in notebooks.notebooks()}
    assert book.build_book(smoke_run, strict=True, workdir=tmp_path) == 0
    html = tmp_path / "_build" / "html"
    assert {p.stem for p in (html / "book" / "results").glob("*.html")} == {p.stem for p in notebooks.notebooks()}
    assert book.audit_book(html, smoke_run) == []
    front = (html / "book" / "results" / "00_summary.html").read_text()
    assert "(synthetic demo)" in front and "synthetic faces" in front  # which book this is, on its first page


@pytest.mark.slow
def test_the_readme_papermill_command_runs_a_page_with_overrides(tmp_path):
    """The README's own papermill line, run as written except for a smoke profile and this
    session's run folder (whose trainings the smoke run of the book already ran)."""
    line = next(x for x in (REPO_ROOT / "README.md").read_text().splitlines() if x.startswith(".venv/bin/papermill notebooks/"))
    args = shlex.split(line)
    args[0], args[2] = str(REPO_ROOT / ".venv" / "bin" / "papermill"), str(tmp_path / "out.ipynb")
    args += ["-p", "profile", "smoke", "-p", "out_dir", os.environ["FER_OUT_DIR"], "-y", "overrides: {train: {epochs: 2}}", "--no-progress-bar"]
    run = subprocess.run(args, capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert executed.metadata["papermill"]["parameters"]["overrides"] == {"train": {"epochs": 2}}


def test_the_pages_and_this_file_are_one_unit_of_work_and_every_other_test_its_own():
    from conftest import session_run_scope

    units = {session_run_scope(n) for n in ("notebooks/02_class_weighting.ipynb::Cell 3", "tests/test_session_run.py::test_x")}
    assert units == {"session-run"}
    assert session_run_scope("tests/test_training.py::test_y") == "tests/test_training.py::test_y"
    assert session_run_scope("tests/test_session_runner.py::test_z") != "session-run"  # a file whose name only begins the same
