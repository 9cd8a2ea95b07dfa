"""Which gradient checker catches a wrong derivative: ``diffcompare sweep checkers``.

Each case's true first derivative J (m x n, torch's reverse mode in float64) is mutated in
known ways, seeded: one entry's sign flipped, one entry halved (the factor 2 of d(x²)/dx
dropped), all of J scaled by 1 + 1e-3 and by 1 + 1e-6, one row zeroed, J transposed, two
unequal entries swapped; J itself is the control. Every checker a user would run is then
handed each, in float64 and float32, as the user's derivative:

* ``torch.autograd.gradcheck`` at its defaults, slow and fast mode: the derivative is the
  backward of a custom ``autograd.Function`` whose forward is the case;
* ``scipy.optimize.check_grad`` (scalar f) with the threshold users write, an error of
  1e-5 (the 2-norm of the difference from its forward differences);
* JAX's ``check_grads`` (order 1, reverse mode), where the ``jax`` extra is installed: the
  derivative is a ``custom_vjp``;
* ``diffcompare.check`` with the derivative as ``reference=``;
* the Taylor test (scalar f), f in the row's dtype.

A mutant caught is a checker's success, a control flagged its false alarm. The points,
the mutants' seeds and entries included, are the sweep's JSON, so the study repeats.
"""

from __future__ import annotations

import importlib.util
import time
import warnings
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from diffcompare.form.problem import bind, output
from diffcompare.oracle.taylor import remainder
from diffcompare.runner.environment import describe
from diffcompare.sweep.mutants import MUTANTS, mutate
from diffcompare.sweep.record import Sweep

CHECK_GRAD_THRESHOLD = 1e-5  # what users assert of scipy.optimize.check_grad's error


