"""What the terminal prints after a run: a verdict per method, then the rows that failed
or could not be scored, case by case with each reason once, in one screen. The full
tables are summary.md's (``run --full`` prints them)."""

from __future__ import annotations

import statistics
import textwrap

from diffcompare.report.tables import column, seconds, table
from diffcompare.runner.result import Result, Results

WIDTH = 100  # columns at most, whatever the terminal
CASE_LINES = 30  # cases listed with their failures; the rest are counted
LINES = 40  # lines of failures at most (a case's reasons wrap to LINES_PER_CASE)
LINES_PER_CASE = 3


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def methods(rows: list[Result], fmt: str = "github") -> str:
    """One line per method column: rows passed of those scored, median digits, median
    cost ratio and time per call over its ok rows, and how many rows are not ok."""
    body = []
    for name in dict.fromkeys(column(r) for r in rows):
        mine = [r for r in rows if column(r) == name]
        scored = [r for r in mine if r.passed is not None]
        ok = [r for r in mine if r.status == "ok"]
        digits, ratio = _median(r.digits for r in scored), _median(r.cost_ratio for r in ok)
        body.append(
            [
                name,
                f"{sum(r.passed for r in scored)} / {len(scored)}",
                "—" if digits is None else f"{digits:.1f}",
                "—" if ratio is None else f"×{ratio:.3g}",
                seconds(_median(r.eval_s for r in ok)),
                str(len(mine) - len(ok)) if len(ok) < len(mine) else "",
            ]
        )
    head = ["method", "passed / scored", "median digits", "median cost", "median time", "not ok"]
    return table(body, head, fmt)


def _failed(r: Result) -> bool:
    return r.status != "ok" or r.passed is False


def failures(rows: list[Result], width: int = WIDTH, limit: int = CASE_LINES) -> list[str]:
    """One line per case with rows that failed or were not scored: each reason once,
    after the methods it holds for; cut at width, and at limit cases."""
    by_case: dict[str, dict[str, list[str]]] = {}
    for r in rows:
        if _failed(r):
            why = r.message.split("; ")[0]
            if r.status == "ok":
                reason = "✗ beyond tolerance"
            else:
                reason = f"{r.status} ({why})" if why else r.status
            by_case.setdefault(r.case, {}).setdefault(reason, [])
            methods = by_case[r.case][reason]
            if (column(r), r.dtype) not in methods:
                methods.append((column(r), r.dtype))
    lines, shown = [], 0
    for case, reasons in list(by_case.items())[:limit]:
        said = "; ".join(f"{', '.join(_named(m, reasons))}: {why}" for why, m in reasons.items())
        # wrapped, not cut: a cut fell in a method's name or a status
        wrapped = textwrap.wrap(
            " ".join(f"{case}: {said}".split()),
            width,
            subsequent_indent="    ",
            max_lines=LINES_PER_CASE,
            placeholder=" … (summary.md)",
            break_on_hyphens=False,
        )
        if len(lines) + len(wrapped) > LINES:
            break
        lines += wrapped
        shown += 1
    if len(by_case) > shown:
        lines.append(f"… and {len(by_case) - shown} more cases (summary.md has every row)")
    return lines


def _named(methods: list[tuple[str, str]], reasons: dict) -> list[str]:
    """Each method once: with its dtype where its dtypes differ in reason, or where only
    some of its dtypes are listed."""
    seen = [m for ms in reasons.values() for m in ms]
    out = []
    for name, dtype in methods:
        dtypes = {d for n, d in seen if n == name}
        mine = [d for n, d in methods if n == name]
        if len(dtypes) > 1 and len(mine) < len(dtypes):
            out.append(f"{name} ({dtype})")
        elif name not in out:
            out.append(name)
    return out


def brief(results: Results, width: int = WIDTH, fmt: str = "github", quiet: bool = False) -> str:
    """The terminal's summary: the verdict per method and, unless quiet, the failures."""
    rows = list(results.rows)
    width = min(width, WIDTH)
    cases = len({r.case for r in rows})
    head = f"{len(rows)} rows, {cases} cases · passed: within the method's tolerance of the oracle"
    legend = "cost: a derivative's time over f's · not ok: error, timeout, nan or unsupported rows"
    parts = [head[:width], "", methods(rows, fmt), legend[:width]]
    lines = [] if quiet else failures(rows, width)
    if lines:
        parts += ["", "Not ok, or beyond tolerance (case: methods: status (reason)):", *lines]
    return "\n".join(parts)
