"""The Method protocol: what a method is, and the Prepared callable it returns.

The built-in methods are one literal list, ``diffcompare.methods.METHODS``. A method is any
object with this shape (the ``Method`` protocol):

    name          what the tables print: "sympy", "fd-central", "torch", ...
    family        "symbolic", "numeric" or "automatic"
    backend       "numpy" or "torch": where its primal (the plain function) runs
    devices       the devices it can run on
    rtol(dtype, derivative_order) -> the relative error it is allowed (see
                  methods.tolerance: 100 x the theoretical error of its scheme)
    prepare(problem, device) -> Prepared, or raise Unsupported("why")
    set_up()      optional: one-time library setup, run once per process before any
                  cell's time limit starts (torch-forward's first use costs about a second)

``prepare`` does the one-off work (deriving, compiling, choosing steps) and is timed
as ``prepare_s``; ``Prepared.call`` is what the runner times as ``eval_s``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from diffcompare.form.problem import Problem


@dataclass(frozen=True)
class Prepared:
    call: Callable[[], Any]  # computes the derivative; synchronises its device
    to_numpy: Callable[[Any], Any]  # converts call()'s result, outside the timed region
    primal: Callable[[], Any]  # the plain function in the same backend and device
    step: float | None = None  # the step used along the first direction (numeric methods)
    note: str = ""
    prepare_s: float | None = None  # set when part of the preparation was done earlier
    counters: dict = field(default_factory=dict)  # filled by call(): f_evals


class Method(Protocol):
    name: str
    family: str
    backend: str
    devices: tuple[str, ...]

    def rtol(self, dtype: str, derivative_order: int) -> float: ...

    def prepare(self, problem: Problem, device: str) -> Prepared: ...
