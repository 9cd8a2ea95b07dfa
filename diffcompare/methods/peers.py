"""Peer libraries as methods, for seeing diffcompare's schemes beside them.

Installed by the ``peers`` extra; without it each reports ``unsupported: not installed``.
"""

from __future__ import annotations

import functools
import importlib.util
import time

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.form.problem import Problem
from diffcompare.methods.method import Prepared
from diffcompare.methods.stencil import MAX_EVALS, evals_estimate
from diffcompare.methods.symbolic import call_args, dense
from diffcompare.methods.tolerance import tolerance


def _require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise Unsupported(f"not installed (pip install {package}, or the 'peers' extra)")


def _directional(problem: Problem, jac_or_hess: np.ndarray) -> np.ndarray:
    """jvp / vjp / hvp from a full matrix: the peers have no directional operators."""
    op = problem.operator
    if op in ("jvp", "hvp"):
        return jac_or_hess @ problem.tangent
    if op == "vjp":
        return problem.cotangent @ jac_or_hess
    return jac_or_hess.reshape(problem.value_shape)


_NOTE = "the library has no directional operator: from the full matrix"


class _NumericPeer:
    family = "numeric"
    backend = "numpy"
    devices = ("cpu",)

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance(4, dtype, derivative_order)

    def prepare(self, problem: Problem, device: str) -> Prepared:
        self.require()
        full = {"hvp": "hessian", "jvp": "jacobian", "vjp": "jacobian"}  # no directional forms
        need = evals_estimate(problem, self.points, full.get(problem.operator))
        if need > MAX_EVALS:
            raise Unsupported(
                f"{problem.operator} at n={problem.n} needs roughly {need:,} "
                f"function evaluations per call (limit {MAX_EVALS:,})"
            )
        f = problem.numpy_function()
        x = problem.theta
        counters: dict = {}
        compute = self.operator(problem, f, x, counters)
        return Prepared(
            counters=counters,
            call=lambda: _directional(problem, compute()),
            to_numpy=np.asarray,
            primal=lambda: f(x),
            note=_NOTE if problem.operator in ("jvp", "vjp", "hvp") else "",
        )


class Numdifftools(_NumericPeer):
    name = "numdifftools"
    points = 15  # its Richardson steps per direction, roughly

    def require(self):
        _require("numdifftools", "numdifftools")

    def operator(self, problem: Problem, f, x, counters: dict):
        import numdifftools as nd

        scalar_out = problem.out_shape == ()
        if problem.operator == "derivative":
            d = nd.Derivative(lambda s: f(np.reshape(s, x.shape)))
            return lambda: np.asarray(d(x[0]))
        if problem.operator == "second_derivative":
            d = nd.Derivative(lambda s: f(np.reshape(s, x.shape)), n=2)
            return lambda: np.asarray(d(x[0]))
        if problem.operator in ("hessian", "hvp"):
            h = nd.Hessian(f)
            return lambda: np.asarray(h(x)).reshape(problem.n, problem.n)
        j = nd.Gradient(f) if scalar_out else nd.Jacobian(f)
        return lambda: np.asarray(j(x)).reshape(problem.m, problem.n)


