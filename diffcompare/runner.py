"""case x operator x dtype x method x device: every cell becomes a row, never a crash."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from diffcompare import operator as ops
from diffcompare import oracle
from diffcompare.environment import describe
from diffcompare.errors import Unsupported
from diffcompare.problem import DTYPES, bind, operators_for, output_shape
from diffcompare.registry import Case
from diffcompare.result import MAX_VALUES, Result, Results
from diffcompare.timing import Budget, measure, measure_pair


@dataclass(frozen=True)
class Plan:
    cases: tuple[Case, ...]
    methods: tuple  # of Method
    devices: tuple[str, ...] = ("cpu",)
    dtypes: tuple[str, ...] = DTYPES
    operators: tuple[str, ...] | None = None  # None: each case's natural first-order operator
    budget: Budget = Budget()
    seed: int = 0
    step: float | None = None


def _listed(a: np.ndarray):
    if a.size > MAX_VALUES:
        return None
    return a.tolist()


def _error(exc: BaseException) -> tuple[str, str]:
    return f"{type(exc).__name__}: {exc}", traceback.format_exc()


def _same(a: np.ndarray, b: np.ndarray, dtype) -> bool:
    """Equal up to a few units in the last place (a GPU's atomic adds may reorder sums)."""
    scale = float(np.nanmax(np.abs(np.where(np.isfinite(a), a, 0)), initial=0.0))
    tol = 4 * np.finfo(dtype).eps * scale
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | (np.abs(a - b) <= tol) | (a == b)))


def pairs(plan: Plan):
    """(method, device) for every device of every method that the plan asks for."""
    return [(m, d) for m in plan.methods for d in m.devices if d in plan.devices]


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
        if prepared is None or row.status not in ("ok", "nan"):
            return row
        return replace(row, **self.time(prepared))

    def time(self, prepared) -> dict:
        budget = self.plan.budget
        try:
            prepared.primal()
            pair = measure_pair(prepared.call, prepared.primal, budget)
            t, primal, ratio = pair.call, pair.primal.median, pair.ratio
        except Exception:  # a primal that cannot run: the derivative is still timed
            t, primal, ratio = measure(prepared.call, budget), None, None
        return dict(
            eval_s=t.median,
            eval_iqr_s=t.iqr,
            eval_min_s=t.min,
            repeats=t.repeats,
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
    try:
        prepared = method.prepare(problem, device)
    except Unsupported as exc:
        return Result(**base, status="unsupported", message=str(exc)), None
    except Exception as exc:
        message, tb = _error(exc)
        return Result(**base, status="error", message=message, traceback=tb), None
    prepare_s = prepared.prepare_s
    if prepare_s is None:
        prepare_s = time.perf_counter() - start
    notes = [n for n in (prepared.note, ref_message) if n]
    try:
        value = np.asarray(prepared.to_numpy(prepared.call()), dtype=np.float64)
    except Exception as exc:
        message, tb = _error(exc)
        return Result(
            **base, status="error", message=message, traceback=tb, prepare_s=prepare_s
        ), None
    if prepared.counters.get("note"):
        notes.insert(0, prepared.counters["note"])
    try:  # a second call must give the same numbers
        again = np.asarray(prepared.to_numpy(prepared.call()), dtype=np.float64)
    except Exception as exc:
        message, tb = _error(exc)
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
    accuracy = {}
    if reference is not None and status == "ok":
        s = oracle.score(value, reference)
        rtol = method.rtol(problem.dtype, ops.order(problem.operator))
        truth = reference.nearest(value) + (reference.lo if reference.upper is None else 0)
        accuracy = dict(
            max_abs_error=s.max_abs_error,
            max_rel_error=s.max_rel_error,
            digits=s.digits,
            rtol=rtol,
            passed=bool(s.max_rel_error <= rtol),
            reference_value=_listed(truth),
        )
    row = Result(**base, **measured, **accuracy, status=status, message="; ".join(notes))
    return row, prepared


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
        out_shape = output_shape(case)
    except Exception as exc:
        message, tb = _error(exc)
        return failed_case(case, plan, "error", f"the case fails: {message}", tb), []
    available = operators_for(case, out_shape)
    chosen = (
        available[:1] if plan.operators is None else [o for o in plan.operators if o in available]
    )
    return [], [
        bind(case, op, dtype, out_shape, seed=plan.seed, step=plan.step)
        for op in chosen
        for dtype in plan.dtypes
    ]


def reference_for(problem):
    """(the oracle's reference or None, why there is none)."""
    try:
        ref = oracle.reference(problem)
        return ref, ref.note
    except Exception as exc:  # no oracle: rows still show values, without accuracy
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


class Interrupted(Exception):  # noqa: N818 — it carries the partial results
    """Ctrl-C during a run: the rows finished so far, as Results."""

    def __init__(self, results: Results):
        super().__init__(f"interrupted after {len(results.rows)} rows")
        self.results = results


def run(
    plan: Plan,
    progress: bool = True,
    on_row: Callable[[Result], None] | None = None,
    done: dict | None = None,
    worker=None,
) -> Results:
    """Every cell of the plan, case by case, through a worker (default: this process).

    ``done`` maps Result.key to rows finished before (``--resume``): they are kept, not
    computed again, and not passed to ``on_row``. On Ctrl-C raises Interrupted with
    the rows finished so far."""
    from tqdm import tqdm

    from diffcompare.worker import InProcess

    worker = worker or InProcess(plan)
    done = done or {}
    rows: list[Result] = []

    def emit(row: Result) -> None:
        rows.append(row)
        if on_row and row.key not in done:
            on_row(row)

    bar = tqdm(
        plan.cases, desc="diffcompare", unit="case", disable=not progress or None, leave=False
    )
    try:
        for case in bar:
            bar.set_postfix_str(case.name)
            keys = {(case.name, "-", m.name, d, dt) for m, d in pairs(plan) for dt in plan.dtypes}
            if keys <= done.keys():  # a case that failed to set up, last time
                for k in sorted(keys):
                    emit(done[k])
                continue
            failed, found = worker.problems(case)
            for row in failed:
                emit(row)
            for op, dtype in found:
                keys = [(case.name, op, m.name, d, dtype) for m, d in pairs(plan)]
                if any(k not in done for k in keys):
                    worker.reference(case, op, dtype)  # the oracle, once, before the cells
                for (method, device), key in zip(pairs(plan), keys):
                    emit(done[key] if key in done else worker.cell(case, op, dtype, method, device))
    except KeyboardInterrupt:
        raise Interrupted(_results(plan, rows)) from None
    finally:
        worker.close()
    return _results(plan, rows)


def _results(plan: Plan, rows: list[Result]) -> Results:
    about = {c.name: c.doc for c in plan.cases}
    return Results(describe(with_torch=_uses_torch(plan.methods)), tuple(rows), about)


def _uses_torch(methods: Sequence) -> bool:
    return any(m.backend == "torch" for m in methods)
