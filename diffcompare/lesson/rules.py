"""The derivative's rules: the table, the chain rule, gradients and Jacobians, backward()
on a non-scalar."""

from __future__ import annotations

import numpy as np

from diffcompare.lesson.rows import about, digits_table, lowest, reference, row, shown
from diffcompare.lesson.section import Section, Table, correct, number
from diffcompare.lesson.syllabus import CASES
from diffcompare.report.tables import seconds


def derivatives(rows, cases) -> Section:
    names = CASES["derivatives"]
    table = digits_table("table", rows, names)
    points = Table(
        "points",
        ("case", "what it is", "x", "f′(x), the oracle's"),
        tuple(
            (
                n,
                about(cases[n]),
                number(float(np.ravel(cases[n].inputs[cases[n].wrt[0]])[0]), 4),
                reference(rows, n),
            )
            for n in names
        ),
    )
    values = dict(
        cases=str(len(names)),
        sympy=correct(lowest(rows, names, ("sympy",))),
        torch=correct(lowest(rows, names, ("torch",))),
        central=correct(lowest(rows, names, ("fd-central",))),
        forward=correct(lowest(rows, names, ("fd-forward",))),
    )
    return Section("derivatives", values, (points, table))


def chain(rows, cases) -> Section:
    names = CASES["chain"]
    values = dict(
        cases=str(len(names)),
        torch=correct(lowest(rows, names, ("torch",))),
        central=correct(lowest(rows, names, ("fd-central",))),
        complex=correct(lowest(rows, names, ("complex-step",))),
    )
    return Section("chain", values, (digits_table("table", rows, names),))


def gradients(rows, cases) -> Section:
    names = CASES["gradients"] + CASES["jacobians"]
    ns = sorted({r.n for r in rows if r.case in names})
    values = dict(
        cases=str(len(names)),
        n_low=str(ns[0]),
        n_high=str(ns[-1]),
        torch=correct(lowest(rows, names, ("torch", "torch-forward"))),
        forward=correct(lowest(rows, names, ("fd-forward",))),
    )
    return Section("gradients", values, (digits_table("table", rows, names),))


def backward(rows, cases) -> Section:
    (name,) = CASES["backward"]
    vjp, jac = (
        row(rows, name, "torch", operator="vjp"),
        row(rows, name, "torch", operator="jacobian"),
    )
    values = dict(
        case=name,
        description=about(cases[name]),
        vjp=shown(vjp),
        jacobian=shown(jac),
        vjp_time=seconds(vjp.eval_s) if vjp and vjp.eval_s else "—",
        jacobian_time=seconds(jac.eval_s) if jac and jac.eval_s else "—",
    )
    table = digits_table("table", rows, (name,))
    return Section("backward", values, (table,))
