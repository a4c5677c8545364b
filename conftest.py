"""Shared fixtures, for tests/ and for the notebooks under nbval (the pages with an output
to compare; the smoke book runs them all). The notebooks under nbval
and the smoke run of the book test share one fresh run folder per session
(``$FER_OUT_DIR``), inside the repository so that pages show it as a relative path, and
removed at the end: nothing from an earlier session is reused. The notebooks run first
(``testpaths``), so the smoke run finds their trainings finished and reuses them: each
training runs once per session."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
SESSION_RUN = REPO_ROOT / "runs" / f".test-{uuid.uuid4().hex[:8]}"
os.environ["FER_OUT_DIR"] = str(SESSION_RUN)  # nbval's kernels inherit it: notebooks run alone write here


# Everything that writes or reads this session's run folder: the pages under nbval, then
# the tests that reuse their trainings. Under pytest-xdist it is one unit of work.
SESSION_RUN_UNIT = ("notebooks/", "tests/test_session_run.py::")


def session_run_scope(nodeid: str) -> str:
    """The unit of work a test belongs to under ``make test``'s two workers: the session-run unit, or itself."""
    return "session-run" if nodeid.startswith(SESSION_RUN_UNIT) else nodeid


def pytest_collection_modifyitems(config, items):
    """The pages' unit first, in its own order; then the tests that train (marked ``slow``), then the rest:
    under ``make test``'s two workers the longest tests start early, so that neither worker is left
    running one at the end while the other idles."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith(SESSION_RUN_UNIT) else 1 if item.get_closest_marker("slow") else 2)


def pytest_itemcollected(item):
    """A test that takes ``smoke_run`` belongs in tests/test_session_run.py (see SESSION_RUN_UNIT)."""
    if "smoke_run" in getattr(item, "fixturenames", ()) and not item.nodeid.startswith(SESSION_RUN_UNIT):
        raise pytest.UsageError(f"{item.nodeid} uses the session's run folder: move it to tests/test_session_run.py")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without it (or with -p no:xdist) pytest runs as before
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs two workers (``-n 2``, xdist's ``load`` mode): each test is a unit of
    work, except SESSION_RUN_UNIT, which runs whole on one worker in collection order. Each
    worker imports this file and so has its own run folder: split over two workers, the
    smoke book would find none of the pages' trainings and train them all again, and the
    README's papermill line would train its page's. pytest-xdist's own ``--dist loadgroup``
    cannot group them under pytest 9.2, where a node id is no longer the ``_nodeid`` that
    loadgroup rewrites. Other ``--dist`` modes keep xdist's own scheduler (correct, slower)."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SessionRunScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return session_run_scope(nodeid)

    return SessionRunScheduling(config, log)


def pytest_ignore_collect(collection_path, config):
    """Under nbval, a page runs only when it has an output to compare: the smoke book
    (tests/test_session_run.py) executes every page with papermill, which fails on any error,
    so running a page without checked outputs under nbval too would only repeat its cells.
    Under strict ``--nbval``, which compares every output, every page runs."""
    if collection_path.suffix == ".ipynb" and config.getoption("nbval_lax", False) and collection_path.resolve().parent == NOTEBOOK_DIR:
        from fer_lib.pipeline.notebooks import checks_outputs

        return None if checks_outputs(collection_path) else True
    return None


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(SESSION_RUN, ignore_errors=True)


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The real-data root from $FER_DATA_ROOT; tests that need it skip when it is absent."""
    from fer_lib.settings import data_root

    root = data_root()
    if root is None or not root.is_dir():
        pytest.skip("real data not available: set FER_DATA_ROOT (CI points it at ../shared/data)")
    return root


@pytest.fixture(scope="session")
def smoke_run() -> Path:
    """Every notebook executed with papermill on the smoke profile into the session's run folder."""
    run = subprocess.run([sys.executable, "-m", "fer_lib", "replicate", "--profile", "smoke", "--out", str(SESSION_RUN)],
                         capture_output=True, text=True, cwd=REPO_ROOT, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return SESSION_RUN
