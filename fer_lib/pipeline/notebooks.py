"""Run the parameterised notebooks with papermill into a run folder, and keep the outputs nbval checks."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from fer_lib.pipeline.profiles import merge
from fer_lib.pipeline.provenance import environment
from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT

PROFILE_ENV = "FER_RUN_PROFILE"  # the runner names the profile here; every page's provenance box shows it

def notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The replication notebooks, in reading order (by file name)."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))

def run_notebooks(params: dict, out: Path, only: list[str] | None = None, source_dir: Path = NOTEBOOK_DIR) -> dict:
    """Execute each notebook into ``out/notebooks`` with the parameters it declares.

    ``params["notebook_params"]`` may map a notebook's name (``03_basic_cnn``) to
    parameters merged over the others for that notebook only (say, its own epoch cap).
    A failing notebook does not stop the others; the returned record (also written
    as ``out/run.json``) lists each notebook's status and wall time.
    """
    import papermill as pm

    out = Path(out).resolve()
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    record = {"params": params, "environment": environment(), "notebooks": {}}
    os.environ[PROFILE_ENV] = f"{params.get('profile', 'custom')} (run folder {out.name})"  # shown on every page
    for nb in notebooks(source_dir):
        if only and not any(key in nb.stem for key in only):
            continue
        declared = pm.inspect_notebook(str(nb))
        own = merge(params, (params.get("notebook_params") or {}).get(nb.stem, {}))
        given = {k: v for k, v in own.items() if k in declared} | ({"out_dir": str(out)} if "out_dir" in declared else {})
        start = time.perf_counter()
        status = "ok"
        try:
            pm.execute_notebook(str(nb), str(out / "notebooks" / nb.name), parameters=given, kernel_name="python3", cwd=str(REPO_ROOT), progress_bar=False)
            _fold_parameter_cells(out / "notebooks" / nb.name)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's traceback
            status = f"failed: {type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        record["notebooks"][nb.stem] = {"status": status, "parameters": given, "wall_s": round(time.perf_counter() - start, 1)}
        print(f"{nb.stem}: {status} ({record['notebooks'][nb.stem]['wall_s']} s)", flush=True)
    if only and (out / "run.json").exists():  # a partial rerun updates the run's record, keeping the other notebooks
        previous = json.loads((out / "run.json").read_text())
        record["notebooks"] = previous.get("notebooks", {}) | record["notebooks"]
    (out / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    return record

SCORECARD = "07_scorecard"

def run_seeds(params: dict, out: Path, seeds: list[int], only: list[str] | None = None, source_dir: Path = NOTEBOOK_DIR) -> dict:
    """Run every notebook once per seed into ``out/seed-N``, then the scorecard over all seeds into ``out``.

    The returned record lists each seed's notebooks as ``seed-N/NAME`` and the
    scorecard, whose table then holds the mean and standard deviation over seeds.
    """
    out = Path(out)
    record = {"params": params, "seeds": seeds, "notebooks": {}}
    dirs = []
    for seed in seeds:
        run = run_notebooks(params | {"seed": seed}, out / f"seed-{seed}", only=only, source_dir=source_dir)
        dirs.append(str((out / f"seed-{seed}").resolve()))
        record["notebooks"] |= {f"seed-{seed}/{k}": v for k, v in run["notebooks"].items()}
    card = run_notebooks(params | {"seed_dirs": dirs}, out, only=[SCORECARD], source_dir=source_dir)
    record["notebooks"] |= card["notebooks"]
    record["environment"] = card["environment"]
    (out / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    return record

def _fold_parameter_cells(path: Path) -> None:
    """Tag the default and injected parameter cells ``hide-cell`` so the book folds them."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "hide-cell" not in tags:
            tags.append("hide-cell")
    nbformat.write(nb, path)

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"

def copy_checked_outputs(path: Path, executed: Path) -> int:
    """Store in source notebook ``path`` the checked cells' outputs from its executed copy
    ``executed`` (a run of the same notebook with its default parameters), matching cells
    by id. Refuses a run whose parameters differ from the notebook's defaults."""
    import nbformat
    import papermill as pm

    nb, run = nbformat.read(path, as_version=4), nbformat.read(executed, as_version=4)
    defaults = {k: v["default"] for k, v in pm.inspect_notebook(str(path)).items() if k != "out_dir"}
    injected = next((c.source for c in run.cells if "injected-parameters" in c.metadata.get("tags", [])), "")
    scope = _assignments(injected)
    differs = [k for k in defaults if k in scope and scope[k] != _literal(defaults[k])]
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

def _assignments(source: str) -> dict:
    """``name = literal`` lines of a parameters cell, as a dict (other statements ignored)."""
    import ast

    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out

def _literal(text: str):
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text

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
