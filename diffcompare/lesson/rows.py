"""A run's rows, looked up and shown as the lesson's tables show them."""

from __future__ import annotations

import numpy as np

from diffcompare.form.registry import Case
from diffcompare.lesson.section import Table, correct, number
from diffcompare.lesson.syllabus import METHODS
from diffcompare.report.tables import mark
from diffcompare.runner.result import Result


def row(rows, case, method, dtype="float64", operator=None) -> Result | None:
    return next(
        (
            r
            for r in rows
            if (r.case, r.method, r.dtype) == (case, method, dtype)
            and (operator is None or r.operator == operator)
        ),
        None,
    )


def shown(r: Result | None) -> str:
    """A row's cell in a digits table: digits (✗ past tolerance), else its status."""
    if r is None:
        return "—"
    if r.status != "ok":
        return {"unsupported": "unsup"}.get(r.status, r.status)
    return correct(r.digits) + mark(r)


def digits_table(caption, rows, names, operator=None, dtype="float64") -> Table:
    body = []
    for name in names:
        mine = [r for r in rows if r.case == name and r.dtype == dtype]
        for op in dict.fromkeys(r.operator for r in mine if operator in (None, r.operator)):
            cells = [shown(row(rows, name, m, dtype, op)) for m in METHODS]
            body.append((name, op, *cells))
    return Table(caption, ("case", "operator", *METHODS), tuple(body))


def lowest(rows, names, methods, dtype="float64") -> float | None:
    found = [
        r.digits
        for r in rows
        if r.case in names and r.method in methods and r.dtype == dtype and r.digits is not None
    ]
    return min(found) if found else None


def value(r: Result | None) -> str:
    if r is None or r.value is None:
        return "—"
    return ", ".join(number(v, 4) for v in np.ravel(r.value)[:4])


def about(case: Case) -> str:
    """What the case computes, as its docstring says, on one line."""
    return " ".join(case.doc.split()) or case.name


def reference(rows, name) -> str:
    """The oracle's value, as the first scored row of the case has it."""
    r = next((r for r in rows if r.case == name and r.reference_value is not None), None)
    return "—" if r is None else ", ".join(number(v, 6) for v in np.ravel(r.reference_value)[:4])


def per_method(caption, rows, name, dtype="float64") -> Table:
    body = []
    for m in METHODS:
        r = row(rows, name, m, dtype)
        if r is not None:
            body.append((m, r.status, value(r), shown(r), r.message[:140]))
    return Table(caption, ("method", "status", "value", "digits", "message"), tuple(body))
