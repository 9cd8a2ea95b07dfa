"""The lesson's measurements over a parameter: the limit as h shrinks, expression swell,
the cost against n, the second derivative against the first."""

from __future__ import annotations

import numpy as np

from diffcompare.form import registry
from diffcompare.form.registry import Case
from diffcompare.lesson.rows import about
from diffcompare.lesson.section import Section, Table, number
from diffcompare.lesson.syllabus import COURSE_STEPS, SECOND_SIZES, SIZES, STEPS, TIMEOUT_S
from diffcompare.report.tables import seconds
from diffcompare.runner.timing import Budget


def _with_figures(key: str, values: dict, table: Table, drawn: dict) -> Section:
    """A study's section: its table, then each figure it drew, captioned alike."""
    return Section(key, values, (table,), tuple((name, "figure") for name in drawn), drawn)


def limit(case: Case, rows) -> Section:
    """The course's numerical_lim, (f(x + h) − f(x)) / h, continued down to 1e-16 in
    float64 and float32, against the oracle's f′(x)."""
    from diffcompare import oracle
    from diffcompare.errors import CaseError
    from diffcompare.form.problem import bind, operators_for, output_shape

    shape = output_shape(case)
    if case.n != 1 or shape != ():
        raise CaseError(f"lesson: {case.name} is not a scalar function of one variable")
    problem = bind(case, operators_for(case, shape)[0], "float64", shape)
    truth = oracle.reference(problem)
    exact = float(np.ravel(truth.hi + truth.lo)[0])
    key, x0 = case.wrt[0], float(np.ravel(case.inputs[case.wrt[0]])[0])
    body, errors = [], {}
    with np.errstate(all="ignore"):
        for h in STEPS:
            cells = [number(h, 1)]
            for dtype in (np.float64, np.float32):
                x, hh = dtype(x0), dtype(h)

                def f(v, dtype=dtype):
                    return dtype(case.fn(**{**case.inputs, key: v}))

                quotient = float((f(x + hh) - f(x)) / hh)
                error = abs(quotient - exact) / abs(exact) if exact else abs(quotient)
                errors.setdefault(dtype.__name__, []).append((error, h, quotient))
                cells += [number(quotient, 8), number(error, 2)]
            body.append(tuple(cells))
    best64, best32 = min(errors["float64"]), min(errors["float32"])
    course = errors["float64"][COURSE_STEPS - 1]
    last64, last32 = errors["float64"][-1], errors["float32"][-1]
    drawn = {f"limit_{case.name}": _v_curve(case.name, errors, course[1])}
    values = dict(
        case=case.name,
        description=about(case),
        x=number(x0, 4),
        exact=number(exact, 8),
        course_h=number(course[1], 1),
        course_quotient=number(course[2], 8),
        best_h=number(best64[1], 1),
        best_error=number(best64[0], 2),
        last_h=number(last64[1], 1),
        last_quotient=number(last64[2], 8),
        last_error=number(last64[0], 2),
        best_h32=number(best32[1], 1),
        best_error32=number(best32[0], 2),
        last_quotient32=number(last32[2], 8),
    )
    headers = ("h", "float64 quotient", "float64 error", "float32 quotient", "float32 error")
    return _with_figures("limit", values, Table("table", headers, tuple(body)), drawn)


