"""Cells run in this process (``InProcess``): for tests, libraries and ``--isolation none``.

An optional SIGALRM time limit stops Python code that runs long; there is no memory limit.
``InProcess`` keeps what a run computes once per problem (its problems, its references),
and is what the isolated worker runs inside its own process (``runner.isolated``).
"""

from __future__ import annotations

import traceback

import numpy as np

from diffcompare.form.registry import Case
from diffcompare.runner.cell import Cells, bare_row
from diffcompare.runner.deadline import TimedOut, deadline
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
