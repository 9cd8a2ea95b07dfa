"""The Taylor test's verdict on each gradient row beside the oracle's: where they agree,
and the rows where they do not (a kink, where no gradient exists; ``detach``, where the
values' derivative is not the one asked for; an error below what the remainder shows)."""

from __future__ import annotations

from diffcompare.report.tables import _columns, _row_key, column, fitted, wrapped
from diffcompare.runner.result import Result


def _checked(rows: list[Result]) -> list[Result]:
    return [r for r in rows if r.taylor_passed is not None and r.passed is not None]


def verdicts(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    """Per method: gradient rows checked, both verdicts passing, and each one failing
    where the other passes."""
    checked = _checked(rows)
    if not checked:
        return ""
    body = []
    for name in _columns(checked):
        mine = [r for r in checked if column(r) == name]
        body.append(
            [
                name,
                len(mine),
                sum(r.passed and r.taylor_passed for r in mine),
                sum(r.passed and not r.taylor_passed for r in mine),
                sum(not r.passed and r.taylor_passed for r in mine),
                sum(not r.passed and not r.taylor_passed for r in mine),
            ]
        )
    headers = ["method", "rows", "both pass", "Taylor fails only", "oracle fails only", "both fail"]
    return fitted(body, headers, fmt, width, keep=1)


def disagreements(rows: list[Result], fmt: str = "github", width: int | None = None) -> str:
    """The rows where the two verdicts differ, one line per case, operator and dtype."""
    seen: dict[tuple, list[str]] = {}
    for r in sorted(_checked(rows), key=_row_key):
        if bool(r.passed) != bool(r.taylor_passed):
            slope = "—" if r.taylor_slope is None else f"{r.taylor_slope:.2f}"
            key = (r.case, r.operator, r.dtype, r.reference, slope)
            seen.setdefault(key, []).append(
                f"{column(r)} ({'oracle ✓' if r.passed else 'oracle ✗'})"
            )
    body = [[*key, ", ".join(names)] for key, names in seen.items()]
    headers = ["case", "operator", "dtype", "reference", "Taylor slope", "methods"]
    return wrapped(body, headers, fmt, width) if body else ""
