"""check(): a gradcheck for one's own functions, scored against the high-precision oracle."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from diffcompare import interrupt, oracle
from diffcompare.errors import Undefined
from diffcompare.form import registry
from diffcompare.form.problem import bind, operators_for, output
from diffcompare.methods import by_name, tolerance
from diffcompare.methods.method import Prepared
from diffcompare.runner import state
from diffcompare.runner.options import resolve, spelled
from diffcompare.runner.result import Result

WIDTH = 100  # check()'s failure text fits this many columns, as pytest's own output does
NOTE_LINES = 3  # a row's note in it, at most

DEFAULT_METHODS = ("sympy", "fd-central", "torch")  # one of each family


class HandWritten:
    """The user's own derivative, scored like a method (family "user")."""

    name = "hand-written"
    family = "user"
    backend = "numpy"
    devices = ("cpu",)

    def __init__(self, fn: Callable):
        self.fn = fn

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance.eps(dtype) ** 0.5  # agree to half the digits: a wrong formula is far off

    def prepare(self, problem, device) -> Prepared:
        inputs = {**problem.split(problem.theta), **problem.constants}

        def call():
            jac = oracle.first_order_matrix(problem, self.fn(**inputs))
            # in the check's dtype: a float64 result of a float32 check was left unscored
            # (as a float32 row computed in float64), so a wrong derivative passed
            return oracle.from_jacobian(problem, jac).astype(problem.np_dtype)

        f = problem.numpy_function()
        return Prepared(call=call, to_numpy=np.asarray, primal=lambda: f(problem.theta))


def _reference(problem):
    try:
        ref = oracle.reference(problem)
        return ref, ref.note
    except Undefined as exc:  # torch's value there would be no more right than any other
        raise ValueError(f"check({problem.case.name}): nothing to check here: {exc}") from None
    except Exception as exc:  # torch's word alone is no reference: it is one of the checked
        why = f"check({problem.case.name}): no reference to check against: {exc}"
        raise ValueError(why) from None


def _report(name: str, rows: list[Result], failures: list[Result], headline: str = "") -> str:
    """The failure's text, within WIDTH columns: the rows' verdicts, each row's note
    wrapped below them, and the worst entries of each failing row."""
    import textwrap

    from tabulate import tabulate

    body = [
        [
            "✗" if r in failures else "?" if r.verdict == "cannot tell" else "",
            r.method,
            r.operator,
            r.dtype,
            r.status if r.status != "ok" or r.digits is None else f"{r.digits:.1f}",
            "—" if r.max_rel_error is None else f"{r.max_rel_error:.2e}",
            "—" if r.rtol is None else f"{r.rtol:.1e}",
        ]
        for r in rows
    ]
    head = ["", "method", "operator", "dtype", "digits", "rel. error", "rtol"]
    table = tabulate(body, head, tablefmt="github", disable_numparse=True)
    notes = [
        textwrap.fill(
            f"{r.method} ({r.dtype}): {r.message}",
            WIDTH,
            initial_indent="  ",
            subsequent_indent="    ",
            max_lines=NOTE_LINES,
        )
        for r in rows
        if r.message
    ]
    said = "\n\nWhy:\n" + "\n".join(notes) if notes else ""
    headline = headline or (
        f"{len(failures)} of {len(rows)} rows disagree with the reference "
        f"({rows[0].reference if rows else 'none'})"
    )
    return f"diffcompare.check({name}): {headline}\n{table}{said}{_worst(failures)}"


WORST = 3  # entries shown per failing row


def _worst(failures: list[Result]) -> str:
    """The entries furthest from the reference, for each failing row that kept its values."""
    from tabulate import tabulate

    body = []
    for r in failures:
        if r.value is None or r.reference_value is None:
            continue
        v, ref = np.ravel(r.value).astype(float), np.ravel(r.reference_value).astype(float)
        error = np.abs(v - ref)
        for i in np.argsort(-np.nan_to_num(error, nan=np.inf))[:WORST]:
            index = np.unravel_index(i, np.shape(r.value)) if np.ndim(r.value) else ()
            where = str(tuple(int(k) for k in index))
            body.append([r.method, r.operator, r.dtype, where, v[i], ref[i], error[i]])
    if not body:
        return ""
    head = ["method", "operator", "dtype", "index", "value", "reference", "abs. error"]
    table = tabulate(body, head, tablefmt="github", floatfmt=".8g")
    return f"\n\nThe worst entries:\n{table}"


