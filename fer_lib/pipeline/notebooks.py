"""Run the parameterised notebooks with papermill into a run folder, and keep the outputs nbval checks."""

from __future__ import annotations

import os
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from fer_lib.pipeline.provenance import environment
from fer_lib.pipeline.records import NotebookRun, RunRecord, read_record, write_record
from fer_lib.settings import NOTEBOOK_DIR, PROFILE_ENV, PROFILE_NAME_ENV, REPO_ROOT

NATIVE_LOG = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWEF]\d{4} [\d:. ]+\d+ \S+:\d+\]).*$")
"""Lines TensorFlow's C++ runtime writes to the kernel's stderr (oneDNN notes, graph attribute notices)."""
DATA_WARNING = re.compile(r"^.+:\d+: DataWarning: ")
"""The first line of a loader's warning (what it skipped or excluded; the data page's audit shows the same)."""


def _moved_lines(lines: list[str]) -> list[bool]:
    """Which stderr lines go to the log: native log lines, and each data warning with its indented source line."""
    moved, in_warning = [], False
    for line in lines:
        text = line.rstrip("\n")
        in_warning = bool(DATA_WARNING.match(text)) or (in_warning and text.startswith(" "))
        moved.append(in_warning or bool(NATIVE_LOG.match(text)))
    return moved


SUMMARY = "00_summary"
"""The book's first page, which sums up the records the other pages write: it runs last."""


KERNEL_QUIET = ["--IPKernelApp.log_level=ERROR"]  # no "Kernel is running over TCP without encryption" per page


@contextmanager
def kernel_stderr(log: Path):
    """The kernels started inside write their process's stderr (TensorFlow's native start-up
    lines, which no log level silences) to ``log`` rather than to the console."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(log, "ab") as f:
            os.dup2(f.fileno(), 2)
            yield log
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The replication notebooks, in reading order (by file name)."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))


def execution_order(pages: list[Path]) -> list[Path]:
    """``pages`` in the order they run: reading order, the summary page last."""
    return sorted(pages, key=lambda p: (p.stem == SUMMARY, p.name))


def _relative(path: Path) -> str:
    """``path`` relative to the repository when inside it (the notebooks run there), so that
    no machine's absolute path is written into an executed notebook."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


PAGE_PARAMETERS = ("profile", "overrides", "out_dir")
"""What the runner gives every page that declares it: the profile, its overrides, the run folder."""


def _declared(pages: list[Path], page_params: dict) -> dict[str, dict]:
    """Each page's declared parameters; a ValueError for a page parameter no page declares
    (papermill would only warn and run the pages without it)."""
    import papermill as pm

    declared = {nb.stem: pm.inspect_notebook(str(nb)) for nb in pages}
    unknown = sorted(k for k in page_params if not any(k in d for d in declared.values()))
    if unknown:
        offered = sorted({k for d in declared.values() for k in d} - set(PAGE_PARAMETERS))
        raise ValueError(f"page parameter {unknown[0]!r} is declared by none of the pages run ({', '.join(declared)}); "
                         f"their own parameters are: {', '.join(offered) or 'none'}")
    return declared


def run_notebooks(profile: str, out: Path, *, overrides: dict | None = None, page_params: dict | None = None,
                  only: list[str] | None = None, source_dir: Path = NOTEBOOK_DIR) -> RunRecord:
    """Execute each notebook into ``out/notebooks`` with profile ``profile`` and its ``overrides``.

    The profile is validated first (an unknown or ill-typed key stops the run before any
    page). Each page receives ``profile``, ``overrides`` and ``out_dir`` when it declares
    them, and those ``page_params`` it declares; a page parameter no page declares is an
    error. A failing notebook does not stop the others; the returned record (also written
    as ``out/run.json``) lists each notebook's status, parameters and wall time.
    TensorFlow's native log lines are moved out of the executed notebooks into ``out/logs/``.
    """
    import papermill as pm

    from fer_lib.pipeline.profiles import load_profile

    overrides, page_params = overrides or {}, page_params or {}
    params = load_profile(profile, overrides)
    out = Path(out).resolve()
    pages = execution_order([nb for nb in notebooks(source_dir) if not only or any(key in nb.stem for key in only)])
    declared = _declared(pages, page_params)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    runs: dict[str, NotebookRun] = {}
    os.environ[PROFILE_NAME_ENV] = params["profile"]
    os.environ[PROFILE_ENV] = f"{params['profile']} (run folder {_relative(out)})"  # shown on every page
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for nb in pages:
        offered = {"profile": profile, "overrides": overrides, "out_dir": _relative(out)} | page_params
        given = {k: v for k, v in offered.items() if k in declared[nb.stem]}
        start = time.perf_counter()
        status = "ok"
        try:
            with kernel_stderr(out / "logs" / f"{nb.stem}.kernel.txt"):
                pm.execute_notebook(str(nb), str(out / "notebooks" / nb.name), parameters=given, kernel_name="python3", cwd=str(REPO_ROOT),
                                    progress_bar=False, extra_arguments=KERNEL_QUIET)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's traceback
            status = (f"failed: {type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''} "
                      f"(the kernel's own messages: {_relative(out / 'logs' / f'{nb.stem}.kernel.txt')})")
        if (out / "notebooks" / nb.name).exists():
            tidy_executed(out / "notebooks" / nb.name, out / "logs" / f"{nb.stem}.stderr.txt")
        runs[nb.stem] = NotebookRun(status=status, parameters=given, wall_s=round(time.perf_counter() - start, 1))
        print(f"{nb.stem}: {status} ({runs[nb.stem].wall_s} s)", flush=True)
    if only and (out / "run.json").exists():  # a partial rerun updates the run's record, keeping the other notebooks
        runs = read_record(RunRecord, out / "run.json").notebooks | runs
    record = RunRecord(params=params, environment=environment(), notebooks=runs)
    write_record(record, out / "run.json")
    return record


