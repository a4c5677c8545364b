"""The README's first screen shows the reference run's numbers, as its records hold them."""

from fer_lib.report.readme import headline_table, readme_section, speed_section, speed_table
from fer_lib.settings import REPO_ROOT


def test_the_readme_results_table_is_the_reference_runs():
    readme = (REPO_ROOT / "README.md").read_text()
    expected = headline_table(REPO_ROOT / "runs" / "reference")
    assert readme_section(readme) == expected, (
        "README.md's results table differs from runs/reference: regenerate it with "
        "`python -m fer_lib readme-table --run runs/reference`\n" + expected)


def test_the_readme_speed_table_is_the_reference_runs():
    readme = (REPO_ROOT / "README.md").read_text()
    expected = speed_table(REPO_ROOT / "runs" / "reference")
    assert speed_section(readme) == expected, (
        "README.md's speed table differs from runs/reference: regenerate it with "
        "`python -m fer_lib readme-table --speed --run runs/reference`\n" + expected)
