"""Typed prose states no speed and no training progress: those come from the records, in
generated tables and sentences, and would go stale in a file a person writes."""

import re

import jupytext

from fer_lib.report.readme import BEGIN, END, SPEED_BEGIN, SPEED_END
from fer_lib.settings import NOTEBOOK_DIR, REPO_ROOT

STALE = re.compile(r"\d[\d,.]*\s*(images/s|min(?:utes)? (?:an|per|a) epoch|s (?:an|per) epoch|h(?:ours)? (?:an|per) epoch)"
                   r"|\b\d+ of \d+ (?:planned )?epochs\b|\b\d+/\d+ epochs\b", re.I)


def _prose() -> dict[str, str]:
    texts = {str(p.relative_to(REPO_ROOT)): p.read_text() for p in sorted((REPO_ROOT / "book").glob("*.md"))}
    readme = (REPO_ROOT / "README.md").read_text()
    for begin, end in ((BEGIN, END), (SPEED_BEGIN, SPEED_END)):  # the generated tables
        readme = readme.split(begin)[0] + readme.split(end, 1)[1]
    texts["README.md"] = readme
    for page in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.md")):
        texts[page.name] = "\n".join(c.source for c in jupytext.read(page).cells if c.cell_type == "markdown")
    return texts


def find_stale(text: str) -> list[str]:
    return [m.group(0) for m in STALE.finditer(text)]


def test_no_prose_file_types_a_speed_or_a_trainings_progress():
    found = {name: hits for name, text in _prose().items() if (hits := find_stale(text))}
    assert not found, f"speeds or epochs typed into prose (generate them from the records): {found}"


def test_the_check_catches_what_it_looks_for():
    assert find_stale("a FERGIT epoch takes about 6 minutes per epoch at 150 images/s; 10 of 100 epochs ran") == [
        "6 minutes per epoch", "150 images/s", "10 of 100 epochs"]
