"""A case's problems (operator x dtype) and their references, or its error rows."""

from __future__ import annotations

import numpy as np

from diffcompare import oracle
from diffcompare.errors import CaseError, Unsupported
from diffcompare.form.problem import bind, check_reference, operators_for, output
from diffcompare.form.registry import Case
from diffcompare.runner.cell import Cells, bare_row, caught
from diffcompare.runner.plan import Plan, pairs
from diffcompare.runner.result import Result


def failed_case(case: Case, plan: Plan, status: str, message: str, tb: str = "") -> list[Result]:
    """One row per (method, device, dtype) for a case that could not be set up."""
    return [
        bare_row(case, "-", dt, m, d, status, message, tb)
        for m, d in pairs(plan)
        for dt in plan.dtypes
    ]


def problems(case: Case, plan: Plan) -> tuple[list[Result], list]:
    """The case's problems (operator x dtype) or, when it fails, its error rows."""
    try:
        out_shape, undefined = output(case)
    except BaseException as exc:
        message, tb = caught(exc)
        return failed_case(case, plan, "error", f"the case fails: {message}", tb), []
    if case.reference is not None:
        try:
            check_reference(case, out_shape)
        except CaseError as exc:
            return failed_case(case, plan, "error", str(exc)), []
        except BaseException as exc:  # a reference that fails: the oracle's check says so
            caught(exc)
    available = operators_for(case, out_shape)
    chosen = (
        available[:1] if plan.operators is None else [o for o in plan.operators if o in available]
    )
    return [], [
        bind(case, op, dtype, out_shape, seed=plan.seed, step=plan.step, undefined=undefined)
        for op in chosen
        for dtype in plan.dtypes
    ]


def reference_for(problem):
    """(the oracle's reference or None, why there is none)."""
    try:
        ref = oracle.reference(problem)
        return ref, ref.note
    except BaseException as exc:  # no oracle: rows still show values, without accuracy
        caught(exc)
        why = str(exc) if isinstance(exc, Unsupported) else f"{type(exc).__name__}: {exc}"
        return None, f"no reference: {why}"


def run_case(case: Case, plan: Plan) -> list[Result]:
    # floating-point warnings become statuses (nan) and messages, not noise on stderr
    with np.errstate(all="ignore"):
        rows, found = problems(case, plan)
        cells = Cells(plan)
        for problem in found:
            rows += cells.rows(problem, *reference_for(problem))
        return rows
