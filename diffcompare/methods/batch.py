"""Batched evaluation for finite differences: all perturbed points in one call.

A gradient by central differences needs f at 2n points. Called one by one, each call
pays NumPy's per-call overhead, n times over; here the case's torch form is vectorised
over a leading batch axis with ``torch.func.vmap`` and the points go in as one (B, n)
array (in chunks that keep memory bounded). A case that vmap cannot batch (Python
control flow on values, ``.item()``), or whose batched values disagree with the plain
NumPy function, falls back to the loop and the row's note says why.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from diffcompare.form.problem import Problem

# the rule, never a timing: from this many points one vmap call, below it the loop (vmap's
# fixed cost is ~0.1-0.4 ms). The two ways round f differently, so a way chosen by timing
# made a row's values follow the machine's load (fd-richardson: 13.97 and 13.92 digits)
MIN_POINTS = 64
CHUNK = 1 << 22  # numbers per batch (32 MiB of float64)


class Batched:
    """f over the rows of a (B, n) array, returning (B, m)."""

    def __init__(self, fb: Callable, m: int):
        self.fb = fb
        self.m = m

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(self.fb(points)).reshape(len(points), self.m)


def batched(problem: Problem, f: Callable) -> tuple[Batched | None, str]:
    """The batched form of problem's function, or None and the reason it has none.
    ``f`` is the plain NumPy function, to check the batched values against."""
    try:
        import torch
        from torch.func import vmap

        from diffcompare.form.torch_namespace import TorchNamespace
    except ImportError:
        return None, "torch is not installed"
    dtype = getattr(torch, problem.dtype)
    constants = {
        k: torch.as_tensor(v, dtype=dtype)
        if isinstance(v, np.ndarray) and v.dtype.kind == "f"
        else v
        for k, v in problem.constants.items()
    }
    xp, fn = TorchNamespace(), problem.case.fn

    def F(t):
        return torch.as_tensor(fn(**problem.split(t), **constants, xp=xp), dtype=dtype).reshape(-1)

    vf = vmap(F)

    def fb(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return vf(torch.from_numpy(points)).numpy()

    b = Batched(fb, problem.m)
    probe = np.stack([problem.theta, problem.theta * 0.5 + 0.25]).astype(problem.np_dtype)
    try:
        got = b(probe)
    except Exception as exc:  # vmap's refusals are RuntimeErrors of many wordings
        return None, f"torch.func.vmap cannot batch this case ({type(exc).__name__}: {exc})"[:300]
    want = np.stack([np.asarray(f(p), dtype=np.float64).reshape(-1) for p in probe])
    scale = max(float(np.max(np.abs(want), initial=0.0)), 1.0)
    limit = 1e3 * np.finfo(problem.np_dtype).eps * scale
    if got.shape != want.shape or not np.all(np.abs(got - want) <= limit):
        return None, "batched values differ from the NumPy function's; evaluated one by one"
    return b, ""


def first(fb: Batched, f0, x: np.ndarray, steps, stencil) -> np.ndarray:
    """The (m, n) Jacobian by one real stencil along every axis, from batched points.
    Each point is x with h·c added to one coordinate, as the loop computes it; the
    points are built and evaluated in chunks of at most CHUNK numbers."""
    n = x.size
    offsets = [c for c in stencil.offsets if c != 0]
    h = np.asarray(steps, dtype=x.dtype)
    moves = np.concatenate([x.dtype.type(c) * h for c in offsets])  # one per point
    axis = np.tile(np.arange(n), len(offsets))
    values = np.empty((len(moves), fb.m), dtype=x.dtype)
    rows = max(1, CHUNK // n)
    for start in range(0, len(moves), rows):
        stop = min(start + rows, len(moves))
        points = np.repeat(x[None, :], stop - start, axis=0)
        points[np.arange(stop - start), axis[start:stop]] += moves[start:stop]
        values[start:stop] = fb(points)
    values = values.reshape(len(offsets), n, fb.m)
    acc = 0
    for c, w in zip(stencil.offsets, stencil.weights):
        acc = acc + w * (np.asarray(f0).reshape(1, -1) if c == 0 else values[offsets.index(c)])
    return (acc / (stencil.denominator * h[:, None])).T
