"""The README's first-screen results table, written from a run folder's records.

``python -m fer_lib readme-table --run runs/reference`` prints it; the test suite checks
that the table in README.md is the one the committed reference run gives, so the
numbers on the project's front page are always the ones its records hold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fer_lib.model.networks import build_model, parameter_counts
from fer_lib.paper import PAPER, PAPER_PARAMS
from fer_lib.pipeline import registry
from fer_lib.pipeline.records import read_folds, read_page, read_training
from fer_lib.report.stats import interval_text

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
SPEED_BEGIN, SPEED_END = "<!-- speed:begin -->", "<!-- speed:end -->"
COMMAND = "python -m fer_lib trainings --profile cpu --out runs/reference --only {only}"


def _acc(run_dir: Path, name: str) -> tuple[str, str]:
    t = read_training(run_dir, name)
    if t is None or t.test is None:
        return "not run", ""
    state = "" if t.finished else ", interim"
    minutes = (t.training.train_wall_s or 0) / 60
    return interval_text(t.test.accuracy, t.test.n), (f"{t.training.epochs_run}/{t.config['epochs']} epochs{state}, {_duration(minutes)} of training, "
                                      f"{t.config['precision']}, seed {t.config['seed']}")


def _duration(minutes: float) -> str:
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


def headline_rows(run_dir: str | Path) -> list[dict]:
    """The paper's headline numbers beside ours, with the protocol and the commands that reproduce each."""
    run_dir = Path(run_dir)
    rows = []

    def row(what, paper, ours, protocol, only):
        protocol = protocol.strip().removesuffix(";")  # a training not run has no budget to give
        rows.append({"what": what, "paper": paper, "ours": ours, "protocol": protocol, "reproduce": f"`{COMMAND.format(only=only)}`"})

    R, B, CK = registry.RESIDUAL.name, registry.BASIC.name, registry.CK_RANDOM.name
    ours, how = _acc(run_dir, R)
    row("Residual CNN, FERGIT test accuracy", f"{PAPER['residual_test_accuracy']:.0%}", ours, f"random 90/5/5 split; {how}", R)
    ours, how = _acc(run_dir, B)
    row("Basic CNN, FERGIT test accuracy", f"{PAPER['basic_test_accuracy']:.0%}", ours, f"same split and seed; {how}", B)
    res, basic = read_training(run_dir, R), read_training(run_dir, B)
    gain = f"{(res.test.accuracy - basic.test.accuracy) * 100:+.1f} pp" if res and basic and res.test and basic.test else "not run"
    budget = (f"{res.training.epochs_run} and {basic.training.epochs_run} epochs" if res and basic else "")
    row("Residual minus basic, FERGIT test accuracy", f"{PAPER['residual_gain'] * 100:+.0f} pp", gain, budget, f"{R} {B}")
    ours, how = _acc(run_dir, CK)
    row("Residual CNN, CK+ test accuracy", f"{PAPER['ckplus_test_accuracy']:.0%}", ours, f"random 90/5/5 split of frames (the paper does not state its CK+ split); {how}", CK)
    folds = [t for t in read_folds(run_dir) if t.test is not None]
    acc = np.array([t.test.accuracy for t in folds])
    folds_text = f"{acc.mean():.1%} ± {acc.std(ddof=1):.1%}" if len(acc) > 1 else (f"{acc[0]:.1%}" if len(acc) else "not run")
    row("Residual CNN, CK+ subject-independent folds", "not reported", folds_text, f"{len(folds)} folds, no person on both sides", " ".join(t.name for t in folds) or registry.ck_fold(0).name)
    fer_official = registry.official("fer2013").name
    ours, how = _acc(run_dir, fer_official)
    row("Residual CNN, FER-2013 PrivateTest", "not reported", ours, f"official split; {how}", fer_official)
    counted = parameter_counts(build_model("residual"))["total"]
    row("Residual CNN parameters", f"{PAPER_PARAMS['residual']['total']:,}", f"{counted:,}", "Table 1 rebuilt from the model", R)
    page = read_page(run_dir, "06_posed_images")
    posed = f"{page.value('n_right')} of {page.value('n_photos')}" if page and page.values.get("n_right") is not None else "not run"
    held = f"; {page.values['n_right_heldout']} with the person held out" if page and page.values.get("n_right_heldout") else ""
    row("Posed photos labelled right", "most; disgust taken for neutral", posed + held, "four muxspace photos of one person", f"{R} {registry.HOLDOUT.name}")
    return rows


def _markdown(rows: list[dict]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def headline_table(run_dir: str | Path) -> str:
    """The rows as a Markdown table."""
    return _markdown(headline_rows(run_dir))


SPEED_TRAININGS = {registry.RESIDUAL.name: "residual_run_time_min", registry.BASIC.name: "basic_run_time_min", registry.UNWEIGHTED.name: None,
                   registry.CK_RANDOM.name: "ckplus_run_time_min"}


def speed_rows(run_dir: str | Path) -> list[dict]:
    """How fast the reference run's trainings went, from their records: training images per
    second (the median over epochs after the first), the median epoch, and 100 epochs at that
    pace beside the paper's time for 100 epochs on its GPU."""
    run_dir, rows = Path(run_dir), []
    for name, paper_key in SPEED_TRAININGS.items():
        t = read_training(run_dir, name)
        if t is None or not t.history:
            continue
        epoch_min = float(np.median([r["epoch_time_s"] for r in t.history])) / 60
        rows.append({"training": name, "device": str(t.environment.get("device")), "images/s": f"{t.training.train_images_per_s:.0f}",
                     "median epoch": f"{epoch_min:.1f} min", "epochs run": f"{t.training.epochs_run}/{t.config['epochs']}",
                     "100 epochs at that pace": _duration(100 * epoch_min),
                     "paper, 100 epochs (K80 GPU)": f"{PAPER[paper_key]} min" if paper_key else "not reported"})
    return rows


def speed_table(run_dir: str | Path) -> str:
    """:func:`speed_rows` as a Markdown table."""
    rows = speed_rows(run_dir)
    return _markdown(rows) if rows else "No training of this run has a history yet."


def _between(readme: str, begin: str, end: str) -> str:
    if begin not in readme or end not in readme:
        raise ValueError(f"README.md has no {begin} ... {end} section")
    return readme.split(begin, 1)[1].split(end, 1)[0].strip()


def readme_section(readme: str) -> str:
    """The table between the README's result markers."""
    return _between(readme, BEGIN, END)


def speed_section(readme: str) -> str:
    """The table between the README's speed markers."""
    return _between(readme, SPEED_BEGIN, SPEED_END)


def write_readme(readme_path: str | Path, run_dir: str | Path) -> None:
    """Rewrite the results and speed tables of ``readme_path`` from ``run_dir``'s records."""
    path = Path(readme_path)
    text = path.read_text()
    for begin, end, table in ((BEGIN, END, headline_table(run_dir)), (SPEED_BEGIN, SPEED_END, speed_table(run_dir))):
        _between(text, begin, end)  # both markers are there
        head, rest = text.split(begin, 1)
        text = f"{head}{begin}\n{table}\n{end}{rest.split(end, 1)[1]}"
    path.write_text(text)
