"""Where a run's cells execute: in this process, or isolated in a worker process.

``Isolated`` runs every cell in one spawned worker process (pebble's ProcessPool) with
a time limit per cell and a memory limit on the worker (RLIMIT_DATA, set above what the
worker holds once it has imported torch and SymPy, over a GiB with a CUDA build of
torch, and started CUDA if the run uses it): a cell that hangs, or a case
that allocates without end, costs that cell (a ``timeout`` or ``error`` row) and the
worker is replaced; the run goes on. The worker is started once and keeps its caches
(SymPy derivations, references), so isolation costs a process start
and a little pickling per cell. ``InProcess`` runs cells here, with an optional
SIGALRM time limit (Python code only) and no memory limit: for tests and libraries.
"""

from __future__ import annotations

import functools
import gc
import importlib
import pickle
import traceback
from dataclasses import dataclass, replace

import numpy as np

from diffcompare import registry
from diffcompare.deadline import TimedOut, deadline
from diffcompare.methods import by_name
from diffcompare.registry import Case
from diffcompare.result import Result
from diffcompare.runner import Cells, Plan, bare_row, failed_case, problems, reference_for

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 4096


HEAVY = (
    "sympy",
    "sympy.tensor.tensor",  # imported by SymPy's first Add of three terms or more: 0.05–0.2 s
    "mpmath",
    "torch",
    "torch.func",
    "diffcompare.methods.batch",
    "diffcompare.kink",  # the oracle's, on its first reference
    "diffcompare.template",
)
_SET_UP: set[str] = set()  # the methods this process has set up


@functools.cache
def _import_heavy() -> None:
    for module in HEAVY:
        try:
            importlib.import_module(module)
        except ImportError:
            pass


def set_up(methods, cuda: bool = False) -> None:
    """What a process does once, outside any time limit: the heavy imports (SymPy's
    first import alone takes about half a second, and a time limit that fires inside an
    import is charged to whichever cell ran first), CUDA's context if asked for (where
    there is one), then each method's one-time library setup (``set_up``, where it has
    one). What fails here is left to fail in the cells, which say why. Then the garbage
    collection those allocations have made due: a full one in a process that holds torch
    and SymPy (0.14 s here), which the first cell's time and time limit would otherwise
    pay."""
    fresh = _import_heavy.cache_info().currsize == 0
    _import_heavy()
    if cuda and _cuda_context.cache_info().currsize == 0:
        fresh = True
        _cuda_context()
    for method in methods:
        if method.name not in _SET_UP and hasattr(method, "set_up"):
            _SET_UP.add(method.name)
            fresh = True
            try:
                method.set_up()
            except Exception:
                pass
    if fresh:
        gc.collect()


@functools.cache
def _cuda_context() -> None:
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.zeros(1, device="cuda")  # creates the context


class InProcess:
    """Cells run in this process; ``timeout`` (SIGALRM) stops Python code that runs long."""

    def __init__(self, plan: Plan, timeout: float | None = None):
        set_up(plan.methods)
        self.plan = plan
        self.timeout = timeout
        self.cells = Cells(plan)
        self.found: dict = {}  # (case, operator, dtype) -> Problem
        self.references: dict = {}  # same key -> (reference, message)

    def problems(self, case: Case) -> tuple[list[Result], list[tuple[str, str]]]:
        """Error rows for a case that cannot be set up, or its (operator, dtype) pairs."""
        try:
            with np.errstate(all="ignore"), deadline(self.timeout):
                failed, found = problems(case, self.plan)
        except TimedOut as exc:
            return failed_case(case, self.plan, "timeout", f"setting the case up {exc}"), []
        for p in found:
            self.found[(case.name, p.operator, p.dtype)] = p
        return failed, [(p.operator, p.dtype) for p in found]

    def reference(self, case: Case, op: str, dtype: str, failed: str = "") -> None:
        """The oracle for one problem, computed once before its cells (or, ``failed``,
        the reason it could not be: then the cells run without one)."""
        key = (case.name, op, dtype)
        if failed:
            if key not in self.found:
                self.problems(case)
            self.references[key] = (None, f"no reference: {failed}")
            return
        try:
            with np.errstate(all="ignore"), deadline(self.timeout):
                if key not in self.found:  # a fresh worker: set the case up again
                    self.problems(case)
                if key not in self.references:
                    self.references[key] = reference_for(self.found[key])
        except TimedOut as exc:
            self.references[key] = (None, f"no reference: the oracle {exc}")

    def cell(self, case: Case, op: str, dtype: str, method, device: str) -> Result:
        key = (case.name, op, dtype)
        try:
            with np.errstate(all="ignore"), deadline(self.timeout):
                if key not in self.references:
                    self.reference(case, op, dtype)
                problem = self.found[key]
                return self.cells.cell(problem, method, device, *self.references[key])
        except TimedOut as exc:
            return bare_row(case, op, dtype, method, device, "timeout", str(exc))
        except Exception as exc:  # the runner turns the expected failures into rows already
            message = f"{type(exc).__name__}: {exc}"
            return bare_row(
                case, op, dtype, method, device, "error", message, traceback.format_exc()
            )

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Sources:
    """Where the worker finds the cases: the built-in suite and/or files or modules."""

    builtin: bool = True
    specs: tuple[str, ...] = ()


