"""The Python API: ``compare`` one function, ``run`` registered cases, ``select`` them.

Both return ``Results`` (a DataFrame, the CLI's tables, figures, the files ``run --out``
writes). ``compare`` runs in this process, under a time limit per cell (SIGALRM, which
stops Python code): a function defined in a notebook cannot be sent to a worker.
``run`` sends registered cases from files and the built-in suite to a worker process,
as the command line does, and runs cases defined here (in ``__main__``) in this one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np

from diffcompare import interrupt
from diffcompare import methods as method_registry
from diffcompare.deadline import TimedOut, deadline
from diffcompare.errors import CaseError, UsageError
from diffcompare.form import registry
from diffcompare.form.problem import DTYPES
from diffcompare.form.registry import Case
from diffcompare.methods.autograd import resolve_devices
from diffcompare.results import Results
from diffcompare.runner import result, script, state
from diffcompare.runner.environment import describe
from diffcompare.runner.executor import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, InProcess
from diffcompare.runner.loop import run as run_plan
from diffcompare.runner.options import resolve, spelled
from diffcompare.runner.plan import Plan, pairs
from diffcompare.runner.result import Result
from diffcompare.runner.timing import Budget


def _names(value) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _plan(cases, methods, operators, dtypes, devices, quick: bool, seed: int) -> Plan:
    return Plan(
        cases=tuple(cases),
        methods=tuple(
            method_registry.by_name(n)
            for n in resolve("method", _names(methods)) or method_registry.DEFAULT
        ),
        devices=tuple(resolve_devices(_names(devices) or [])),
        dtypes=tuple(resolve("dtype", _names(dtypes)) or DTYPES),
        operators=tuple(resolve("operator", _names(operators))) or None,
        budget=Budget.quick() if quick else Budget(),
        seed=seed,
    )


def compare(
    fn: Callable,
    inputs: dict,
    *,
    wrt: Sequence[str] | None = None,
    methods: str | Sequence[str] | None = None,
    operators: str | Sequence[str] | None = None,
    dtypes: str | Sequence[str] | None = ("float64",),
    devices: str | Sequence[str] | None = ("cpu",),
    reference: Callable | None = None,
    quick: bool = True,
    timeout: float = DEFAULT_TIMEOUT_S,
    seed: int = 0,
    operator: str | Sequence[str] | None = None,
    dtype: str | Sequence[str] | None = None,
) -> Results:
    """Differentiate ``fn`` at ``inputs`` with every method (or those named), score each
    against the oracle and time it: one row per (method, device, dtype, operator).

    ``fn(**inputs, xp=...)`` is written as for ``@case`` (or takes and returns torch
    tensors); ``operators="all"`` takes every operator that applies to its shapes.
    ``quick`` times with the short budget of ``run --quick``. Bad input raises
    ``CaseError`` or ``UsageError`` naming the function.

    Every call of ``fn`` is guarded as a cell is: what it raises (``KeyboardInterrupt``
    and ``SystemExit`` included) or a run past ``timeout`` is its rows' error, and the
    state it changes (torch's defaults, mpmath's precision, the working directory) is put
    back after its last call. A function that swallows every exception or disarms
    SIGALRM cannot be stopped in this process: ``run()`` runs cases in a worker that can."""
    from diffcompare.form.problem import operators_for, output_shape

    name = getattr(fn, "__name__", None) or type(fn).__name__
    operators = spelled(f"compare({name})", operators=operators, operator=operator)
    if dtype is not None:  # check()'s spelling; dtypes has a default, so dtype replaces it
        dtypes = dtype
    before = state.capture()  # the caller's, before the function's first call
    with interrupt.watching():  # a Ctrl-C is the caller's; a KeyboardInterrupt raised, fn's
        try:
            with deadline(timeout):
                case = registry.make(name, fn, inputs, wrt, reference=reference)
                shape = output_shape(case)
        except (CaseError, UsageError):
            raise
        except BaseException as exc:  # the function's own: its rows say so, the caller goes on
            if interrupt.by_user(exc) or (isinstance(exc, TimedOut) and not exc.own):
                raise
            plan = _plan([], methods, operators, dtypes, devices, quick, seed)
            return _unstarted(name, inputs, exc, plan)
        finally:
            changed = state.restore(before)
    available = operators_for(case, shape)
    asked = _names(operators)
    if asked is not None and "all" in asked:
        asked = list(available)
    for op in resolve("operator", asked) or []:
        if op not in available:
            raise UsageError(f"compare({name}): {op} does not apply; choose from {available}")
    plan = _plan([case], methods, asked, dtypes, devices, quick, seed)
    worker = InProcess(plan, timeout)
    if changed:
        worker.changed = f"{name} changed {', '.join(changed)} when first called; restored"
    try:
        return Results.of(run_plan(plan, progress=False, worker=worker))
    finally:  # the last call's changes too: the caller's session is as it was
        state.restore(before)


def _unstarted(name: str, inputs: dict, exc: BaseException, plan: Plan) -> Results:
    """The rows of a function whose first call (its output's shape) failed: each method's,
    an error (or a timeout) that says so; nothing else to run."""
    if isinstance(exc, TimedOut):
        status, message = "timeout", f"the function's first call ran past the time limit: {exc}"
    else:
        status, message = "error", f"the function's first call raised {type(exc).__name__}: {exc}"
    sizes = [np.size(v) for v in inputs.values()]
    operator = (
        "derivative" if sizes == [1] and np.ndim(next(iter(inputs.values()))) == 0 else "gradient"
    )
    rows = [
        Result(
            case=name,
            operator=(plan.operators or (operator,))[0],
            method=method.name,
            family=method.family,
            device=device,
            dtype=dtype,
            n=int(sum(sizes)),
            status=status,
            message=message,
        )
        for method, device in pairs(plan)
        for dtype in plan.dtypes
    ]
    return Results.of(result.Results(describe(with_torch=False), tuple(rows), {name: ""}))


def select(patterns: Sequence[str] = (), tags: Sequence[str] = ()) -> list[Case]:
    """The registered cases whose name matches a pattern (exact or glob) and that carry
    every tag, the built-in suite included (imported on first use)."""
    registry.builtin()
    return registry.select(list(patterns), list(tags))


def run(
    cases: str | Sequence[str] | None = None,
    *,
    tags: str | Sequence[str] | None = None,
    files: str | Sequence[str] | None = None,
    methods: str | Sequence[str] | None = None,
    operators: str | Sequence[str] | None = None,
    dtypes: str | Sequence[str] | None = None,
    devices: str | Sequence[str] | None = None,
    quick: bool = False,
    isolation: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    seed: int = 0,
    progress: bool = False,
    operator: str | Sequence[str] | None = None,
    dtype: str | Sequence[str] | None = None,
) -> Results:
    """Registered cases (names or globs; default all) through every method, as
    ``diffcompare run`` does, without writing files (``Results.save`` does that).

    ``files``: case files or modules to load first. ``isolation``: "process" (a worker
    with time and memory limits; the default when every case comes from a file or the
    built-in suite) or "none" (this process; the default when a case was defined here)."""
    from diffcompare.errors import UsageError
    from diffcompare.runner.isolated import Isolated, Sources

    operators = spelled("run", operators=operators, operator=operator)
    dtypes = spelled("run", dtypes=dtypes, dtype=dtype)

    specs = _names(files) or []
    for spec in specs:
        registry.load(spec)
    chosen = select(_names(cases) or [], _names(tags) or [])
    if not chosen:
        raise UsageError(f"run: no case matches {_names(cases) or []} {_names(tags) or []}")
    plan = _plan(chosen, methods, operators, dtypes, devices, quick, seed)
    here = any(c.source.startswith("<") or _defined_in_main(c) for c in chosen)
    isolation = isolation or ("none" if here else "process")
    if isolation not in ("process", "none"):
        raise UsageError(f"run: isolation is 'process' or 'none', not {isolation!r}")
    if isolation == "none":
        worker = InProcess(plan, timeout)
    else:
        script.guarded(sys._getframe(1))
        cuda = any(d == "cuda" for d in plan.devices)
        names = tuple(m.name for m in plan.methods)
        sources = Sources(True, tuple(specs))
        worker = Isolated(sources, timeout, memory_mb, cuda, names, plan.threads)
        try:
            worker.bind(plan)
        except BaseException:  # the cases do not load in the worker: stop it, then say so
            worker.close()
            raise
    return Results.of(run_plan(plan, progress=progress, worker=worker))


def _defined_in_main(case: Case) -> bool:
    return getattr(case.fn, "__module__", None) == "__main__"
