"""Cells in a spawned worker process (pebble), each under a time limit, the worker under a
memory limit; a worker that dies costs its cell only.

``Isolated`` runs every cell in one spawned worker process (pebble's ProcessPool) with
a time limit per cell and a memory limit on the worker (RLIMIT_DATA, set above what the
worker holds once it has imported torch and SymPy, over a GiB with a CUDA build of
torch, and started CUDA if the run uses it): a cell that hangs, or a case
that allocates without end, costs that cell (a ``timeout`` or ``error`` row) and the
worker is replaced; the run goes on. The worker is started once and keeps its caches
(SymPy derivations, references), so isolation costs a process start
and a little pickling per cell.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, replace

from diffcompare.form import registry
from diffcompare.form.registry import Case
from diffcompare.methods import by_name
from diffcompare.runner.cell import bare_row
from diffcompare.runner.executor import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, InProcess
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import failed_case
from diffcompare.runner.result import Result
from diffcompare.runner.setup import set_up


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
