"""What each method costs, summed up: its time against the fastest method of each row
(a geometric mean, missing cells counted as missing), and its measured cost ratio
against its own cost model (``methods.cost``), with the rows far off it."""

from __future__ import annotations

import math
import statistics

from diffcompare.report.tables import _columns, _row_key, column, fitted, noisy
from diffcompare.runner.result import Result


def _timed(r: Result) -> bool:
    return r.status == "ok" and bool(r.eval_s) and not noisy(r)


def relative(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    """Per method: the geometric mean over the rows of the timing table (a problem: case,
    operator, dtype) of its time ÷ the fastest method's there. Not GradBench's 1/Σtime,
    which the largest workload dominates; a problem where the method has no steady time
    is counted as missing, not as slow or fast."""
    problems: dict[tuple, dict[str, float]] = {}
    for r in rows:
        if _timed(r):
            problems.setdefault(_row_key(r), {})[column(r)] = r.eval_s
    if not problems:
        return ""
    body = []
    for name in _columns(rows):
        ratios = [t[name] / min(t.values()) for t in problems.values() if name in t]
        fastest = sum(1 for t in problems.values() if name in t and t[name] == min(t.values()))
        if not ratios:
            body.append([name, "—", 0, len(problems), 0])
            continue
        mean = math.exp(statistics.fmean(math.log(x) for x in ratios))
        body.append([name, f"×{mean:.3g}", len(ratios), len(problems) - len(ratios), fastest])
    body.sort(key=lambda b: (b[1] == "—", float(b[1][1:]) if b[1] != "—" else 0))
    headers = ["method", "time ÷ fastest (geo. mean)", "problems", "missing", "fastest"]
    return fitted(body, headers, fmt, width, keep=1)


def against_model(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    """Per method and operator with a cost model: the model, the median measured ratio
    and its range, and how many rows are off the model (over 4× it, or under a quarter of
    a count), with the first few of them."""
    groups: dict[tuple, list[Result]] = {}
    for r in rows:
        if r.cost_model and r.cost_ratio is not None and _timed(r):
            key = (column(r), r.operator, _formula(r.cost_model))
            groups.setdefault(key, []).append(r)
    body = []
    for (name, op, formula), group in sorted(groups.items()):
        ratios = [r.cost_ratio for r in group]
        off = [r for r in group if r.off_model]
        shown = ", ".join(f"{r.case} ({r.dtype}) ×{r.cost_ratio:.3g}" for r in off[:3])
        body.append(
            [
                name,
                op,
                formula,
                f"×{statistics.median(ratios):.3g}",
                f"×{min(ratios):.3g} – ×{max(ratios):.3g}",
                f"{len(off)} of {len(group)}",
                shown + (f" (+{len(off) - 3} more)" if len(off) > 3 else ""),
            ]
        )
    headers = ["method", "operator", "model", "median ratio", "range", "off model", "e.g."]
    return fitted(body, headers, fmt, width, keep=2) if body else ""


def _formula(shown: str) -> str:
    """The model's formula without its value at this n: '2n = 20' -> '2n'."""
    return shown.split(" = ")[0]
