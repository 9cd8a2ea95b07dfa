"""Every cell of a plan, case by case, through an executor; rows stream to a callback.

An executor with ``lanes()`` (a Dask cluster, ``runner.cluster``) runs one case per lane
at a time, the lanes side by side; the rows come back in the plan's order all the same."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from diffcompare import interrupt
from diffcompare.runner.environment import describe
from diffcompare.runner.plan import Plan, pairs
from diffcompare.runner.result import Result, Results


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

    from diffcompare.runner.executor import InProcess

    worker = worker or InProcess(plan)
    done = done or {}
    by_case: dict[str, dict[tuple, Result]] = {c.name: {} for c in plan.cases}
    lock = threading.Lock()
    here = socket.gethostname()

    stopped = threading.Event()  # Ctrl-C: a lane's row after it is not in the report

    def emit(row: Result) -> None:
        with lock:
            if stopped.is_set() or row.key in by_case[row.case]:
                return  # a case started again on another lane: its finished rows stand
            if not row.host:
                row = replace(row, host=here)
            by_case[row.case][row.key] = row
            if on_row and row.key not in done:
                on_row(row)

    def finished(key) -> bool:
        with lock:
            return key in by_case[key[0]]  # a key starts with its case's name

    bar = tqdm(
        total=len(plan.cases),
        desc="diffcompare",
        unit="case",
        disable=not progress or None,
        leave=False,
    )
    try:
        with interrupt.watching():  # the user's Ctrl-C, told from a case's
            lanes = worker.lanes() if hasattr(worker, "lanes") else None
            if lanes is None:
                for case in plan.cases:
                    bar.set_postfix_str(case.name)
                    _case(worker, case, plan, done, emit, finished)
                    bar.update()
            else:
                _side_by_side(lanes, plan, done, emit, finished, bar)
    except KeyboardInterrupt:
        with lock:
            stopped.set()
        raise Interrupted(_results(plan, by_case, worker)) from None
    finally:
        bar.close()
        worker.close()
    return _results(plan, by_case, worker)


def _case(worker, case, plan: Plan, done: dict, emit, finished) -> None:
    """One case's rows: those already done as they were, the others computed."""
    keys = {(case.name, "-", m.name, d, dt) for m, d in pairs(plan) for dt in plan.dtypes}
    if keys <= done.keys():  # a case that failed to set up, last time
        for k in sorted(keys):
            emit(done[k])
        return
    failed, found = worker.problems(case)
    for row in failed:
        emit(row)
    for op, dtype in found:
        keys = [(case.name, op, m.name, d, dtype) for m, d in pairs(plan)]
        todo = [k not in done and not finished(k) for k in keys]
        if any(todo):
            worker.reference(case, op, dtype)  # the oracle, once, before the cells
        for (method, device), key, new in zip(pairs(plan), keys, todo):
            if key in done:
                emit(done[key])
            elif new:
                emit(worker.cell(case, op, dtype, method, device))


def _side_by_side(lanes: list, plan: Plan, done: dict, emit, finished, bar) -> None:
    """One thread per lane, each taking the next case; a lane that loses its worker
    puts its case back for the others. Ctrl-C here stops every lane after its cell."""
    from diffcompare.runner.cluster import LaneLost

    cases: queue.Queue = queue.Queue()
    for case in plan.cases:
        cases.put(case)
    stop = threading.Event()
    errors: list[BaseException] = []
    left = [len(plan.cases)]

    def work(lane) -> None:
        while not stop.is_set():
            try:
                case = cases.get_nowait()
            except queue.Empty:
                return
            try:
                _case(lane, case, plan, done, emit, finished)
            except LaneLost:
                cases.put(case)
                return
            except BaseException as exc:  # the run's own failure (its cases do not load)
                errors.append(exc)
                stop.set()
                return
            left[0] -= 1
            bar.update()

    threads = [threading.Thread(target=work, args=(lane,), daemon=True) for lane in lanes]
    for t in threads:
        t.start()
    try:
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.2)
    except KeyboardInterrupt:
        stop.set()
        for lane in lanes:
            lane.cancel()
        raise
    if errors:
        raise errors[0]
    if left[0] and not stop.is_set():
        raise RuntimeError(f"every worker of the cluster was lost with {left[0]} cases to go")


def _results(plan: Plan, by_case: dict, worker) -> Results:
    rows = tuple(row for case in plan.cases for row in by_case[case.name].values())
    about = {c.name: c.doc for c in plan.cases}
    env = describe(with_torch=_uses_torch(plan.methods))
    env["threads"] = plan.threads
    hosts = getattr(worker, "environments", None)
    if hosts is not None:
        env["hosts"] = hosts()
    return Results(env, rows, about)


def _uses_torch(methods: Sequence) -> bool:
    return any(m.backend == "torch" for m in methods)
