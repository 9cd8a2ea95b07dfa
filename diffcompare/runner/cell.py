"""One cell: prepare a method on a problem, call it, score it against the reference, time it."""

from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import replace

import numpy as np

from diffcompare import oracle
from diffcompare.deadline import passes
from diffcompare.errors import Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.registry import Case
from diffcompare.methods import cost
from diffcompare.runner.hint import hint
from diffcompare.runner.plan import Plan, pairs
from diffcompare.runner.result import MAX_VALUES, Result
from diffcompare.runner.timing import measure, measure_pair


def _listed(a: np.ndarray):
    if a.size > MAX_VALUES:
        return None
    return a.tolist()


def caught(exc: BaseException) -> tuple[str, str]:
    """A case's exception, whatever its class, as (message, traceback); the run's own
    (its time limit, the user's Ctrl-C) go on up."""
    if passes(exc):
        raise exc
    message = f"{type(exc).__name__}: {exc}"
    said = hint(message)
    return (f"{message}; hint: {said}" if said else message), traceback.format_exc()


def _same(a: np.ndarray, b: np.ndarray, dtype) -> bool:
    """Equal up to a few units in the last place (a GPU's atomic adds may reorder sums)."""
    scale = float(np.nanmax(np.abs(np.where(np.isfinite(a), a, 0)), initial=0.0))
    tol = 4 * np.finfo(dtype).eps * scale
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | (np.abs(a - b) <= tol) | (a == b)))


class Cells:
    """Runs the cells of one problem: each derivative timed in alternation with its primal."""

    def __init__(self, plan: Plan):
        self.plan = plan

    def rows(self, problem, reference, ref_message) -> list[Result]:
        return [
            self.cell(problem, method, device, reference, ref_message)
            for method, device in pairs(self.plan)
        ]

    def cell(self, problem, method, device, reference, ref_message) -> Result:
        row, prepared = attempt(problem, method, device, reference, ref_message)
        if not self.plan.timed:  # cells side by side on one host: no time is honest
            return replace(row, prepare_s=None, first_call_s=None)
        if prepared is None or row.status not in ("ok", "nan"):
            return row
        timed = self.time(prepared)
        model = cost.model(method.name, problem.operator, problem.n, problem.m)
        if model is not None:
            ratio = timed["cost_ratio"]
            timed.update(
                cost_model=model.shown(), off_model=None if ratio is None else model.off(ratio)
            )
        return replace(row, **timed)

    def time(self, prepared) -> dict:
        budget = self.plan.budget
        try:
            prepared.primal()
            pair = measure_pair(prepared.call, prepared.primal, budget)
            t, primal, ratio = pair.call, pair.primal.median, pair.ratio
        except BaseException as exc:  # a primal that cannot run: the derivative is still timed
            caught(exc)
            t, primal, ratio = measure(prepared.call, budget), None, None
        return dict(
            eval_s=t.median,
            eval_iqr_s=t.iqr,
            eval_min_s=t.min,
            repeats=t.repeats,
            noisy=t.noisy,
            primal_s=primal,
            cost_ratio=ratio,
        )


def attempt(problem, method, device, reference, ref_message=""):
    """Prepare, call once and score one cell: (the row without timings, the prepared method).

    The prepared method is None when there is nothing to time."""
    case = problem.case
    base = dict(
        case=case.name,
        operator=problem.operator,
        method=method.name,
        family=method.family,
        device=device,
        dtype=problem.dtype,
        n=problem.n,
        tags=case.tags,
        seed=problem.seed,
        reference=reference.kind if reference else "none",
    )
    start = time.perf_counter()
    # what prepare and the first call warn of goes into the row, not to the terminal
    with warnings.catch_warnings(record=True) as warned:
        return _attempt(problem, method, device, reference, ref_message, base, start, warned)


def _warning(warned: list) -> str:
    """The first warning prepare or the first call gave, as the row says it."""
    for w in warned:
        text = str(w.message).strip().splitlines()
        if text:
            return f"warned: {w.category.__name__}: {text[0][:160]}"
    return ""


