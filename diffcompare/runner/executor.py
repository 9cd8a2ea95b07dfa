"""Cells run in this process (``InProcess``): for tests, libraries and ``--isolation none``.

An optional SIGALRM time limit stops Python code that runs long; there is no memory limit.
``InProcess`` keeps what a run computes once per problem (its problems, its references),
and is what the isolated worker runs inside its own process (``runner.isolated``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from diffcompare.deadline import TimedOut, deadline
from diffcompare.form.registry import Case
from diffcompare.runner import state, threads
from diffcompare.runner.cell import Cells, bare_row, caught
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import failed_case, problems, reference_for
from diffcompare.runner.result import Result
from diffcompare.runner.setup import set_up

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 4096


class InProcess:
    """Cells run in this process; ``timeout`` (SIGALRM) stops Python code that runs long."""

    def __init__(self, plan: Plan, timeout: float | None = None):
        set_up(plan.methods)
        self.threads = threads.limit(plan.threads)  # before capture: restored to it
        self.state = state.capture()  # what every cell starts from
        self.changed = ""  # a change made while setting a case up, for its next row
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
        finally:
            self._restore(case)
        for p in found:
            self.found[(case.name, p.operator, p.dtype)] = p
        if failed:
            failed, self.changed = [self._noted(row) for row in failed], ""
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
        finally:
            self._restore(case)

    def cell(self, case: Case, op: str, dtype: str, method, device: str) -> Result:
        row = replace(self._cell(case, op, dtype, method, device), threads=self.threads)
        self._restore(case)
        row, self.changed = self._noted(row), ""
        return row

    def _restore(self, case: Case) -> None:
        """Put back the process-wide state the case changed; remember what, for its row."""
        changed = state.restore(self.state)
        if changed:
            said = f"{case.name} changed {', '.join(changed)}; restored before the next cell"
            if said not in self.changed:  # set up, then the cell: the same change once
                self.changed = f"{self.changed}; {said}" if self.changed else said

    def _noted(self, row: Result) -> Result:
        if not self.changed:
            return row
        message = f"{self.changed}; {row.message}" if row.message else self.changed
        return replace(row, message=message)

    def _cell(self, case: Case, op: str, dtype: str, method, device: str) -> Result:
        key = (case.name, op, dtype)
        try:
            with np.errstate(all="ignore"), deadline(self.timeout):
                if key not in self.references:
                    self.reference(case, op, dtype)
                problem = self.found[key]
                return self.cells.cell(problem, method, device, *self.references[key])
        except TimedOut as exc:
            return bare_row(case, op, dtype, method, device, "timeout", str(exc))
        except BaseException as exc:  # the runner turns the expected failures into rows already
            message, tb = caught(exc)
            return bare_row(case, op, dtype, method, device, "error", message, tb)

    def close(self) -> None:
        threads.release()  # this process is the caller's: its own thread count again
