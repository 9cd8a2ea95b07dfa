"""Summary tables (tabulate): accuracy and timing, case x method; values at kinks; reasons."""

from __future__ import annotations

from collections.abc import Iterable

from tabulate import tabulate

from diffcompare.form.operator import OPERATORS
from diffcompare.runner.result import Result
from diffcompare.runner.timing import NOISY

SHORT = {"unsupported": "unsup", "error": "error", "nan": "nan", "timeout": "timeout"}


def clipped(message: str, width: int) -> str:
    """A row's note for a markdown table that wraps it at width: one cell (see
    ``cell``), four lines at most, then "…"."""
    message = cell(message)
    limit = 4 * width
    return message if len(message) <= limit else message[: limit - 1] + "…"


def cell(text, fmt: str = "github"):
    """Text kept to its cell: line breaks flattened, and in a markdown table a '|'
    escaped. A case's name and an exception's message may hold either."""
    if not isinstance(text, str):
        return text
    text = " ".join(text.splitlines())
    return text.replace("|", "\\|") if fmt in ("github", "pipe") else text


def table(body, headers, fmt: str = "github", **options) -> str:
    """tabulate, each cell kept to its cell, numbers left as they were formatted."""
    return tabulate(
        [[cell(v, fmt) for v in row] for row in body],
        [cell(h, fmt) for h in headers],
        tablefmt=fmt,
        disable_numparse=True,
        **options,
    )


def column(r: Result) -> str:
    return r.method if r.device == "cpu" else f"{r.method}@{r.device}"


def _row_key(r: Result):
    op = OPERATORS.index(r.operator) if r.operator in OPERATORS else -1
    return (r.case, op, r.dtype != "float64", r.dtype)


