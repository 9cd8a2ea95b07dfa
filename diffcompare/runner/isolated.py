"""Cells in a spawned worker process (pebble), each under a time limit, the worker under a
memory limit; a worker that dies costs its cell only.

``Isolated`` runs every cell in one spawned worker process (pebble's ProcessPool) with
a time limit per cell and a memory limit on the worker (RLIMIT_DATA, set above what the
worker holds once it has imported torch and SymPy, over a GiB with a CUDA build of
torch, and started CUDA if the run uses it): a cell that hangs, or a case
that allocates without end, costs that cell (a ``timeout`` or ``error`` row); the run
goes on. The worker enforces the time limit itself (SIGALRM) and keeps its caches;
the parent replaces it only past the limit and a grace period, or past its memory. The
worker is started once and keeps its caches (SymPy derivations, references), so
isolation costs a process start and a little pickling per cell.
"""

from __future__ import annotations

import pickle
import signal
from dataclasses import dataclass, replace

from diffcompare import interrupt
from diffcompare.deadline import passes
from diffcompare.errors import CaseError
from diffcompare.form import registry
from diffcompare.form.registry import Case
from diffcompare.methods import by_name
from diffcompare.runner import footprint, threads
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

    def load(self) -> str:
        """Register the cases in this process: '' or why they do not load."""
        try:
            if self.builtin:
                registry.builtin()
            for spec in self.specs:
                registry.load(spec)
        except BaseException as exc:  # noqa: BLE001 — SystemExit at import included
            return str(exc) if isinstance(exc, CaseError) else f"{type(exc).__name__}: {exc}"
        return ""


_WORKERS: dict[bytes, InProcess] = {}  # in the worker process: one runner per plan
_BROKEN: list[str] = []  # in the worker process: why its cases could not be loaded
_LIMIT: list[float | None] = [None]  # in the worker process: the time limit it enforces


def grace(timeout: float) -> float:
    """How long past the time limit the parent waits before it replaces the worker: the
    worker stops Python code at the limit itself (SIGALRM) and keeps what it has derived
    and referenced; only code that does not return to Python (a long call into C, a case
    that swallows the interrupt) costs the worker."""
    return min(max(1.0, 0.25 * timeout), 10.0)


