"""The README's first-screen results table, written from a run folder's records.

``python -m fer_lib readme-table --run runs/reference`` prints it; the test suite checks
that the table in README.md is the one the committed reference run gives, so the
numbers on the project's front page are always the ones its records hold.
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.paper import PAPER
from fer_lib.pipeline import registry
from fer_lib.pipeline.records import read_training
from fer_lib.report.summary import claim_rows

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
SPEED_BEGIN, SPEED_END = "<!-- speed:begin -->", "<!-- speed:end -->"
COMMAND = "python -m fer_lib trainings --profile cpu --out runs/reference --only {only}"


def _duration(minutes: float) -> str:
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


def headline_rows(run_dir: str | Path) -> list[dict]:
    """The claims of the book's first page (:func:`fer_lib.report.summary.claim_rows`), with the
    command that trains or resumes what each needs."""
    return [{"claim": r.what, "paper": r.paper, "ours": r.ours, "verdict": f"**{r.verdict}**: {r.why}",
             "reproduce": f"`{COMMAND.format(only=' '.join(r.trainings))}`" if r.trainings else ""} for r in claim_rows(run_dir)]


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
    """How fast the reference run's trainings went, from their records, by CPU kind: the device
    their sessions ran on, training images per second (over the median epoch's training time, the
    first epoch left out), the median epoch, and the time of 100 epochs (measured where the
    training ran them, else the median epoch times 100) beside the paper's time for 100 epochs on
    its GPU. A training that ran on several devices gets a row for each, its images/s over that
    device's epochs (each session's first left out) and 100 epochs at that pace."""
    from fer_lib.report.scorecard import device, minutes_for_100, minutes_per_epoch, ran_the_paper_epochs
    from fer_lib.report.words import device as device_words

    run_dir, rows = Path(run_dir), []
    names = [n for base in SPEED_TRAININGS for n in [base] + sorted(_runs_of(run_dir, base), key=lambda n: registry.base_and_run(n)[1])]
    for name in names:
        t = read_training(run_dir, name)
        if t is None or not t.history:
            continue
        paper_key = SPEED_TRAININGS[registry.base_and_run(name)[0]]
        paper = f"{PAPER[paper_key]} min" if paper_key else "not reported"
        by_device = t.speed_by_device()
        if len(by_device) > 1:
            for label, (speed, epochs, epoch_s) in by_device.items():
                rows.append({"training": name, "device": device_words(label), "images/s": f"{speed:.0f}" if speed else "",
                             "median epoch": f"{epoch_s / 60:.1f} min" if epoch_s else "",
                             "epochs run": f"{epochs} here, {t.training.epochs_run}/{t.config['epochs']} in all",
                             "100 epochs": f"{_duration(epoch_s * 100 / 60)} at that pace" if epoch_s else "",
                             "paper, 100 epochs (K80 GPU)": paper})
            continue
        epoch_min = minutes_per_epoch(t)
        speed = t.images_per_s  # the first epoch (tracing) left out
        rows.append({"training": name, "device": device(t), "images/s": f"{speed:.0f}" if speed else "",
                     "median epoch": f"{epoch_min:.1f} min", "epochs run": f"{t.training.epochs_run}/{t.config['epochs']}",
                     "100 epochs": _duration(minutes_for_100(t)) + ("" if ran_the_paper_epochs(t) else " at that pace"),
                     "paper, 100 epochs (K80 GPU)": paper})
    return rows


def _runs_of(run_dir: Path, base: str) -> list[str]:
    """The repeated runs (``base@N``) of training ``base`` that ``run_dir`` holds."""
    return [p.name for p in (run_dir / "training").glob(f"{base}{registry.RUN_MARK}*") if registry.base_and_run(p.name)[0] == base]


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
