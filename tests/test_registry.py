"""One registry of trainings: no module or page spells a training's name but the registry."""

import ast
import re

import jupytext

from fer_lib.pipeline import profiles, registry, trainings
from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT

NAMES = re.compile(r"ckplus-(fold|random)|residual-(unweighted|holdout)|-official\b|subject-fold-")
LOOKUPS = {"run", "shown", "spec", "split_for", "network", "read_training", "training", "not_run_markdown", "_acc", "_test", "_training", "_held",
           "_ckplus", "_ablation"}  # functions that take a training's name


def _docstrings(tree) -> set[int]:
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    return {id(n.body[0].value) for n in nodes if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}


def literals(source: str) -> list[str]:
    """Training-name literals in Python ``source``: a string that spells one, or a training lookup given a bare name."""
    tree = ast.parse(source)
    skip, found = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip and NAMES.search(node.value):
            found.append(node.value)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in LOOKUPS:
            found += [a.value for a in node.args if isinstance(a, ast.Constant) and a.value in ("residual", "basic")]
    return found


def _sources():
    for path in sorted((REPO_ROOT / "fer_lib").rglob("*.py")):
        if path.name != "registry.py":
            yield path.relative_to(REPO_ROOT), path.read_text()
    for path in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.md")):
        code = "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "code")
        yield path.relative_to(REPO_ROOT), code


def test_no_training_name_is_spelled_outside_the_registry():
    found = {str(path): hits for path, src in _sources() if (hits := literals(src))}
    assert not found, f"training names spelled outside fer_lib/pipeline/registry.py: {found}"


def test_the_check_sees_a_name_spelled_out():
    assert literals('trainings.run("basic", p, out)\nx = f"ckplus-fold{k}"\n') == ["basic", "ckplus-fold"]
    assert literals('trainings.run(registry.BASIC, p, out)\nbuild_model("basic")\n') == []


def test_plan_names_come_from_the_registry_and_the_fold_count_from_the_profile():
    cpu, smoke = profiles.load_profile("cpu"), profiles.load_profile("smoke")
    names = [s.name for s in trainings.plan(cpu)]
    assert [e.name for e in registry.ck_folds(cpu["n_folds"])] == [n for n in names if registry.is_fold(n)]
    assert sum(registry.is_fold(s.name) for s in trainings.plan(smoke)) == smoke["n_folds"] == 3
    assert registry.fold_of(registry.fold_split(7)) == 7 and registry.fold_of("random") is None
    assert {s.page for s in trainings.plan(cpu)} <= {p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.md")}


def test_pipeline_never_imports_report():
    for path in sorted((REPO_ROOT / "fer_lib" / "pipeline").glob("*.py")):
        imports = [n.module for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom) and n.module]
        assert not [m for m in imports if m.startswith("fer_lib.report")], f"{path.name} imports fer_lib.report"


def test_every_planned_training_has_a_registry_entry_with_its_page():
    for s in trainings.plan(profiles.load_profile("cpu")) + trainings.plan(profiles.load_profile("paper")):
        e = registry.entry(s.name)
        assert (e.name, e.page, e.title) == (s.name, s.page, s.title)
