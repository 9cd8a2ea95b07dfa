"""Issue 32's figures: is what diffcompare times as thin as the library it times?

    python benchmarks/harness.py          # about four minutes here; rewrites its section
                                          # of docs/performance.md

Every comparison times both sides with torch.utils.benchmark's Timer (blocked_autorange),
one thread, in interleaved rounds (A, B, A, B, ...), and quotes the median of the
per-round ratios with their range. "Plain" is what a user writes without diffcompare:
the case's own function called on the library's own inputs: with ``xp=torch`` for
torch, as it stands (its default ``xp``) for NumPy.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np
import torch
import torch.utils.benchmark as tb
from page import replaced  # benchmarks/page.py, beside this script
from tabulate import tabulate

from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.methods import by_name
from diffcompare.methods.tolerance import eps
from diffcompare.runner import threads
from diffcompare.runner.environment import describe
from diffcompare.runner.timing import Budget, measure

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## The harness against the libraries it times"
ROUNDS = 7
MIN_RUN_S = 0.05
FAMILIES = ("rosenbrock", "mlp_loss")
SPREAD: list[float] = []  # the thread rounds' extreme ratios


def timer(fn, num_threads: int = 1) -> float:
    t = tb.Timer(stmt="fn()", globals={"fn": fn}, num_threads=num_threads)
    return t.blocked_autorange(min_run_time=MIN_RUN_S).median


def interleaved(ours, plain, rounds: int = ROUNDS, time=timer) -> tuple[float, float, float]:
    """Median, min and max over rounds of time(ours) / time(plain), the two in turn."""
    ours(), plain()
    ratios = []
    for _ in range(rounds):
        ratios.append(time(ours) / time(plain))
    return statistics.median(ratios), min(ratios), max(ratios)


def problems(operator: str = "gradient", dtype: str = "float64"):
    for family in FAMILIES:
        for n in registry.families()[family].sizes:
            case = registry.families()[family].at(n)
            yield case, bind(case, operator, dtype, output_shape(case))


def _leaves(problem, requires_grad=True):
    return {
        k: torch.tensor(problem.theta[a:b].reshape(shape), requires_grad=requires_grad)
        for k, a, b, shape in problem.parts()
    }


def _constants(problem):
    return {
        k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in problem.constants.items()
    }


def _plain_torch(case, problem):
    """A gradient by torch.autograd.grad and by torch.func.jacfwd, as a user writes them."""
    leaves, constants = _leaves(problem), _constants(problem)
    detached = tuple(v.detach() for v in leaves.values())
    argnums = tuple(range(len(detached)))

    def reverse():
        inputs = {k: v.detach().requires_grad_(True) for k, v in leaves.items()}
        out = case.fn(**inputs, **constants, xp=torch)
        return torch.autograd.grad(out, tuple(inputs.values()))

    def loss(*args):
        return case.fn(**dict(zip(leaves, args)), **constants, xp=torch)

    def forward():
        return torch.func.jacfwd(loss, argnums=argnums)(*detached)

    return reverse, forward


def torch_rows() -> list[list]:
    rows = []
    for case, problem in problems():
        reverse, forward = _plain_torch(case, problem)
        for method, plain, what in (
            ("torch", reverse, "torch.autograd.grad"),
            ("torch-forward", forward, "torch.func.jacfwd"),
        ):
            ours = by_name(method).prepare(problem, "cpu")
            r = interleaved(ours.call, plain)
            rows.append(_row(f"{method} gradient, {case.name}", what, r, 1.15))
    return rows


def _plain_stencil(case, problem, offsets, weights, denominator, base):
    """A central (or forward, five-point) difference loop as a user writes it: over each
    input's entries, the step relative to the entry, the function called as it stands
    (its own default ``xp``, diffcompare's NumPy vocabulary for the built-in cases)."""
    inputs = {k: problem.theta[a:b].reshape(shape) for k, a, b, shape in problem.parts()}
    constants = problem.constants

    def gradient():
        f0 = case.fn(**inputs, **constants) if 0 in offsets else None
        out = []
        for key, x in inputs.items():
            g = np.empty(x.size)
            for i in range(x.size):
                h = base * max(1.0, abs(x.flat[i]))
                acc = 0.0
                for c, w in zip(offsets, weights):
                    if c == 0:
                        acc += w * f0
                        continue
                    moved = x.copy()
                    moved.flat[i] += c * h
                    acc += w * case.fn(**{**inputs, key: moved}, **constants)
                g[i] = acc / (denominator * h)
            out.append(g)
        return np.concatenate(out)

    return gradient


def fd_rows() -> list[list]:
    rows = []
    for case, problem in problems():
        for name in ("fd-forward", "fd-central", "fd-5point"):
            method = by_name(name)
            s = method.stencil
            base = eps("float64") ** (1.0 / (s.order + 1))
            plain = _plain_stencil(case, problem, s.offsets, s.weights, s.denominator, base)
            ours = method.prepare(problem, "cpu")
            way = "batched" if "batched" in ours.note else "loop"
            agree = np.max(np.abs(ours.call() - plain())) / np.max(np.abs(plain()))
            r = interleaved(ours.call, plain)
            label = f"{name} gradient, {case.name} ({way}; values {agree:.0e} apart)"
            rows.append(_row(label, "a plain loop of the stencil", r, 1.5))
    return rows


def median_rows() -> list[list]:
    """The median a run reports (runner.timing.measure, the default budget) against
    Timer.blocked_autorange's on the same callable."""
    chosen = [("torch", "rosenbrock_n10"), ("torch", "rosenbrock_n1000"), ("torch", "mlp_loss_n16")]
    chosen += [("fd-central", "rosenbrock_n100"), ("sympy", "rosenbrock_n1000")]
    chosen += [("torch-forward", "rosenbrock_n10"), ("fd-5point", "mlp_loss_n4")]
    return [_median_row(method, name) for method, name in chosen]


def _median_row(method: str, name: str) -> list:
    (case,) = registry.select([name])
    ours = by_name(method).prepare(bind(case, "gradient", "float64", output_shape(case)), "cpu")

    def reported(fn):
        return measure(fn, Budget()).median if fn is ours.call else timer(fn)

    def same():  # the same callable, under another name: the Timer's side
        return ours.call()

    r = interleaved(ours.call, same, time=reported)
    label = f"the reported median, {method} gradient, {name}"
    return _row(label, "Timer.blocked_autorange", r, 1.15, low=0.87)


def thread_rows() -> list[list]:
    rows = []
    for n in (10**3, 10**4, 10**5, 10**6):
        case = registry.families()["rosenbrock"].at(n)
        ours = by_name("torch").prepare(
            bind(case, "gradient", "float64", output_shape(case)), "cpu"
        )
        r = interleaved(ours.call, ours.call, time=_two_then_one())
        rows.append(_row(f"torch gradient, rosenbrock n = {n:.0e}", "2 threads / 1", r, None))
        SPREAD.extend(r[1:])
    return rows


def _two_then_one():
    turn = [0]

    def time(fn):
        turn[0] += 1
        return timer(fn, num_threads=2 if turn[0] % 2 else 1)

    return time


def peer_rows() -> list[list]:
    names = ("rosenbrock_n10", "rosenbrock_n100", "mlp_loss_n4", "mlp_loss_n16")
    return [row for name in names for row in _peer_rows(name)]


def _peer_rows(name: str) -> list[list]:
    import numdifftools as nd
    from scipy import differentiate as sd

    from diffcompare.methods import batch

    (case,) = registry.select([name])
    problem = bind(case, "gradient", "float64", output_shape(case))
    f, x = problem.numpy_function(), problem.theta
    direct = nd.Gradient(f)
    ours = by_name("numdifftools").prepare(problem, "cpu")
    rows = [
        _row(
            f"numdifftools gradient, {name}",
            "nd.Gradient(f)(x)",
            interleaved(ours.call, lambda: direct(x)),
            1.2,
        )
    ]
    fb, _ = batch.batched(problem, f)

    def vectorised(X):
        X = np.asarray(X)
        return fb(np.ascontiguousarray(X.reshape(x.size, -1).T)).reshape(X.shape[1:])

    def pointwise(X):  # how the peer called scipy before: one point at a time
        X = np.asarray(X)
        return np.array([f(p) for p in X.reshape(x.size, -1).T]).reshape(X.shape[1:])

    ours = by_name("scipy-differentiate").prepare(problem, "cpu")
    r = interleaved(ours.call, lambda: sd.jacobian(vectorised, x).df)
    rows.append(
        _row(f"scipy-differentiate gradient, {name}", "scipy's jacobian, vmapped f", r, 1.2)
    )
    r = interleaved(ours.call, lambda: sd.jacobian(pointwise, x).df, rounds=3)
    rows.append(_row(f"scipy-differentiate gradient, {name}", "(before) f point by point", r, None))
    return rows


def _row(check: str, against: str, r: tuple, high: float | None, low: float = 0.0) -> list:
    median, lo, hi = r
    target = "(reported)" if high is None else (f"[{low}, {high}]" if low else f"≤ {high}×")
    met = "" if high is None else ("met" if low <= median <= high else "NOT met")
    return [check, against, target, f"{median:.2f}× ({lo:.2f}–{hi:.2f})", met]


def main() -> int:
    registry.builtin()
    threads.limit(1)
    groups = [
        ("torch against plain torch", torch_rows()),
        ("finite differences against a plain loop", fd_rows()),
        ("the reported median against torch.utils.benchmark", median_rows()),
        ("threads", thread_rows()),
        ("peers against the library called directly", peer_rows()),
    ]
    env = describe()
    head = ["diffcompare's", "against", "target", "ratio: median (range)", ""]
    tables = "\n\n".join(
        f"**{title}**\n\n" + tabulate(rows, head, tablefmt="github") for title, rows in groups
    )
    met = sum(r[-1] == "met" for _, rows in groups for r in rows)
    missed = sum(r[-1] == "NOT met" for _, rows in groups for r in rows)
    section = f"""{HEADING}

Measured {env["timestamp"]} on {env["cpu"]} ({env["cpu_count"]} cores, one thread),
torch {env["torch"]}, commit {env["git_commit"]}, with `python benchmarks/harness.py`.
Each ratio is diffcompare's time over the other side's, both timed by
`torch.utils.benchmark.Timer.blocked_autorange` (the reported median: by the run's own
`runner.timing.measure`, default budget), {ROUNDS} rounds taking turns; the median of the
rounds' ratios, and their range. "Plain" is the case's own function called on the
library's own inputs (with `xp=torch` for torch; as it stands, its default `xp`, for
NumPy), the loop or the library's call written out: no diffcompare harness in it.
{met} targets met, {missed} not met.

{tables}

Two threads against one ranged from {min(SPREAD):.2f}× to {max(SPREAD):.2f}× between
rounds of the same cell here, as the other core was idle or busy: the reason a timed run
uses one thread unless told (`--threads`).
"""
    page = ROOT / "docs" / "performance.md"
    page.write_text(replaced(page.read_text(), HEADING, section))
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