def _columns(rows: Iterable[Result]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(column(r))
    return list(seen)


def seconds(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _pivot(rows: list[Result], shown) -> tuple[list[str], list[list[str]]]:
    cols = _columns(rows)
    grid: dict[tuple, dict[str, str]] = {}
    for r in sorted(rows, key=_row_key):
        grid.setdefault(_row_key(r), {"_label": [r.case, r.operator, r.dtype]})[column(r)] = shown(
            r
        )
    body = [g["_label"] + [g.get(c, "") for c in cols] for g in grid.values()]
    return ["case", "operator", "dtype", *cols], body


MARKS = {"fail": " ✗", "cannot tell": " ?", "pass, scaled": " ≈"}
MEANINGS = {
    "✓": "within the method's tolerance",
    "✗": "beyond the method's tolerance",
    "?": "the reference cannot tell (its own error is not below the tolerance)",
    "≈": "passed on the size of the terms summed, under one digit right",
}
KEY = "; ".join(f"{m} = {MEANINGS[m]}" for m in ("✗", "?", "≈"))


def mark(r: Result) -> str:
    """The verdict's mark beside a row's digits ('' for a plain pass)."""
    if r.verdict:
        return MARKS.get(r.verdict, "")
    return " ✗" if r.passed is False else ""  # a results file from before verdicts


def digits(r: Result) -> str:
    """A row's digits as the tables print them, with the verdict's mark (KEY)."""
    if r.status != "ok":
        return SHORT.get(r.status, r.status)
    if r.digits is None:
        return "—"
    return f"{r.digits:.1f}" + mark(r)


def noisy(r: Result) -> bool:
    """Its repeats spread too widely to compare its time with another's (the row says;
    a results file from before rows said is judged from its IQR)."""
    if r.noisy is not None:
        return r.noisy
    return bool(r.eval_s and r.eval_iqr_s is not None and r.eval_iqr_s > NOISY * r.eval_s)


def _time(r: Result) -> str:
    if r.status != "ok" or r.eval_s is None:
        return SHORT.get(r.status, r.status)
    ratio = f" ×{r.cost_ratio:.3g}" if r.cost_ratio is not None else ""
    off = " !" if r.off_model else ""  # over 4x its cost model, or under a quarter
    return seconds(r.eval_s) + ratio + off + (" ~" if noisy(r) else "")


def _value(r: Result) -> str:
    if r.status != "ok":
        return SHORT.get(r.status, r.status)
    return f"{r.value:.6g}" if isinstance(r.value, float) else str(r.value)


def accuracy(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    headers, body = _pivot(rows, digits)
    return fitted(body, headers, fmt, width)


def timing(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    headers, body = _pivot(rows, _time)
    return fitted(body, headers, fmt, width)


def fitted(body, headers, fmt: str = "github", width: int | None = None, keep: int = 3) -> str:
    """The table, or, wider than width, the same rows in several tables one under another:
    each repeats the first ``keep`` columns (case, operator, dtype) and takes as many of
    the method columns as fit, in order."""
    whole = table(body, headers, fmt)
    if width is None or _widest(whole) <= width:
        return whole

    def part(start: int, stop: int) -> str:
        cols = [*range(keep), *range(start, stop)]
        return table([[r[i] for i in cols] for r in body], [headers[i] for i in cols], fmt)

    parts, start = [], keep
    while start < len(headers):
        stop = start + 1  # one method column at least, whatever the width
        while stop < len(headers) and _widest(part(start, stop + 1)) <= width:
            stop += 1
        parts.append(part(start, stop))
        start = stop
    return "\n\n".join(parts)


def wrapped(body, headers, fmt: str = "github", width: int | None = None) -> str:
    """The table, or, wider than width, its last column's text wrapped within its cell
    (for a terminal: a markdown reader takes each line for a row of its own)."""
    whole = table(body, headers, fmt)
    if width is None or not body or _widest(whole) <= width:
        return whole
    others = _widest(table([r[:-1] for r in body], headers[:-1], fmt))
    room = max(12, width - others - 3)
    return table(body, headers, fmt, maxcolwidths=[None] * (len(headers) - 1) + [room])


def _widest(text: str) -> int:
    return max(map(len, text.splitlines()), default=0)


def break_even(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    """For each symbolic row: its one-off preparation, its call, the fastest other
    method's call on the same problem, and N* = prepare ÷ (t_other − t_symbolic), the
    number of evaluations after which deriving once has paid ('never' where the derived
    code is no faster per call)."""
    timed = [r for r in rows if r.status == "ok" and r.eval_s]
    fastest: dict[tuple, Result] = {}  # the fastest non-symbolic row of each problem
    for o in timed:
        key = (o.case, o.operator, o.dtype, o.device)
        if o.family != "symbolic" and (key not in fastest or o.eval_s < fastest[key].eval_s):
            fastest[key] = o
    body = []
    for r in sorted(timed, key=_row_key):
        best = fastest.get((r.case, r.operator, r.dtype, r.device))
        if r.family != "symbolic" or r.prepare_s is None or best is None:
            continue
        gain = best.eval_s - r.eval_s
        n = f"{r.prepare_s / gain:,.0f}" if gain > 0 else "never"
        body.append(
            [
                r.case,
                r.operator,
                r.dtype,
                column(r),
                seconds(r.prepare_s),
                seconds(r.first_call_s),
                seconds(r.eval_s),
                column(best),
                seconds(best.eval_s),
                n,
            ]
        )
    headers = [
        "case",
        "operator",
        "dtype",
        "method",
        "prepare",
        "first call",
        "per call",
        "fastest other",
        "its call",
        "break-even N*",
    ]
    return fitted(body, headers, fmt, width, keep=4) if body else ""


def kinks(rows: list[Result], fmt: str = "github") -> str:
    at_kink = [r for r in rows if r.reference == "subdifferential"]
    if not at_kink:
        return ""
    headers, body = _pivot(at_kink, _value)
    return table(body, headers, fmt)


def reasons(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    seen: dict[tuple, list[str]] = {}
    for r in sorted(rows, key=lambda r: (r.status, column(r), r.message, r.case)):
        if r.status != "ok" or (r.passed is False):
            key = (column(r), r.status if r.status != "ok" else "ok ✗", r.message)
            seen.setdefault(key, []).append(r.case)
    body = []
    for (method, status, message), cases in seen.items():
        names = sorted(set(cases))
        shown = ", ".join(names[:4]) + (f" (+{len(names) - 4} more)" if len(names) > 4 else "")
        body.append([method, status, shown, message[:160]])
    return wrapped(body, ["method", "status", "cases", "why"], fmt, width) if body else ""


FINDINGS = (
    ("reference= disagrees", "the case's own reference= is wrong"),
    ("oracles disagree", "the two 50-digit oracles disagree: a bug in one of them"),
    ("within rounding of its threshold", "a branch lies within rounding of its threshold"),
    ("not scored as a float32 row", "a float32 row was computed in float64"),
)


def findings(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    """What a run found about the cases themselves, once per case and kind."""
    seen: dict[tuple[str, str], str] = {}
    for r in sorted(rows, key=lambda r: (r.case, r.operator, r.dtype, r.method)):
        for needle, what in FINDINGS:
            if needle in r.message:
                detail = next(p for p in r.message.split("; ") if needle in p)
                seen.setdefault((r.case, what), detail)
    body = [[case, what, detail[:160]] for (case, what), detail in seen.items()]
    return wrapped(body, ["case", "finding", "detail"], fmt, width)


def _short(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def sweep_table(sweep, fmt: str = "github") -> str:
    """A sweep's summary rows (missing cells shown as —)."""
    columns = list(dict.fromkeys(k for row in sweep.table for k in row))
    body = [[_short(row.get(c)) for c in columns] for row in sweep.table]
    return table(body, columns, fmt)


def sweep_summary(sweep) -> str:
    """The markdown written beside a sweep's JSON."""
    parts = [f"# {sweep.title}", ""]
    parts += [f"- {f}" for f in sweep.findings]
    parts += ["", sweep_table(sweep)]
    return "\n".join(parts) + "\n"
