"""Automatic differentiation with JAX, beside torch: reverse mode (``jax``: ``grad``,
``jacrev``, ``hessian``) and forward mode (``jax-forward``: ``jvp``, ``jacfwd``), each
jitted, on the CPU and, where JAX has one, the GPU.

Installed by the ``jax`` extra; without it every row is ``unsupported: jax is not
installed``. The derivative is compiled ahead of time (``jit(...).lower(...).compile()``)
inside ``prepare``, so XLA's compile time is ``prepare_s`` and the first call, timed apart,
is a plain call. A case whose Python control flow reads traced values cannot be jitted:
it is then differentiated eagerly (as ``jax.grad`` allows), and its row says so.

JAX runs float64 only with ``jax_enable_x64``, a process-wide switch: each prepare turns
it on (a float32 row still computes in float32: its inputs are float32 arrays).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.form.problem import Problem
from diffcompare.methods.method import Prepared
from diffcompare.methods.tolerance import tolerance

_NOT_INSTALLED = "jax is not installed (pip install 'jax[cpu]', or the 'jax' extra)"


def _jax():
    if importlib.util.find_spec("jax") is None:
        raise Unsupported(_NOT_INSTALLED)
    import jax

    if not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)
    return jax


def _device(jax, device: str):
    if device == "cpu":
        return jax.devices("cpu")[0]
    try:
        return jax.devices("gpu")[0]
    except RuntimeError:
        raise Unsupported("JAX has no GPU backend here (pip install 'jax[cuda12]')") from None


def _untraceable(exc: BaseException) -> bool:
    """A case's Python `if`/`while` on a traced value: jit cannot, eager grad can."""
    import jax

    return isinstance(exc, jax.errors.ConcretizationTypeError)


class NonDeterministic(Exception):  # noqa: N818 — what the row says
    """Two traces of the case differ: jit would freeze the first one's numbers."""


def _traced_alike(jax, F, theta) -> None:
    """The case traced twice gives the same program: a case that draws random numbers
    (or reads a clock) in NumPy would otherwise have one draw compiled in for good, and
    every call would give the same, wrong, numbers."""
    # a fresh function each time: JAX keeps the trace of a function it has seen
    once, again = (jax.make_jaxpr(lambda t: F(t))(theta) for _ in range(2))
    same = str(once) == str(again) and all(
        np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
        for a, b in zip(once.consts, again.consts)
    )
    if not same:
        raise NonDeterministic(
            "non-deterministic: two traces of the case differ (a NumPy random draw?); "
            "jit would compile one trace's numbers in for good"
        )


class _Jax:
    family = "automatic"
    backend = "jax"
    devices = ("cpu", "cuda")

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance(None, dtype, derivative_order)

    @staticmethod
    def set_up() -> None:
        """JAX's import and its first compile (about a second), outside every time limit."""
        jax = _jax()
        jax.jit(jax.grad(lambda t: jax.numpy.sin(t).sum()))(np.zeros(1)).block_until_ready()

    def prepare(self, problem: Problem, device: str) -> Prepared:
        jax = _jax()
        import jax.numpy as jnp

        from diffcompare.form.jax_namespace import JaxNamespace

        if problem.case.backend == "torch":
            raise Unsupported("the case is written in torch: JAX cannot trace it")
        where = _device(jax, device)

        def put(a):
            return jax.device_put(np.asarray(a), where)

        theta = put(problem.theta)
        constants = {
            k: put(v) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v
            for k, v in problem.constants.items()
        }
        xp, fn, split = JaxNamespace(), problem.case.fn, problem.splitter()
        flat = () if problem.out_shape == () else (problem.m,)
        dtype = problem.np_dtype

        def F(t):
            out = fn(**split(t), **constants, xp=xp)
            # a number, not an array of the input's: a constant, in the run's dtype
            out = out if isinstance(out, jax.Array) else jnp.asarray(out, dtype=dtype)
            return out if out.shape == flat else out.reshape(flat)

        direction = problem.tangent if problem.tangent is not None else problem.cotangent
        direction = put(direction if direction is not None else np.zeros(0, dtype))
        if problem.cotangent is not None and flat == ():
            direction = direction.reshape(())
        derivative = self.operator(jax, problem.operator, F)
        note = self.notes.get(problem.operator, "")
        try:
            _traced_alike(jax, F, theta)
            compute = jax.jit(derivative).lower(theta, direction).compile()
            primal = jax.jit(F)  # compiled by the runner's untimed first primal call
        except Exception as exc:
            if not _untraceable(exc):
                raise
            compute, primal = derivative, F  # eager: Python control flow on values works
            note = "; ".join(
                n for n in (note, "not jitted: the case's Python control flow reads values") if n
            )
        shape = problem.value_shape

        def call():
            return compute(theta, direction).block_until_ready()

        return Prepared(
            call=call,
            to_numpy=lambda out: np.asarray(out).reshape(shape),
            primal=lambda: primal(theta).block_until_ready(),
            note=note,
        )


