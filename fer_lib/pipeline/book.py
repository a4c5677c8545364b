"""The book: stage a run folder's executed notebooks and build the HTML with Jupyter Book 1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fer_lib.settings import BOOK_RESULTS_DIR, REPO_ROOT


def stage_run(run_dir: Path, dest: Path = BOOK_RESULTS_DIR) -> list[Path]:
    """Copy a run's executed notebooks and record to where the book's table of contents expects them."""
    run_dir = Path(run_dir)
    executed = sorted((run_dir / "notebooks").glob("*.ipynb"))
    if not executed:
        raise FileNotFoundError(f"{run_dir}/notebooks holds no executed notebooks; run `python -m fer_lib replicate --out {run_dir}` first")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for nb in executed:
        shutil.copy2(nb, dest / nb.name)
    if (run_dir / "run.json").exists():
        shutil.copy2(run_dir / "run.json", dest / "run.json")
    return [dest / nb.name for nb in executed]

def build_book(run_dir: Path, strict: bool = True) -> int:
    """Stage ``run_dir`` and build the HTML book into ``_build/html``; returns the exit code."""
    stage_run(run_dir)
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(REPO_ROOT), "--path-output", str(REPO_ROOT)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    env = os.environ | {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return subprocess.run(cmd, env=env).returncode