def _attempt(problem, method, device, reference, ref_message, base, start, warned):
    try:
        prepared = method.prepare(problem, device)
    except Unsupported as exc:
        return Result(**base, status="unsupported", message=str(exc)), None
    except BaseException as exc:
        message, tb = caught(exc)
        return Result(**base, status="error", message=message, traceback=tb), None
    prepare_s = prepared.prepare_s
    if prepare_s is None:
        prepare_s = time.perf_counter() - start
    notes = [n for n in (prepared.note, ref_message) if n]
    try:
        first = time.perf_counter()
        out = prepared.call()  # the first call after preparing: a JIT's or a cache's cost
        first_call_s = time.perf_counter() - first
        raw = np.asarray(prepared.to_numpy(out))
        value = np.asarray(raw, dtype=np.float64)
    except BaseException as exc:
        message, tb = caught(exc)
        return Result(
            **base, status="error", message=message, traceback=tb, prepare_s=prepare_s
        ), None
    if prepared.counters.get("note"):
        notes.insert(0, prepared.counters["note"])
    if _warning(warned):
        notes.insert(0, _warning(warned))
    try:  # a second call must give the same numbers
        again = np.asarray(prepared.to_numpy(prepared.call()), dtype=np.float64)
    except BaseException as exc:
        message, tb = caught(exc)
        return Result(
            **base,
            status="error",
            message=f"the second call failed: {message}",
            traceback=tb,
            prepare_s=prepare_s,
        ), None
    if again.shape == value.shape and not _same(value, again, problem.np_dtype):
        differ = float(np.nanmax(np.abs(again - value)))
        return Result(
            **base,
            status="error",
            prepare_s=prepare_s,
            value=_listed(value),
            message=f"non-deterministic: two calls differ by up to {differ:.3g}",
        ), None
    measured = dict(
        prepare_s=prepare_s,
        first_call_s=first_call_s,
        f_evals=prepared.counters.get("f_evals"),
        step=prepared.step,
        value=_listed(value),
    )
    if value.shape != problem.value_shape:
        return Result(
            **base,
            **measured,
            status="error",
            message=(f"the derivative has shape {value.shape}, expected {problem.value_shape}"),
        ), None
    status = "ok"
    if not np.all(np.isfinite(value)):
        status = "nan"
        bad = int(np.sum(~np.isfinite(value)))
        notes.insert(0, f"non-finite derivative: {bad} of {value.size} entries")
    if problem.undefined and status == "ok":  # a finite number where f has no derivative
        status = "nan"
        notes.insert(0, problem.undefined)
    wider = _wider(raw, problem, value)
    if wider:
        notes.insert(0, wider)
    accuracy = {}
    if reference is not None and status == "ok" and not wider:
        s = oracle.score(value, reference)
        rtol = method.rtol(problem.dtype, ops.order(problem.operator))
        truth = reference.nearest(value) + (reference.lo if reference.upper is None else 0)
        found = oracle.judge(s, rtol, reference)
        if found.why:
            notes.insert(0, found.why)
        accuracy = dict(
            max_abs_error=s.max_abs_error,
            max_rel_error=s.max_rel_error,
            max_scaled_error=s.max_scaled_error,
            digits=s.digits,
            rtol=rtol,
            passed=found.passed,
            verdict=found.verdict,
            reference_error=reference.error,
            reference_value=_listed(truth),
        )
    if status == "ok" and problem.operator in ("gradient", "derivative"):
        accuracy.update(_taylor(problem, value))
    row = Result(**base, **measured, **accuracy, status=status, message="; ".join(notes))
    return row, prepared


TAYLOR_BUDGET_S = 1.0  # the Taylor test's calls of f on a row: skipped where f is slower


def _taylor(problem, value: np.ndarray) -> dict:
    """The Taylor test of a gradient row: the slope of its remainder along a seeded
    direction, f in float64 at the row's point (oracle.taylor); nothing where f fails,
    or is too slow for its calls to fit in TAYLOR_BUDGET_S, or hangs near the point (a
    row the method finished is not made a timeout by a check of it)."""
    from diffcompare.deadline import TimedOut, deadline
    from diffcompare.oracle.taylor import STEPS, remainder

    try:
        with np.errstate(all="ignore"), deadline(TAYLOR_BUDGET_S):  # nested: the cell's
            f, x = problem.numpy_function(), problem.theta.astype(np.float64)
            start = time.perf_counter()
            f(x)
            if (time.perf_counter() - start) * (len(STEPS) + 1) > TAYLOR_BUDGET_S:
                return {}
            test = remainder(problem.case.name, f, x, value)
    except TimedOut:  # this block's own limit: the cell's is held off until it ends
        return {}
    except BaseException as exc:  # the case's failure is its rows' business, not this one's
        caught(exc)
        return {}
    return dict(taylor_slope=test.slope, taylor_passed=test.passed)


def _wider(raw: np.ndarray, problem, value: np.ndarray) -> str:
    """Why a float32 row is not scored as one: it was computed in float64 (a NumPy float64
    constant in the case promotes it; torch's forward mode promotes a Python number)."""
    if problem.dtype != "float32" or raw.dtype != np.float64 or not np.any(value):
        return ""  # an exact zero is the same in every precision
    return "computed in float64, not float32: not scored as a float32 row"


def bare_row(
    case: Case, op: str, dtype: str, method, device: str, status: str, message: str, tb: str = ""
) -> Result:
    """A row with nothing measured: a cell that failed before it could run."""
    return Result(
        case=case.name,
        operator=op,
        method=method.name,
        family=method.family,
        device=device,
        dtype=dtype,
        n=case.n,
        status=status,
        message=message,
        traceback=tb,
        tags=case.tags,
    )
