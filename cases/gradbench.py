"""GradBench's evals (github.com/gradbench/gradbench) as cases: hello, llsq, lse, det,
kmeans and gmm, each at GradBench's smallest default workload, with its inputs drawn as
GradBench's Python harness draws them (``evals/<eval>/run.py``: NumPy's legacy generator
seeded 31337, gmm's ``default_rng(31337)``). Not in the default run (``--tag gradbench``
loads them): their oracles and SymPy traces take seconds to a minute each.

Each docstring names the workload and GradBench's own figure for PyTorch, derivative ÷
primal time, from its nightly summary of 2026-03-14 (branch ``nightly``, commit c8a22ed,
``evals/<eval>/summary.json``), where it has one: ``benchmarks/gradbench.py`` measures
this machine's torch beside it (docs/performance.md). Not ported: lstm (a 1024-character
text), ode and particle (solver loops of thousands of steps), ba and ht (data files).
"""

import math

import numpy as np
from scipy.special import multigammaln

from diffcompare import case, xnp

GRADBENCH = ["gradbench"]
SEED = 31337
# GradBench's nightly, 2026-03-14: PyTorch's derivative ÷ primal at the workload used here
PUBLISHED = {"lse": 11.22, "kmeans": 15091.3, "gmm": 1.76}


def _legacy(*shape):
    """np.random.seed(31337); np.random.rand(*shape): the first draw of GradBench's evals."""
    return np.random.RandomState(SEED).rand(*shape)


@case(inputs={"x": 1.0}, tags=[*GRADBENCH, "scalar"])
def gradbench_hello(x, xp=xnp):
    """hello: square(x) = x·x at x = 1, GradBench's first call (no PyTorch figure)."""
    return x * x


def _llsq_input(n=16, m=128):
    t = -1 + np.arange(n) * 2 / (n - 1)
    return {"x": _legacy(m), "t": t, "s": np.sign(t)}


@case(inputs=_llsq_input(), wrt=["x"], tags=[*GRADBENCH, "gradient"])
def gradbench_llsq(x, t, s, xp=xnp):
    """llsq n=16, m=128: ½ Σᵢ (s(tᵢ) − Σⱼ xⱼ tᵢʲ)², tᵢ = −1 + 2i/(n − 1), s = sign: a
    polynomial least-squares fit of a step, summed as GradBench's loop sums it (no
    PyTorch figure in GradBench's nightly)."""
    residual, power = s, 1.0
    for j in range(x.shape[0]):
        residual = residual - x[j] * power
        power = power * t
    return xp.sum(residual * residual) / 2


@case(inputs={"x": _legacy(2500)}, tags=[*GRADBENCH, "gradient"])
def gradbench_lse(x, xp=xnp):
    """lse n=2500: log Σ exp xᵢ (GradBench's PyTorch derivative ÷ primal: 11.22)."""
    return xp.logsumexp(x)


@case(inputs={"A": _legacy(25).reshape(5, 5)}, tags=[*GRADBENCH, "gradient"])
def gradbench_det(A, xp=xnp):
    """det ell=5: det A of a 5 × 5 matrix (GradBench expands by minors; the value and
    gradient, the cofactors, are the same; no PyTorch figure in GradBench's nightly)."""
    return xp.det(A)


def _kmeans_input(k=10, n=1000, d=8):
    points = _legacy(n, d)
    return {"centroids": points[-k:].copy(), "points": points}


@case(inputs=_kmeans_input(), wrt=["centroids"], tags=[*GRADBENCH, "gradient"])
def gradbench_kmeans(centroids, points, xp=xnp):
    """kmeans k=10, n=1000, d=8: Σᵢ minⱼ ‖pᵢ − cⱼ‖², by the centroids c (GradBench's
    PyTorch derivative ÷ primal: 15091, its first workload, which pays torch's warm-up;
    5.56 at k=10, n=10000, d=8)."""
    diff = points[:, None, :] - centroids[None, :, :]
    return xp.sum(xp.min(xp.sum(diff * diff, axis=2), axis=1))


def _gmm_input(d=2, k=5, n=1000):
    """GradBench's gmm ``generate``: one default_rng(31337), drawn in this order."""
    rng = np.random.default_rng(seed=SEED)
    x = np.array([rng.normal(size=d) for _ in range(n)])
    alpha = rng.normal(size=k)
    mu = np.array([rng.uniform(size=d) for _ in range(k)])
    q = np.array([rng.normal(size=d) for _ in range(k)])
    l = np.array([rng.normal(size=d * (d - 1) // 2) for _ in range(k)])
    return {"alpha": alpha, "mu": mu, "q": q, "l": l, "x": x}


def _lower(d):
    """Where each entry of l sits in Q, below the diagonal, column by column (GradBench's
    order): (row, column) pairs."""
    return [(r, c) for c in range(d - 1) for r in range(c + 1, d)]


@case(inputs=_gmm_input(), wrt=["alpha", "mu", "q", "l"], tags=[*GRADBENCH, "gradient"])
def gradbench_gmm(alpha, mu, q, l, x, xp=xnp):
    """gmm d=2, k=5, n=1000: the log-likelihood of a Gaussian mixture with a Wishart prior
    (m = 0, γ = 1), GradBench's gmm_objective (GradBench's PyTorch jacobian ÷ objective:
    1.76)."""
    n, d = x.shape
    k = alpha.shape[0]
    gamma, m = 1.0, 0
    Qdiags = xp.exp(q)
    sum_qs = xp.sum(q, axis=1)
    centred = x[:, None, :] - mu[None, :, :]  # (n, k, d)
    rows = []  # (Q x̃)ᵢ: Q lower triangular, exp(q) on its diagonal, l below it
    for i in range(d):
        row = Qdiags[None, :, i] * centred[:, :, i]
        for e, (r, c) in enumerate(_lower(d)):
            if r == i:
                row = row + l[None, :, e] * centred[:, :, c]
        rows.append(row)
    Lx = xp.stack(rows, axis=2)
    inner = alpha[None, :] + sum_qs[None, :] - 0.5 * xp.sum(Lx * Lx, axis=2)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    p = d + m + 1
    prior = -xp.sum(
        0.5 * gamma * gamma * (xp.sum(Qdiags * Qdiags, axis=1) + xp.sum(l * l, axis=1)) - m * sum_qs
    ) + k * (p * d * math.log(gamma / math.sqrt(2)) - multigammaln(0.5 * p, d))
    return constant + xp.sum(xp.logsumexp(inner, axis=1)) - n * xp.logsumexp(alpha) + prior
