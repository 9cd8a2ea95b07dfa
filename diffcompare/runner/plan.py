"""What a run covers: cases x methods x devices x dtypes x operators, and its budget."""

from __future__ import annotations

from dataclasses import dataclass

from diffcompare.form.problem import DTYPES
from diffcompare.form.registry import Case
from diffcompare.runner.timing import Budget


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
    threads: int | None = 1  # of the timed libraries (runner.threads); None: as they are
    timed: bool = True  # False (--no-timing): the accuracy columns only, no timings


def pairs(plan: Plan):
    """(method, device) for every device of every method that the plan asks for."""
    return [(m, d) for m in plan.methods for d in m.devices if d in plan.devices]
