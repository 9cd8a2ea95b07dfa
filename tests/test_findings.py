"""What a run finds about the cases themselves (a wrong reference=, oracles that disagree,
a branch within rounding) is said in the terminal summary and the HTML report."""

import pytest

from diffcompare.report import html, tables
from diffcompare.report.summary import summary
from diffcompare.runner.result import Result, Results

WRONG = (
    "the case's reference= disagrees with SymPy's derivative of the function (max relative "
    "difference 0.43); scored against SymPy's"
)
BRANCH = (
    "a comparison lies within rounding of its threshold: the oracle follows the "
    "floating-point branch (> is False in the run's dtype, True at 50 digits)"
)


def row(case, method, message):
    return Result(case, "gradient", method, "numeric", "cpu", "float64", 2, "ok", message)


RESULTS = Results(
    {"python": "3"},
    (
        row("mine", "fd-central", WRONG),
        row("mine", "torch", WRONG),
        row("steps", "torch", BRANCH),
        row("fine", "torch", ""),
    ),
)


@pytest.mark.parametrize("render", [summary, lambda r: html.page(r, [], {})])
def test_findings_are_shown_once_per_case(render):
    text = render(RESULTS)
    assert "Findings about the cases themselves" in text
    assert (
        text.count("the case&#x27;s own reference= is wrong")
        + text.count("the case's own reference= is wrong")
        == 1
    )
    assert "a branch lies within rounding of its threshold" in text
    assert "fine" not in tables.findings(list(RESULTS.rows))


def test_no_findings_no_section():
    clean = Results({"python": "3"}, (row("fine", "torch", ""),))
    assert "Findings" not in summary(clean)