def _v_curve(name: str, errors: dict, stop: float):
    """The quotient's error against h, log-log, a line per dtype; where the course stops."""
    from diffcompare.report.plots import FLOOR, figure

    fig, (ax,) = figure(6, 3.6)
    for i, (dtype, points) in enumerate(errors.items()):
        hs = [h for _, h, _ in points]
        ax.plot(hs, [max(e, FLOOR) for e, _, _ in points], marker="o", color=f"C{i}", label=dtype)
    ax.axvline(stop, color="grey", linestyle=":", label="the course's last h")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.invert_xaxis()  # h shrinks to the right, as the loop runs
    ax.set_xlabel("h")
    ax.set_ylabel("relative error of (f(x + h) − f(x)) / h")
    ax.set_title(f"{name}: the difference quotient as h shrinks", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def swell() -> Section:
    from diffcompare.report import sweep_plots
    from diffcompare.sweep import swell as study

    s = study.sweep(["logistic map"])
    rows = [r for r in s.table if r["study"] == "logistic map"]
    last = rows[-1]
    values = dict(
        depth=str(last["n"]),
        f_ops=str(last["f_ops"]),
        df_ops=str(last["df_ops"]),
        df_ops_cse=str(last["df_ops_cse"]),
        derived_error=number(last["derived_error"], 2),
        expanded_error=number(last["expanded_error"], 2),
    )
    headers = ("depth", "f", "f′", "f′ with cse", "f′ error", "expanded f′ error")
    body = tuple(
        (
            str(r["n"]),
            str(r["f_ops"]),
            str(r["df_ops"]),
            str(r["df_ops_cse"]),
            number(r["derived_error"], 2),
            number(r["expanded_error"], 2),
        )
        for r in rows
    )
    drawn = sweep_plots.swell(s)
    return _with_figures("swell", values, Table("table", headers, body), drawn)


def cost() -> Section:
    from diffcompare.report import sweep_plots
    from diffcompare.sweep import size

    family = registry.families()["rosenbrock"]
    methods = ("fd-central", "torch", "torch-forward")
    s = size.sweep([family], SIZES, methods, timeout=TIMEOUT_S, budget=Budget.quick())
    by = {(p["method"], p["n"]): p for p in s.points if p["status"] == "ok"}
    top = max(SIZES)
    body = tuple(
        (str(n), *(number(by[(m, n)]["cost_ratio"], 3) if (m, n) in by else "—" for m in methods))
        for n in SIZES
    )

    def ratio(method, n):
        p = by.get((method, n))
        return number(p["cost_ratio"], 3) if p else "—"

    values = dict(
        case=family.name,
        n_low=str(min(SIZES)),
        n_high=str(top),
        central_low=ratio("fd-central", min(SIZES)),
        central_high=ratio("fd-central", top),
        torch_low=ratio("torch", min(SIZES)),
        torch_high=ratio("torch", top),
        forward_high=ratio("torch-forward", top),
    )
    drawn = sweep_plots.size(s)
    headers = ("n", *(f"{m} cost ratio" for m in methods))
    return _with_figures("cost", values, Table("table", headers, body), drawn)


def second() -> Section:
    from diffcompare.report import sweep_plots
    from diffcompare.sweep import second as study

    family = registry.families()["rosenbrock"]
    s = study.sweep([family], SECOND_SIZES, timeout=TIMEOUT_S, budget=Budget.quick())
    ways = list(dict.fromkeys(p["way"] for p in s.points))
    top = max(SECOND_SIZES)
    timed = {(p["way"], p["n"]): p for p in s.points if p.get("eval_s") is not None}

    def over_gradient(way, n):
        p, g = timed.get((way, n)), timed.get((study.GRADIENT, n))
        return number(p["eval_s"] / g["eval_s"], 3) if p and g else "—"

    body = tuple((way, *(over_gradient(way, n) for n in SECOND_SIZES)) for way in ways[1:])
    sympy = timed.get(("sympy", top))
    values = dict(
        case=family.name,
        n_high=str(top),
        functional=over_gradient("torch hessian()", top),
        loop=over_gradient("n backward passes", top),
        vmap=over_gradient("vmap of grad", top),
        jacfwd=over_gradient("jacfwd of grad", top),
        sympy=over_gradient("sympy", top),
        sympy_prepare=seconds(sympy["prepare_s"]) if sympy else "—",
    )
    drawn = sweep_plots.second(s)
    headers = ("way", *(f"n = {n}: time ÷ gradient" for n in SECOND_SIZES))
    return _with_figures("second", values, Table("table", headers, body), drawn)