class Reverse(_Jax):
    """Reverse mode: ``jax.grad``, ``jax.jacrev``, ``jax.vjp``; Hessians by ``jax.hessian``."""

    name = "jax"
    notes = {
        "jvp": "reverse mode: J v by the double-vjp trick",
        "hessian": "jax.hessian: forward-over-reverse",
        "hvp": "reverse-over-reverse",
        "second_derivative": "reverse-over-reverse",
    }

    @staticmethod
    def operator(jax, op: str, F):
        def vjp(t, u):
            return jax.vjp(F, t)[1](u)[0]

        def jvp(t, v):  # the pullback is linear in u: its own pullback is J v
            _, pullback = jax.vjp(F, t)
            u = jax.numpy.zeros_like(F(t))
            return jax.vjp(lambda w: pullback(w)[0], u)[1](v)[0]

        def hvp(t, v):  # H symmetric: v^T H = (H v)^T
            return jax.vjp(jax.grad(F), t)[1](v)[0]

        return {
            "derivative": lambda t, _: jax.grad(F)(t),
            "gradient": lambda t, _: jax.grad(F)(t),
            "jacobian": lambda t, _: jax.jacrev(F)(t),
            "jvp": jvp,
            "vjp": vjp,
            "second_derivative": lambda t, _: jax.jacrev(jax.grad(F))(t),
            "hessian": lambda t, _: jax.hessian(F)(t),
            "hvp": hvp,
        }[op]


class Forward(_Jax):
    """Forward mode: ``jax.jvp``, ``jax.jacfwd``."""

    name = "jax-forward"
    notes = {
        "vjp": "forward mode has no vjp: u^T J from the full Jacobian (N JVPs)",
        "hessian": "forward-over-forward",
        "hvp": "forward-over-reverse",
        "second_derivative": "forward-over-forward",
    }

    @staticmethod
    def operator(jax, op: str, F):
        def along_ones(g):
            return lambda t: jax.jvp(g, (t,), (jax.numpy.ones_like(t),))[1]

        def vjp(t, u):
            jac = jax.jacfwd(F)(t)
            return u.reshape(-1) @ jac.reshape(-1, t.size)

        return {
            "derivative": lambda t, _: along_ones(F)(t),
            "gradient": lambda t, _: jax.jacfwd(F)(t),
            "jacobian": lambda t, _: jax.jacfwd(F)(t),
            "jvp": lambda t, v: jax.jvp(F, (t,), (v,))[1],
            "vjp": vjp,
            "second_derivative": lambda t, _: along_ones(along_ones(F))(t),
            "hessian": lambda t, _: jax.jacfwd(jax.jacfwd(F))(t),
            "hvp": lambda t, v: jax.jvp(jax.grad(F), (t,), (v,))[1],
        }[op]