_WORKERS: dict[bytes, InProcess] = {}  # in the worker process: one runner per plan


def _data_bytes() -> int:
    """This process's data segment (VmData): what RLIMIT_DATA counts."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _start(
    sources: Sources, memory_mb: int | None, cuda: bool = False, methods: tuple[str, ...] = ()
) -> None:
    """Runs once in each new worker process: cases, the heavy imports (done here, while
    the parent does its own, rather than inside the first cell's timing), CUDA's context
    if the run may use it, the methods' one-time setup (a replaced worker would otherwise
    charge it to its first cell's time limit), then the memory limit: memory_mb above
    what all that holds."""
    import resource
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if sources.builtin:
        registry.builtin()
    for spec in sources.specs:
        registry.load(spec)
    set_up([by_name(name) for name in methods], cuda)
    if memory_mb:
        limit = _data_bytes() + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _runner(plan: bytes) -> InProcess:
    if plan not in _WORKERS:
        _WORKERS.clear()
        _WORKERS[plan] = InProcess(pickle.loads(plan))
    return _WORKERS[plan]


def _problems(plan: bytes, name: str):
    return _runner(plan).problems(registry.get(name))


def _reference(plan: bytes, name: str, op: str, dtype: str, failed: str = "") -> None:
    _runner(plan).reference(registry.get(name), op, dtype, failed)


def _cell(
    plan: bytes, name: str, op: str, dtype: str, method: str, device: str, failed: str
) -> Result:
    runner = _runner(plan)
    if failed:  # the oracle failed in an earlier worker: do not try again in this one
        runner.reference(registry.get(name), op, dtype, failed)
    return runner.cell(registry.get(name), op, dtype, by_name(method), device)


class Isolated:
    """Cells run in a worker process, each with a time limit; a worker that hangs, runs
    out of memory or dies is replaced and only its cell is lost."""

    def __init__(
        self,
        sources: Sources,
        timeout: float = DEFAULT_TIMEOUT_S,
        memory_mb: int | None = DEFAULT_MEMORY_MB,
        cuda: bool = False,
        methods: tuple[str, ...] = (),
    ):
        """Starts the worker at once (it imports while the caller sets up); ``bind``
        gives it the plan. cuda: the plan may run cells on CUDA (start its context);
        methods: the plan's methods, set up in each worker before its first cell."""
        import multiprocessing

        from pebble import ProcessPool

        self.timeout = timeout
        self.failed: dict = {}  # (case, operator, dtype) -> why its oracle failed
        self.pool = ProcessPool(
            max_workers=1,
            initializer=_start,
            initargs=(sources, memory_mb, cuda, tuple(methods)),
            context=multiprocessing.get_context("spawn"),  # no fork after torch's threads
        )
        self.pool.schedule(int)  # start the worker now

    def bind(self, plan: Plan) -> Isolated:
        self.plan = plan
        self.spec = pickle.dumps(replace(plan, cases=()))
        return self

    def _wait(self, fn, *args):
        """(result, None) or (None, (status, message))."""
        from concurrent.futures import TimeoutError

        from pebble import ProcessExpired

        future = self.pool.schedule(fn, args=args, timeout=self.timeout)
        try:
            return future.result(), None
        except TimeoutError:
            return None, (
                "timeout",
                f"ran past the time limit of {self.timeout:g} s (its worker was replaced)",
            )
        except ProcessExpired as exc:
            why = f"exit code {exc.exitcode}"
            if exc.exitcode is not None and exc.exitcode < 0:
                why = f"killed by signal {-exc.exitcode}"
            return None, ("error", f"the worker process died ({why}), e.g. out of memory")
        except Exception as exc:
            return None, ("error", f"{type(exc).__name__}: {exc}")

    def problems(self, case: Case):
        found, failure = self._wait(_problems, self.spec, case.name)
        if failure:
            status, message = failure
            return failed_case(case, self.plan, status, f"setting the case up: {message}"), []
        return found

    def reference(self, case: Case, op: str, dtype: str) -> None:
        _, failure = self._wait(_reference, self.spec, case.name, op, dtype)
        if failure:
            self.failed[(case.name, op, dtype)] = f"the oracle {failure[1]}"

    def cell(self, case: Case, op: str, dtype: str, method, device: str) -> Result:
        failed = self.failed.get((case.name, op, dtype), "")
        args = (self.spec, case.name, op, dtype, method.name, device, failed)
        row, failure = self._wait(_cell, *args)
        if failure:
            return bare_row(case, op, dtype, method, device, *failure)
        return row

    def close(self) -> None:
        if self.pool.active:
            self.pool.stop()
            self.pool.join(timeout=5)