def _data_bytes() -> int:
    """This process's data segment (VmData): what RLIMIT_DATA counts."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _start(
    sources: Sources,
    memory_mb: int | None,
    cuda: bool = False,
    methods: tuple[str, ...] = (),
    timeout: float | None = None,
    thread_count: int | None = 1,
) -> None:
    """Runs once in each new worker process: cases, the heavy imports (done here, while
    the parent does its own, rather than inside the first cell's timing), CUDA's context
    if the run may use it, the methods' one-time setup (a replaced worker would otherwise
    charge it to its first cell's time limit), then the memory limit: memory_mb above
    what all that holds. Cases that load in the parent but not here (a file that reads
    its own process's state) are kept as the reason every task then gives."""
    import resource

    interrupt.ignore()  # Ctrl-C is the parent's to handle: every interrupt here is a case's
    _LIMIT[0] = timeout
    why = sources.load()
    if why:
        _BROKEN.append(f"the cases do not load in the worker process: {why}")
    threads.limit(thread_count)  # before JAX's import in set_up: XLA reads its flags once
    set_up([by_name(name) for name in methods], cuda)
    if memory_mb:
        limit = _data_bytes() + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _resident() -> int | None:
    if _BROKEN:
        raise CaseError(_BROKEN[0])
    return footprint.resident()


def _runner(plan: bytes) -> InProcess:
    if _BROKEN:
        raise CaseError(_BROKEN[0])
    if plan not in _WORKERS:
        _WORKERS.clear()
        _WORKERS[plan] = InProcess(pickle.loads(plan), timeout=_LIMIT[0])
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


def death(exitcode: int | None) -> str:
    """How a worker ended, in words: the signal by name, and only what it is known for."""
    if exitcode is None:
        return "the worker process died"
    if exitcode >= 0:
        return f"the worker process exited with code {exitcode} (the case ended its process)"
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        return f"the worker process was killed by signal {-exitcode}"
    known = {
        "SIGKILL": "sent by the kernel's out-of-memory killer, or by kill -9",
        "SIGSEGV": "a crash in compiled code",
        "SIGBUS": "a crash in compiled code, or a mapped file that shrank",
        "SIGABRT": "compiled code called abort()",
        "SIGFPE": "an arithmetic fault in compiled code",
        "SIGTERM": "asked to stop from outside",
    }
    why = f": {known[name]}" if name in known else ""
    return f"the worker process was killed by {name}{why}"


_BROKEN_POOL = ("error", "the worker pool broke")


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
        thread_count: int | None = 1,
    ):
        """Starts the worker at once (it imports while the caller sets up); ``bind``
        gives it the plan. cuda: the plan may run cells on CUDA (start its context);
        methods: the plan's methods, set up in each worker before its first cell;
        thread_count: the plan's threads, limited in each worker before that set-up."""
        self.timeout = timeout
        self.hard = timeout + grace(timeout)  # the worker's own limit fires first
        self.memory_mb = memory_mb
        self.initargs = (sources, memory_mb, cuda, tuple(methods), timeout, thread_count)
        self.failed: dict = {}  # (case, operator, dtype) -> why its oracle failed
        self.watch = footprint.Watch() if memory_mb else None
        self.limit: int | None = None  # resident bytes past which the worker is killed
        self._pool()
        self.warm = self.pool.schedule(_resident)  # starts the worker now

    def _pool(self) -> None:
        import multiprocessing

        from pebble import ProcessPool

        self.pool = ProcessPool(
            max_workers=1,
            initializer=_start,
            initargs=self.initargs,
            context=multiprocessing.get_context("spawn"),  # no fork after torch's threads
        )

    def _renew(self) -> None:
        """A pool that broke (its worker killed between tasks): a new one."""
        self._stop_pool()
        self._pool()

    def _pid(self) -> int | None:
        try:
            workers = self.pool._pool_manager.worker_manager.workers  # pebble's, by pid
            return next(iter(tuple(workers)), None)
        except (AttributeError, RuntimeError):  # another pebble, or changing under us
            return None

    def bind(self, plan: Plan) -> Isolated:
        self.plan = plan
        self.spec = pickle.dumps(replace(plan, cases=()))
        if self.watch and self.limit is None:
            self.limit = self._limit()
        return self

    def _limit(self) -> int | None:
        """Resident bytes past which the worker is stopped: the memory limit above what
        the first worker held once set up (None where /proc cannot tell)."""
        try:
            base = self.warm.result()
        except CaseError:
            raise  # the cases do not load in the worker: the run cannot go on
        except BaseException as exc:
            if passes(exc):
                raise
            return None  # a worker that died starting: its cells will say so
        return None if base is None else base + self.memory_mb * 2**20

    def _wait(self, fn, *args):
        """(result, None) or (None, (status, message)). A pool that broke before the task
        started (its worker killed between tasks, or while starting) is renewed and the
        task given once more: it has not run."""
        result, failure = self._once(fn, *args)
        if failure == _BROKEN_POOL:
            result, failure = self._once(fn, *args)
        if failure == _BROKEN_POOL:
            failure = ("error", "the worker process died before the cell could start, twice")
        return result, failure

    def _once(self, fn, *args):
        from concurrent.futures import TimeoutError

        from pebble import ProcessExpired

        try:
            future = self.pool.schedule(fn, args=args, timeout=self.hard)
        except RuntimeError:  # the pool broke while idle: its worker died between tasks
            self._renew()
            future = self.pool.schedule(fn, args=args, timeout=self.hard)
        if self.watch and self.limit:
            self.watch.arm(self._pid, self.limit)
        try:
            return future.result(), None
        except TimeoutError:
            return None, (
                "timeout",
                f"ran past the time limit of {self.timeout:g} s (its worker was replaced)",
            )
        except ProcessExpired as exc:
            seen = self.watch.disarm() if self.watch else None
            if seen is not None:
                return None, (
                    "error",
                    f"the worker process passed the memory limit ({seen / 2**20:.0f} MiB "
                    f"resident, shared memory included; --memory-limit {self.memory_mb}) "
                    "and was stopped",
                )
            return None, ("error", death(exc.exitcode))
        except CaseError:
            raise  # the cases do not load in the worker: the run cannot go on
        except BaseException as exc:
            if passes(exc):
                raise
            if getattr(exc, "traceback", None) is None:  # the pool's own failure
                self._renew()
                return None, _BROKEN_POOL
            return None, ("error", f"{type(exc).__name__}: {exc}")
        finally:
            if self.watch:
                self.watch.disarm()

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
            row = bare_row(case, op, dtype, method, device, *failure)
            return replace(row, threads=self.plan.threads)
        return row

    def _stop_pool(self) -> None:
        if self.pool.active:
            self.pool.stop()
            self.pool.join(timeout=5)

    def close(self) -> None:
        self._stop_pool()
        if self.watch:
            self.watch.stop()
