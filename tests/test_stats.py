import pytest

from fer_lib.report.stats import accuracy_interval, interval_text, wilson_interval


def test_wilson_interval_matches_the_formula():
    lo, hi = wilson_interval(50, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.4038, 0.5962)  # Wilson 1927, z = 1.96
    lo, hi = wilson_interval(0, 20)
    assert lo == 0 and round(hi, 4) == 0.1611  # unlike the normal approximation, never below 0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(5, 3)


def test_an_accuracy_reads_with_its_interval():
    assert accuracy_interval(0.5936, 2478) == wilson_interval(1471, 2478)
    assert interval_text(0.5936, 2478) == "59.4% (95% CI 57.4-61.3%)"
