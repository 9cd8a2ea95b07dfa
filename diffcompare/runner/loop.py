"""Every cell of a plan, case by case, through an executor; rows stream to a callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    rows: list[Result] = []

    def emit(row: Result) -> None:
        rows.append(row)
        if on_row and row.key not in done:
            on_row(row)

    bar = tqdm(
        plan.cases, desc="diffcompare", unit="case", disable=not progress or None, leave=False
    )
    try:
        with interrupt.watching():  # the user's Ctrl-C, told from a case's
            for case in bar:
                bar.set_postfix_str(case.name)
                keys = {
                    (case.name, "-", m.name, d, dt) for m, d in pairs(plan) for dt in plan.dtypes
                }
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
                        emit(
                            done[key]
                            if key in done
                            else worker.cell(case, op, dtype, method, device)
                        )
    except KeyboardInterrupt:
        raise Interrupted(_results(plan, rows)) from None
    finally:
        worker.close()
    return _results(plan, rows)


def _results(plan: Plan, rows: list[Result]) -> Results:
    about = {c.name: c.doc for c in plan.cases}
    env = describe(with_torch=_uses_torch(plan.methods))
    env["threads"] = plan.threads
    return Results(env, tuple(rows), about)


def _uses_torch(methods: Sequence) -> bool:
    return any(m.backend == "torch" for m in methods)