class ScipyDifferentiate(_NumericPeer):
    name = "scipy-differentiate"
    points = 40  # an 8-point stencil per iteration, up to 5 iterations

    def require(self):
        _require("scipy", "scipy>=1.15")
        try:
            import scipy.differentiate  # noqa: F401
        except ImportError:
            raise Unsupported("not installed: scipy.differentiate needs scipy >= 1.15") from None

    def operator(self, problem: Problem, f, x, counters: dict):
        from scipy import differentiate as sd

        from diffcompare.methods import batch

        m, n = problem.m, problem.n
        fb, why = batch.batched(problem, f)  # scipy is vectorised: give it a vectorised f
        said = (
            "f vectorised by torch.func.vmap, as scipy.differentiate evaluates it"
            if fb
            else f"{why}: f evaluated at scipy's points one by one"
        )
        rows = max(1, batch.CHUNK // n)

        def at(pts: np.ndarray) -> np.ndarray:  # (B, n) points -> (B, m) values
            if fb is None:
                return np.stack([np.reshape(f(p), (m,)) for p in pts])
            return np.concatenate([fb(pts[i : i + rows]) for i in range(0, len(pts), rows)])

        def batched(X):
            # scipy evaluates many points at once along trailing axes
            X = np.asarray(X)
            out = at(np.ascontiguousarray(X.reshape(n, -1).T, dtype=x.dtype)).T
            return out.reshape((m, *X.shape[1:])) if problem.out_shape else out.reshape(X.shape[1:])

        second = problem.operator in ("hessian", "hvp", "second_derivative")

        def compute():
            r = sd.hessian(batched, x) if second else sd.jacobian(batched, x)
            bad = int(np.sum(np.asarray(r.status) != 0))
            if bad:
                counters["note"] = f"scipy did not converge on {bad} of {r.status.size} entries"
                counters["note"] += "; " + said
            else:
                counters["note"] = said
            return np.asarray(r.ddf if second else r.df).reshape(-1, problem.n)

        return compute


@functools.cache
def _symengine_compiled(derivation) -> tuple:
    """Compiled once per derivation (float64 and float32 runs share it), with its seconds."""
    import symengine as se

    start = time.perf_counter()
    try:
        exprs = [se.sympify(e) for _, e in derivation.entries]
        flat_args = [se.sympify(s) for group in derivation.args for s in group]
        f = se.Lambdify(flat_args, exprs or [se.Integer(0)], real=True)
    except Exception as exc:  # functions SymEngine has no numeric form of
        raise Unsupported(f"SymEngine cannot compile the derivative: {exc}") from None
    return f, time.perf_counter() - start


@functools.cache
def _symengine_parts(derivation) -> tuple:
    """The derivation's repeated-term templates (``symbolic.template``), each compiled by
    SymEngine once and evaluated over all its starts in one batched call; without them a
    templated sum (Rosenbrock at n >= 32) had come out as zeros."""
    import symengine as se

    from diffcompare.symbolic import template

    start = time.perf_counter()
    plan = []
    for part in derivation.parts:
        g = part.group
        try:
            f = se.Lambdify(
                [se.sympify(v) for v in g.slots],
                [se.sympify(e) for e in part.derivatives],
                real=True,
            )
        except Exception as exc:
            raise Unsupported(f"SymEngine cannot compile the derivative: {exc}") from None
        reads = g.reads()
        plan.append((f, reads, template.targets(part, reads)))

    def add(theta: np.ndarray, out: np.ndarray) -> None:
        for f, reads, targets in plan:
            values = np.asarray(f(np.stack([theta[r] for r in reads], axis=-1)))
            values = values.reshape(len(reads[0]), -1)
            for where, i in targets:
                out[where] += values[:, i]  # the reads within one slot are distinct

    return add, time.perf_counter() - start


class Symengine:
    """SymPy's trace, differentiated and compiled by SymEngine (C++)."""

    name = "symengine"
    family = "symbolic"
    backend = "numpy"
    devices = ("cpu",)

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance(None, dtype, derivative_order)

    def prepare(self, problem: Problem, device: str) -> Prepared:
        _require("symengine", "symengine")

        from diffcompare.symbolic.expression import derive

        d = derive(problem.case, problem.operator)
        f, compile_s = _symengine_compiled(d)
        add, parts_s = _symengine_parts(d)
        prepare_s = d.seconds + compile_s + parts_s
        indices = [i for i, _ in d.entries]
        args = np.concatenate([np.asarray(a, dtype=np.float64) for a in call_args(problem, d)])
        theta = problem.theta.astype(np.float64)
        shape = d.shape
        primal = problem.numpy_function()

        def call():
            out = dense(shape, indices, f(args) if indices else [], np.float64)
            add(theta, out)  # the repeated terms: each template once, over every start
            return out  # float64 whatever the run's: a float32 row is flagged, not scored

        return Prepared(
            call=call,
            to_numpy=np.asarray,
            primal=lambda: primal(problem.theta),
            prepare_s=prepare_s,
            note="SymEngine evaluates in float64, whatever the run's dtype",
        )
