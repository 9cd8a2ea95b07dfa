"""summary.md: the run's tables, in the order a reader needs them."""

from __future__ import annotations

from diffcompare.report import cost, tables, taylor
from diffcompare.report.tables import (
    FINDINGS,
    accuracy,
    break_even,
    findings,
    kinks,
    reasons,
    timing,
    wrapped,
)
from diffcompare.runner.result import Results
from diffcompare.runner.timing import NOISY


def summary(results: Results, width: int | None = None) -> str:
    """summary.md; with width (the terminal's), its wide tables wrapped to it."""
    rows = list(results.rows)
    env = results.environment
    parts = [
        "# diffcompare summary",
        "",
        f"{len(rows)} rows · python {env.get('python')} · numpy {env.get('numpy')} · "
        f"sympy {env.get('sympy')} · torch {env.get('torch')} · {env.get('cpu')} · "
        f"gpu {env.get('gpu') or 'none'} · {env.get('timestamp')}",
        "",
        f"## Accuracy: correct digits against the oracle (17 = exact; {tables.KEY})",
        "",
        accuracy(rows, width=width),
        "",
        "## Timing: median per derivative call, × cost ratio (derivative / primal); "
        f"! = far off the method's cost model; ~ = noisy (IQR over {NOISY:.0%} of the median)",
        "",
        timing(rows, width=width),
    ]
    mean = cost.relative(rows, width=width)
    if mean:
        parts += ["", "## Each method's time against the fastest, over the problems", "", mean]
    model = cost.against_model(rows, width=width)
    if model:
        parts += ["", "## Measured cost against each method's cost model", "", model]
    checked = taylor.verdicts(rows, width=width)
    if checked:
        parts += [
            "",
            "## The Taylor test (no oracle: slope 2 = a right gradient) beside the oracle",
            "",
            checked,
        ]
        differ = taylor.disagreements(rows, width=width)
        if differ:
            parts += ["", "Where the two verdicts differ:", "", differ]
    paid = break_even(rows, width=width)
    if paid:
        parts += [
            "",
            "## Deriving once: calls after which the symbolic derivative has paid for itself",
            "",
            paid,
        ]
    found = findings(rows, width=width)
    if any(needle in r.message for r in rows for needle, _ in FINDINGS):
        parts += ["", "## Findings about the cases themselves", "", found]
    k = kinks(rows)
    if k:
        parts += ["", "## Values at kinks: every value in the subdifferential is right", "", k]
    why = reasons(rows, width=width)
    if why:
        parts += ["", "## Rows that are not ok, or miss their tolerance, and why", "", why]
    if results.cases:
        body = [[name, doc] for name, doc in sorted(results.cases.items())]
        parts += [
            "",
            "## The cases",
            "",
            wrapped(body, ["case", "about"], width=width),
        ]
    return "\n".join(parts) + "\n"
