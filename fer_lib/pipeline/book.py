"""The book: stage a run folder's executed notebooks and build the HTML with Jupyter Book 1."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from fer_lib.settings import BOOK_RESULTS_DIR, REPO_ROOT


def stage_run(run_dir: Path, dest: Path = BOOK_RESULTS_DIR) -> list[Path]:
    """Copy a run's executed notebooks and record to where the book's table of contents expects them.

    The copies are stamped now, not with the run's own times: Sphinx re-reads a page only when
    its source is newer than the last build, so a run executed (or checked out) before the
    build already in ``_build`` would otherwise be skipped and that build's pages kept.
    """
    run_dir = Path(run_dir)
    executed = sorted((run_dir / "notebooks").glob("*.ipynb"))
    if not executed:
        raise FileNotFoundError(f"{run_dir}/notebooks holds no executed notebooks; run `python -m fer_lib replicate --out {run_dir}` first")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for nb in executed:
        shutil.copyfile(nb, dest / nb.name)
    if (run_dir / "run.json").exists():
        shutil.copyfile(run_dir / "run.json", dest / "run.json")
    return [dest / nb.name for nb in executed]

BOOK_SOURCES = ("_config.yml", "_toc.yml", "book")


def build_book(run_dir: Path, strict: bool = True, workdir: Path | None = None) -> int:
    """Stage ``run_dir`` and build the HTML book; returns the exit code.

    By default the book builds in the repository (``_build/html``). With ``workdir`` the
    book's sources are copied there first and it builds in ``workdir/_build/html``, leaving
    the repository's own build alone (the test suite does this).
    """
    root = REPO_ROOT if workdir is None else Path(workdir)
    if workdir is not None:
        for name in BOOK_SOURCES:
            src, dst = REPO_ROOT / name, root / name
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("results"))
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    stage_run(run_dir, root / "book" / "results")
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(root), "--path-output", str(root), "--config", str(build_config(run_dir, root))]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    env = os.environ | {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return subprocess.run(cmd, env=env).returncode


SYNTHETIC_TITLE = " (synthetic demo)"
REAL_TITLE = " (real data: run {run})"


def is_synthetic(run_dir: Path) -> bool:
    """Whether a run folder's run was on synthetic faces (its ``run.json`` says which data set)."""
    from fer_lib.pipeline.records import RunRecord, read_record

    path = Path(run_dir) / "run.json"
    return path.exists() and str(read_record(RunRecord, path).params.get("dataset", "")).startswith("synthetic")


def build_config(run_dir: Path, root: Path) -> Path:
    """The book's configuration for this run: ``_config.yml``, its title marked with the run's
    kind (synthetic demo, or real data and the run folder's name), so that the two builds are
    told apart on every page's header."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] += SYNTHETIC_TITLE if is_synthetic(run_dir) else REAL_TITLE.format(run=Path(run_dir).name)
    path = root / "_build" / "_config.run.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


ABSOLUTE_PATH = re.compile(r"(?<![\w$~.:/<>-])/(?!path/to/)(?:[\w.-]+/)+[\w.-]+")  # /any/machine/path (not a/b, a URL's, or /path/to/ in an example)


def audit_book(html_dir: Path, run_dir: Path) -> list[str]:
    """What a reader must not meet, in a built book and the run it renders: an absolute path,
    a traceback, an unresolved glue reference, a "nan" in prose, a library's ``WARNING:`` or
    retracing notice, a stderr output or an error output in an executed notebook. Returns one line per problem (empty: clean)."""
    import nbformat

    problems = []
    for page in sorted(Path(html_dir).rglob("*.html")):
        if "_static" in page.parts or page.name in ("search.html", "genindex.html"):
            continue
        text = page.read_text(errors="replace")
        body = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
        for pattern, what in ((ABSOLUTE_PATH, "an absolute path"), (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
                              (re.compile(r"\{glue:[a-z]+\}"), "an unresolved glue reference"), (re.compile(r"\bnan%?\b"), "a nan"),
                              (re.compile(r"\bWARNING:|\bretracing\b"), "a library's warning")):
            for m in pattern.finditer(re.sub(r"<[^>]+>", " ", body)):
                problems.append(f"{page.relative_to(html_dir)}: {what}: {m.group(0)!r}")
    for path in sorted(Path(run_dir, "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            text = cell.source + "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) + str(o.get("data", {}).get("text/markdown", ""))
                                         for o in cell.get("outputs", []))
            for m in ABSOLUTE_PATH.finditer(text):
                problems.append(f"{path.name} cell {i}: an absolute path: {m.group(0)!r}")
            for o in cell.get("outputs", []):
                if o.get("output_type") == "error":
                    problems.append(f"{path.name} cell {i}: an error output ({o.get('ename')})")
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    problems.append(f"{path.name} cell {i}: stderr output: {o.get('text', '')[:120]!r}")
    return problems
