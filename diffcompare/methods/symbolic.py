"""Symbolic differentiation: SymPy derives, lambdify (with cse) compiles to NumPy."""

from __future__ import annotations

import functools
import time

import numpy as np

from diffcompare.form.problem import Problem
from diffcompare.methods.method import Prepared
from diffcompare.methods.tolerance import tolerance


def dense(shape, indices, values, dtype) -> np.ndarray:
    """The derivative's nonzero entries scattered into a dense array."""
    out = np.zeros(shape, dtype=dtype)
    for index, v in zip(indices, values):
        out[index] = v
    return out


def call_args(problem: Problem, derivation) -> tuple:
    """theta, constants, tangent, cotangent as the compiled function takes them."""
    constants = [
        np.asarray(problem.constants[k]).ravel()
        for k in problem.case.constants
        if k in derivation.trace.constants
    ]
    flat = np.concatenate(constants) if constants else np.zeros(0, problem.np_dtype)
    empty = np.zeros(0, problem.np_dtype)
    tangent = problem.tangent if derivation.tangent else empty
    cotangent = problem.cotangent if derivation.cotangent else empty
    return problem.theta, flat, tangent, cotangent


@functools.cache
def compiled(derivation) -> tuple:
    """The derivative's nonzero entries compiled to NumPy with cse, and the seconds it took
    (once per derivation: float64 and float32 runs share it)."""
    from diffcompare.symbolic import template
    from diffcompare.symbolic.lambdify import NUMPY, lambdify

    cse_s = derivation.cse_seconds  # found here, or by the oracle before: counted either way
    start = time.perf_counter()
    exprs = [e for _, e in derivation.entries]
    f = lambdify(derivation.args, exprs, NUMPY, cse=derivation.cse)
    for part in derivation.parts:
        template.numpy_part(part)  # compiled here, so that prepare time counts it
    return f, cse_s + time.perf_counter() - start


class Sympy:
    name = "sympy"
    family = "symbolic"
    backend = "numpy"
    devices = ("cpu",)

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance(None, dtype, derivative_order)

    def prepare(self, problem: Problem, device: str) -> Prepared:
        from diffcompare.symbolic import template
        from diffcompare.symbolic.expression import derive

        d = derive(problem.case, problem.operator)  # cached: the oracle may have derived it
        f, compile_s = compiled(d)
        indices = [i for i, _ in d.entries]
        args = call_args(problem, d)
        shape, dtype = d.shape, problem.np_dtype
        primal = problem.numpy_function()

        add = template.adder(d.parts, len(shape))  # the repeated terms, over vectors
        theta = problem.theta

        def call():
            out = dense(shape, indices, f(*args) if indices else (), dtype)
            add(theta, out)
            return out

        note = f"{d.ops_count} operations in the derivative before cse"
        return Prepared(
            call=call,
            to_numpy=np.asarray,
            primal=lambda: primal(problem.theta),
            prepare_s=d.seconds + compile_s,
            note=f"{note}; {d.structure}" if d.structure else note,
        )