SCORECARD = "07_scorecard"


def run_seeds(profile: str, out: Path, seeds: list[int], *, overrides: dict | None = None, page_params: dict | None = None,
              only: list[str] | None = None, source_dir: Path = NOTEBOOK_DIR) -> RunRecord:
    """Run every notebook once per seed into ``out/seed-N``, then the scorecard over all seeds into ``out``.

    The returned record lists each seed's notebooks as ``seed-N/NAME`` and the
    scorecard, whose table then holds the mean and standard deviation over seeds.
    """
    out, overrides = Path(out), overrides or {}
    runs, dirs = {}, []
    for seed in seeds:
        run = run_notebooks(profile, out / f"seed-{seed}", overrides=overrides | {"seed": seed}, page_params=page_params, only=only, source_dir=source_dir)
        dirs.append(_relative(out / f"seed-{seed}"))
        runs |= {f"seed-{seed}/{k}": v for k, v in run.notebooks.items()}
    card = run_notebooks(profile, out, overrides=overrides, page_params={"seed_dirs": dirs}, only=[SCORECARD], source_dir=source_dir)
    record = RunRecord(params=card.params, environment=card.environment, notebooks=runs | card.notebooks, seeds=seeds)
    write_record(record, out / "run.json")
    return record


def tidy_executed(path: Path, log: Path) -> list[str]:
    """Prepare an executed notebook for the book: its parameter cells are removed from the
    page (the provenance box shows the parameters), papermill's paths become relative, and
    TensorFlow's native log lines and the loaders' data warnings move from its stderr outputs
    to ``log``. Returns the lines moved."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for key in ("input_path", "output_path"):  # papermill's record of where it ran: relative, like every path a reader meets
        if nb.metadata.get("papermill", {}).get(key):
            nb.metadata["papermill"][key] = _relative(Path(nb.metadata["papermill"][key]))
    moved = []
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = output["text"].splitlines(keepends=True)
                flags = _moved_lines(lines)
                moved += [line for line, m in zip(lines, flags) if m]
                output["text"] = "".join(line for line, m in zip(lines, flags) if not m)
                if not output["text"]:
                    continue
            kept.append(output)
        cell.outputs = kept
    nbformat.write(nb, path)
    if moved:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(moved))
    return moved


CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def checks_outputs(path: Path) -> bool:
    """Whether notebook ``path`` has a code cell whose output nbval-lax compares (marked ``# NBVAL_CHECK_OUTPUT``,
    or tagged ``nbval-check-output``).
    ``make test`` runs only these under nbval: the smoke book executes every page, and for a page
    without a checked output nbval would only run its cells a second time."""
    import nbformat

    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    return any(CHECK_MARK in c.source or "nbval-check-output" in c.metadata.get("tags", []) for c in cells)

def copy_checked_outputs(path: Path, executed: Path) -> int:
    """Store in source notebook ``path`` the checked cells' outputs from its executed copy
    ``executed`` (a run of the same notebook with its default parameters), matching cells
    by id. Refuses a run whose parameters differ from the notebook's defaults."""
    import ast

    import nbformat
    import papermill as pm

    nb, run = nbformat.read(path, as_version=4), nbformat.read(executed, as_version=4)
    defaults = {k: ast.literal_eval(v["default"]) for k, v in pm.inspect_notebook(str(path)).items() if k != "out_dir"}
    given = run.metadata.get("papermill", {}).get("parameters", {})  # what papermill gave the page
    differs = [k for k in defaults if k in given and given[k] != defaults[k]]
    if differs:
        raise ValueError(f"{executed} ran with parameters other than {path.name}'s defaults: {differs}")
    outputs = {c.id: c for c in run.cells if c.cell_type == "code"}
    copied = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_MARK in cell.source:
            cell.outputs, cell.execution_count = outputs[cell.id].outputs, outputs[cell.id].execution_count
            copied += 1
    nbformat.write(nb, path)
    return copied

def refresh_checked_outputs(path: Path) -> None:
    """Re-execute a source notebook with its default parameters and store only the
    outputs of cells marked ``# NBVAL_CHECK_OUTPUT`` (what nbval compares); all other
    outputs are cleared so the committed notebook stays small and reviewable."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(Path(path).parent)}}, timeout=1800).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if CHECK_MARK not in cell.source:  # nbval needs the checked cells' counts: keep them
            cell.execution_count = None
            cell.outputs = []
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
