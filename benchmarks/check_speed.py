"""check() against torch's gradcheck and JAX's check_grads, warm, on the same functions.

    python benchmarks/check_speed.py            # prints a table; --write adds it to docs

Each round calls every checker once on every function, in turn, so that a drift of the
shared machine hits them alike; medians over the rounds. check() runs twice per function:
with its default methods (SymPy, fd-central, torch) and with torch alone (the like of
gradcheck, which checks torch's gradient against finite differences).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import diffcompare  # noqa: E402
from diffcompare.runner.environment import describe  # noqa: E402


def _functions(n: int):
    """(name, numpy-style f, torch f, jax f or None) at size n."""
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        jnp = None
    rng = np.random.default_rng(n)
    w = rng.standard_normal((n, 4))
    tw = torch.tensor(w)
    return [
        (
            "tanh²",
            lambda x, xp=np: xp.sum(xp.tanh(x) ** 2),
            lambda x: (torch.tanh(x) ** 2).sum(),
            jnp and (lambda x: (jnp.tanh(x) ** 2).sum()),
        ),
        (
            "logsumexp",
            lambda x, xp=np: xp.logsumexp(x),
            lambda x: torch.logsumexp(x, 0),
            jnp and (lambda x: jax.nn.logsumexp(x)),
        ),
        (
            "rosenbrock",
            lambda x, xp=np: xp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2),
            lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum(),
            jnp and (lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()),
        ),
        (
            "linear layer",
            lambda x, xp=np: xp.sum(xp.tanh(x @ w) ** 2),
            lambda x: (torch.tanh(x @ tw) ** 2).sum(),
            jnp and (lambda x: (jnp.tanh(x @ jnp.asarray(w)) ** 2).sum()),
        ),
        (
            "sin·exp",
            lambda x, xp=np: xp.sum(xp.sin(x) * xp.exp(x / 4)),
            lambda x: (torch.sin(x) * torch.exp(x / 4)).sum(),
            jnp and (lambda x: (jnp.sin(x) * jnp.exp(x / 4)).sum()),
        ),
    ]


def _time(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(sizes=(4, 10, 100), rounds: int = 5) -> list[list]:
    from torch.autograd import gradcheck

    try:
        from jax.test_util import check_grads
    except ImportError:
        check_grads = None
    warnings.simplefilter("ignore")  # an undecided row's warning is not what is timed
    rows = []
    for n in sizes:
        x = np.random.default_rng(0).standard_normal(n)
        for name, f, ft, fj in _functions(n):
            xt = torch.tensor(x, requires_grad=True)
            calls = {
                "check()": lambda f=f, x=x: diffcompare.check(f, {"x": x}),
                "check(torch)": lambda ft=ft, x=x: diffcompare.check(ft, {"x": x}, methods="torch"),
                "gradcheck": lambda ft=ft, xt=xt: gradcheck(ft, (xt,)),
            }
            if check_grads is not None and fj is not None:
                calls["check_grads"] = lambda fj=fj, x=x: check_grads(
                    fj, (x,), order=1, modes=["rev"]
                )
            for call in calls.values():
                call()  # warm: caches, JIT
            times = {k: [] for k in calls}
            for _ in range(rounds):
                for k, call in calls.items():
                    times[k].append(_time(call))
            med = {k: statistics.median(v) for k, v in times.items()}
            base = med["gradcheck"]
            rows.append(
                [f"{name}, n = {n}"]
                + [f"{med[k] * 1e3:.2f} ms ({med[k] / base:.2g}×)" for k in calls]
            )
    return rows


def main(argv=None) -> int:
    from tabulate import tabulate

    args = argparse.ArgumentParser(description=__doc__).parse_args(argv)
    del args
    env = describe(with_torch=True)
    body = measure()
    head = ["function", "check()", "check(torch)", "gradcheck", "check_grads"]
    print(f"Measured {env['timestamp']} on {env['cpu']}, commit {env['git_commit']}\n")
    print(tabulate(body, head[: len(body[0])], tablefmt="github"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