def _gradcheck(fast: bool):
    def check(problem, Jp: np.ndarray) -> bool:
        import torch

        from diffcompare.form.torch_namespace import TorchNamespace

        dtype = getattr(torch, problem.dtype)
        case, xp, split = problem.case, TorchNamespace(), problem.splitter()
        constants = {
            k: torch.as_tensor(v, dtype=dtype) if isinstance(v, np.ndarray) else v
            for k, v in problem.constants.items()
        }
        wrong = torch.as_tensor(Jp, dtype=dtype)

        class F(torch.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                out = case.fn(**split(t), **constants, xp=xp)
                return torch.as_tensor(out, dtype=dtype).reshape(-1)

            @staticmethod
            def backward(ctx, u):
                return u @ wrong

        x = torch.tensor(problem.theta, dtype=dtype, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its float32 warning: the false alarms say it
            return not torch.autograd.gradcheck(
                F.apply, (x,), fast_mode=fast, raise_exception=False
            )

    return check


def _check_grad(problem, Jp: np.ndarray) -> bool | None:
    if problem.m != 1:
        return None
    from scipy.optimize import check_grad

    f = problem.numpy_function()
    with np.errstate(all="ignore"):
        error = check_grad(lambda t: float(f(t)), lambda t: Jp.reshape(-1), problem.theta)
    return not error < CHECK_GRAD_THRESHOLD


def _check_grads(problem, Jp: np.ndarray) -> bool | None:
    if importlib.util.find_spec("jax") is None:
        return None
    from diffcompare.methods.jax_ad import _jax

    jax = _jax()
    import jax.numpy as jnp
    from jax.test_util import check_grads

    from diffcompare.form.jax_namespace import JaxNamespace

    xp, split = JaxNamespace(), problem.splitter()
    wrong = jnp.asarray(Jp, dtype=problem.np_dtype)

    @jax.custom_vjp
    def F(t):
        return jnp.asarray(problem.case.fn(**split(t), **problem.constants, xp=xp)).reshape(-1)

    F.defvjp(lambda t: (F(t), None), lambda _, u: (u @ wrong,))
    try:
        check_grads(F, (jnp.asarray(problem.theta),), order=1, modes=("rev",))
    except AssertionError:
        return True
    return False


def _diffcompare(problem, Jp: np.ndarray) -> bool:
    from diffcompare.checker import check

    case = problem.case
    inputs = {**case.inputs}
    try:  # the derivative as the user's own, beside torch's row
        check(
            case.fn,
            inputs,
            wrt=case.wrt,
            reference=lambda **_: Jp,
            methods="torch",
            dtype=problem.dtype,
        )
    except AssertionError:
        return True
    return False


def _taylor(problem, Jp: np.ndarray) -> bool | None:
    if problem.m != 1:
        return None
    f = problem.numpy_function()
    with np.errstate(all="ignore"):
        test = remainder(problem.case.name, f, problem.theta, Jp, dtype=problem.dtype)
    return not test.passed


CHECKERS: dict[str, Callable] = {
    "gradcheck": _gradcheck(fast=False),
    "gradcheck fast": _gradcheck(fast=True),
    "check_grad < 1e-5": _check_grad,
    "jax check_grads": _check_grads,
    "diffcompare.check": _diffcompare,
    "taylor test": _taylor,
}


def _truth(problem) -> np.ndarray:
    """J in float64 by torch's reverse mode (the control; what the mutants change)."""
    import torch
    from torch.autograd.functional import jacobian

    from diffcompare.form.torch_namespace import TorchNamespace

    fn, xp, split = problem.case.fn, TorchNamespace(), problem.splitter()
    constants = {
        k: torch.as_tensor(v, dtype=torch.float64) if isinstance(v, np.ndarray) else v
        for k, v in problem.constants.items()
    }

    def F(t):
        return torch.as_tensor(fn(**split(t), **constants, xp=xp)).reshape(-1)

    theta = torch.tensor(problem.theta, dtype=torch.float64)
    return jacobian(F, theta).reshape(problem.m, problem.n).numpy()


def sweep(cases: Sequence, dtypes: Sequence[str] = ("float64", "float32"), seed: int = 0):
    """The study over cases with one differentiated input: every checker on every mutant."""
    points, skipped = [], []
    start = time.perf_counter()
    for case in cases:
        shape, undefined = output(case)
        if undefined or len(case.wrt) != 1 or case.backend == "torch":
            skipped.append(case.name)
            continue
        op = (
            "derivative"
            if case.n == 1 and shape == ()
            else ("gradient" if shape == () else "jacobian")
        )
        truth = _truth(bind(case, op, "float64", shape))
        for dtype in dtypes:
            problem = bind(case, op, dtype, shape)
            for kind in MUTANTS:
                rng = np.random.default_rng(zlib.crc32(f"{seed}:{case.name}:{kind}".encode()))
                Jp, what = mutate(truth, kind, rng)
                if Jp is not None and kind != "control":
                    Jp = Jp.astype(problem.np_dtype)
                    if np.array_equal(Jp, truth.astype(problem.np_dtype)):  # 0 scaled, or
                        Jp, what = None, f"the mutant is J itself in {dtype}"  # 1e-6 in f32
                for name, checker in CHECKERS.items():
                    point = dict(
                        case=case.name,
                        dtype=dtype,
                        mutant=kind,
                        changed=what,
                        checker=name,
                        n=case.n,
                        m=problem.m,
                    )
                    if Jp is None:
                        points.append({**point, "flagged": None, "why": what})
                        continue
                    try:
                        flagged = checker(problem, Jp.astype(problem.np_dtype))
                        why = "" if flagged is not None else "does not apply"
                    except Exception as exc:  # the checker itself fails on this case
                        flagged, why = None, f"{type(exc).__name__}: {str(exc)[:120]}"
                    points.append({**point, "flagged": flagged, "why": why})
    table = _table(points)
    findings = _findings(table, skipped, time.perf_counter() - start)
    for row in table:
        del row["alarmed"]  # named in the findings; the table keeps the counts
    return Sweep(
        "checkers",
        "Which checker catches a wrong derivative (caught / applicable), and its false "
        "alarms on the right one",
        tuple(points),
        tuple(table),
        tuple(findings),
        describe(),
        label="",
    )


def _table(points: list[dict]) -> list[dict]:
    rows = []
    for checker in CHECKERS:
        for dtype in dict.fromkeys(p["dtype"] for p in points):
            row = {"checker": checker, "dtype": dtype}
            for kind in MUTANTS:
                mine = [
                    p
                    for p in points
                    if p["checker"] == checker
                    and p["dtype"] == dtype
                    and p["mutant"] == kind
                    and p["flagged"] is not None
                ]
                hits = sum(p["flagged"] for p in mine)
                row[kind] = f"{hits}/{len(mine)}" if mine else "—"
            row["alarmed"] = [
                p["case"]
                for p in points
                if (p["checker"], p["dtype"], p["mutant"]) == (checker, dtype, "control")
                and p["flagged"]
            ]
            rows.append(row)
    return rows


def _findings(table: list[dict], skipped: list[str], seconds: float) -> list[str]:
    out = []
    for row in table:
        missed = [k for k in MUTANTS[1:] if row[k] != "—" and _ratio(row[k]) < 1]
        alarms = row["control"]
        if missed:
            shown = ", ".join(f"{k} ({row[k]} caught)" for k in missed)
            out.append(f"{row['checker']} ({row['dtype']}) let some through: {shown}")
        if alarms != "—" and _ratio(alarms) > 0:
            where = ", ".join(row["alarmed"][:6]) + (" …" if len(row["alarmed"]) > 6 else "")
            out.append(
                f"{row['checker']} ({row['dtype']}) flagged the right derivative "
                f"in {alarms} cases (false alarms: {where})"
            )
    if not out:
        out.append("every checker caught every mutant, with no false alarm")
    if skipped:
        out.append(
            f"not studied (several inputs, torch-written, or no derivative at the point):"
            f" {', '.join(skipped)}"
        )
    out.append(f"the study took {seconds:.0f} s")
    return out


def _ratio(text: str) -> float:
    hits, total = text.split("/")
    return int(hits) / int(total)