def check(
    fn: Callable,
    inputs: Mapping,
    *,
    wrt: Sequence[str] | None = None,
    reference: Callable | None = None,
    methods: Sequence[str] | str | None = None,
    dtype: Sequence[str] | str | None = None,
    operator: Sequence[str] | str | None = None,
    seed: int | None = None,
    step: float | None = None,
    dtypes: Sequence[str] | str | None = None,
    operators: Sequence[str] | str | None = None,
) -> list[Result]:
    """Differentiate fn (written in the case form, or torch code, or any callable) with
    one method of each family, score each against the certified oracle, and raise
    AssertionError with the table when a derivative that ran misses its tolerance, when
    your own derivative cannot run, or when no method could run fn at all. A method
    that cannot run fn, and a row whose reference is less accurate than its tolerance,
    never fail the check: each warns ``UndecidedCheck``, saying what would resolve it.

    ``reference`` is your own derivative, a function of the same inputs returning the
    first derivative (the gradient, with the input's shape; or the Jacobian): it is
    scored against the oracle too, and a wrong one fails the check. Returns the rows.
    Raises ValueError where the point has no derivative to check (log(x) at -1).
    """
    __tracebackhide__ = True  # a failing check shows its table, not this function's source
    name = getattr(fn, "__name__", None) or type(fn).__name__
    dtype = spelled(f"check({name})", dtype=dtype, dtypes=dtypes)
    operator = spelled(f"check({name})", operator=operator, operators=operators)
    given = (wrt, reference, methods, dtype, operator, seed, step)
    before = state.capture()  # the caller's: put back after the function's last call
    with interrupt.watching():  # a Ctrl-C stops the caller; a KeyboardInterrupt raised, fn's
        try:
            return _check(name, fn, inputs, *given)
        except (AssertionError, ValueError):
            raise
        except BaseException as exc:  # the function's own, at its first call: it fails
            if interrupt.by_user(exc):
                raise
            raise AssertionError(
                f"check({name}): the function raised {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            state.restore(before)


def _check(name, fn, inputs, wrt, reference, methods, dtype, operator, seed, step):
    __tracebackhide__ = True
    case = registry.make(name, fn, inputs, wrt)
    chosen = [by_name(n) for n in resolve("method", methods) or DEFAULT_METHODS]
    if reference is not None:
        chosen.append(HandWritten(reference))
    out_shape, undefined = output(case)
    if dtype is None and case.runs_in == ("float32",):
        import warnings

        warnings.warn(
            f"check({name}): the function runs in float32 only (float64 inputs meet float32 "
            "weights with an error): checked in float32, to float32's tolerances",
            UndecidedCheck,
            stacklevel=3,
        )
    available = operators_for(case, out_shape)
    every = operator == "all" or (not isinstance(operator, str) and "all" in (operator or ()))
    operators = available if every else resolve("operator", operator) or available[:1]
    rows = []
    for op in operators:
        if op not in available:
            raise ValueError(f"check({name}): {op} does not apply; choose from {available}")
        for dt in resolve("dtype", dtype) or [case.runs_in[0]]:
            problem = bind(case, op, dt, out_shape, seed=seed or 0, step=step, undefined=undefined)
            ref, why = _reference(problem)
            for method in chosen:
                from diffcompare.runner.cell import attempt

                rows.append(attempt(problem, method, "cpu", ref, why)[0])
    # a check fails where a derivative that ran is wrong (or is nan where f has one), or
    # where your own derivative cannot run; a method that cannot run your code only warns
    failures = [
        r
        for r in rows
        if r.passed is False
        or r.status == "nan"
        or (r.status == "error" and r.family == HandWritten.family)
    ]
    if failures:
        raise AssertionError(_report(name, rows, failures))
    if not any(r.verdict for r in rows):  # a check that checked nothing cannot pass
        said = "no method could run the function, so nothing was checked"
        raise AssertionError(_report(name, rows, [], headline=said))
    import warnings

    for r in rows:
        if r.status == "error":
            warnings.warn(
                f"check({name}): {r.method} cannot run the function ({r.operator}, "
                f"{r.dtype}), so it checks nothing: {r.message}",
                UndecidedCheck,
                stacklevel=3,
            )
    undecided = [r for r in rows if r.verdict == "cannot tell"]
    if undecided:  # never a failure: the reference is not good enough to judge them
        which = ", ".join(f"{r.method} ({r.operator}, {r.dtype})" for r in undecided)
        warnings.warn(
            f"check({name}): the reference cannot tell whether {which} is within its "
            f"tolerance: {undecided[0].message}",
            UndecidedCheck,
            stacklevel=3,
        )
    return rows


class UndecidedCheck(UserWarning):
    """check() could not judge a row: its reference is less accurate than the tolerance,
    or the method could not run the function (the message says what to change)."""
