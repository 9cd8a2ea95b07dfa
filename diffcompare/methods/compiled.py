"""Reverse mode under ``torch.compile``: the compile-versus-run trade, measured.

f is compiled (Dynamo traces it, AOTAutograd derives its backward graph, the backend
generates code) inside ``prepare``, so compiling is ``prepare_s``, the first call after it
``first_call_s``, and the steady median what a training loop pays per step; the break-even
against eager torch follows from the three. Dynamo's caches are reset before each cell,
so no cell runs on a graph compiled for another, and a cell never falls back to eager
for having passed Dynamo's recompile limit. Asked for by name (``--method torch-compile``):
inductor's compile takes seconds per cell.
"""

from __future__ import annotations

import os

from diffcompare.errors import Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.problem import Problem
from diffcompare.methods.autograd import Reverse
from diffcompare.methods.method import Prepared

# inductor (generated C++ or Triton) is what torch.compile means; aot_eager traces and
# derives without generating code (the tests use it: the same path, a second to compile)
BACKEND = os.environ.get("DIFFCOMPARE_COMPILE_BACKEND", "inductor")


class Compiled(Reverse):
    name = "torch-compile"

    @property
    def notes(self) -> dict:
        note = f"torch.compile(f, backend={BACKEND!r}), reverse mode through the compiled f"
        return {op: note for op in ("derivative", "gradient", "jacobian", "vjp")}

    def prepare(self, problem: Problem, device: str) -> Prepared:
        if ops.order(problem.operator) != 1 or problem.operator == "jvp":
            raise Unsupported(
                "torch.compile has no double backward (AOTAutograd): no second order, and no "
                "jvp (reverse mode's jvp is a vjp of a vjp)"
            )
        import torch._dynamo

        torch._dynamo.reset()
        prepared = super().prepare(problem, device)
        prepared.call()  # compiles: inside prepare, so prepare_s holds the compile
        return prepared

    @staticmethod
    def operator(op, F, theta, tangent, cotangent, by_inputs=None):
        import torch

        compiled = torch.compile(F, backend=BACKEND, dynamic=False)
        # by_inputs (each input a leaf of its own) would bypass the compiled F
        return Reverse.operator(op, compiled, theta, tangent, cotangent, by_inputs=None)
