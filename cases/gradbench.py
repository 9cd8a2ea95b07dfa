"""GradBench's evals (github.com/gradbench/gradbench) as cases: hello, llsq, lse, det,
kmeans, gmm, ode, particle and lstm, each at GradBench's smallest default workload but
lstm's (see its docstring), with its inputs drawn as GradBench's Python harness draws them
(``evals/<eval>/run.py``: NumPy's legacy generator seeded 31337, gmm's
``default_rng(31337)``; lstm, which GradBench draws unseeded, from the same seed). Not in
the default run (``--tag gradbench`` loads them): their oracles and SymPy traces take
seconds to a minute each.

Each docstring names the workload and GradBench's own figure for PyTorch, derivative ÷
primal time, from its nightly summary of 2026-03-14 (branch ``nightly``, commit c8a22ed,
``evals/<eval>/summary.json``), where it has one: ``benchmarks/gradbench.py`` measures
this machine's torch beside it (docs/performance.md). Not ported: ba (its smallest data
file, ba1, makes a 63,686 × 55,710 Jacobian: no dense oracle holds it), ht (a skinned
hand mesh read from ADBench's model files), saddle (an argmin, as particle's output is).
"""

import math
from pathlib import Path

import numpy as np
from scipy.special import multigammaln

from diffcompare import case, xnp

GRADBENCH = ["gradbench"]
SEED = 31337
# GradBench's nightly, 2026-03-14: PyTorch's derivative ÷ primal at the workload used here,
# or at the one named in PUBLISHED_AT where the theme's is smaller
PUBLISHED = {"lse": 11.22, "kmeans": 15091.3, "gmm": 1.76, "lstm": 2.2}
PUBLISHED_AT = {"lstm": "c=1024"}


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


def _ode_input(n=1000):
    return {"x": _legacy(n)}


@case(inputs=_ode_input(), tags=[*GRADBENCH, "gradient"])
def gradbench_ode(x, s=1, xp=xnp):
    """ode n=1000, s=1: y′₀ = x₀, y′ᵢ = xᵢ yᵢ₋₁, y(0) = 0, s Runge–Kutta steps to t = 2,
    and the derivative of the last yₙ₋₁ (GradBench's ode.hpp; no PyTorch figure in its
    nightly). Each step reaches four entries further, so yᵢ is zero for i ≥ 4s: at every
    workload GradBench runs (n ≥ 1000, s ≤ 100) the gradient is exactly zero, and the
    eval times a tape whose adjoints are all zero."""

    def rate(y):
        return xp.concatenate([x[:1], x[1:] * y[:-1]])

    h = 2.0 / s
    y = 0.0 * x
    for _ in range(s):
        k1 = rate(y)
        k2 = rate(y + h * k1 / 2)
        k3 = rate(y + h * k2 / 2)
        k4 = rate(y + h * k3)
        y = y + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return y[-1]


@case(inputs={"w": 0.0}, tags=[*GRADBENCH, "scalar", "control-flow"])
def gradbench_particle(w, xp=xnp):
    """particle at w = 0: a unit charge from (0, 8) at velocity (0.75, 0), pushed by
    charges at (10, 0) and (10, 10 − w), Euler steps of 0.1 until it crosses the x-axis,
    then x₁ at the crossing, squared (GradBench's particle.cpp). GradBench takes ∇ₓ of
    the potential by AD inside the loop and returns the argmin of this objective by
    gradient descent; here ∇ₓ 1/‖x − c‖ = −(x − c)/‖x − c‖³ is written out and the case is
    the objective whose derivative that descent takes first (no PyTorch figure)."""
    x1, x2, v1, v2, dt = 0.0, 8.0, 0.75, 0.0, 0.1
    for _ in range(1_000_000):
        a1, a2 = 0.0, 0.0  # the acceleration, −∇ₓ p
        for c1, c2 in ((10.0, 0.0), (10.0, 10.0 - w)):
            r3 = xp.sqrt((x1 - c1) ** 2 + (x2 - c2) ** 2) ** 3
            a1, a2 = a1 + (x1 - c1) / r3, a2 + (x2 - c2) / r3
        x1_next, x2_next = x1 + dt * v1, x2 + dt * v2
        if x2_next < 0:
            break
        x1, x2, v1, v2 = x1_next, x2_next, v1 + dt * a1, v2 + dt * a2
    x1_final = x1 - x2 / v2 * v1
    return x1_final * x1_final


SONNETS = Path(__file__).with_name("sonnets.txt")


def _lstm_input(l=2, c=128):
    """GradBench's gen_lstm: the text's first c characters as rows of bits, then state,
    weights and extra weights drawn in that order (GradBench draws them unseeded; here from
    np.random.seed(31337), as its other evals)."""
    text = SONNETS.read_text(encoding="utf8")[:c]
    bits = math.ceil(math.log2(max(ord(ch) for ch in text)))
    sequence = np.array([[int(b) for b in bin(ord(ch))[2:].zfill(bits)] for ch in text], float)
    rng = np.random.RandomState(SEED)
    state = rng.random_sample((2 * l, bits))
    main = rng.random_sample((2 * l, 4 * bits))
    extra = rng.random_sample((3, bits))
    return {"main_params": main, "extra_params": extra, "state": state, "sequence": sequence}


@case(inputs=_lstm_input(), wrt=["main_params", "extra_params"], tags=[*GRADBENCH, "gradient"])
def gradbench_lstm(main_params, extra_params, state, sequence, xp=xnp):
    """lstm l=2, c=128: a two-layer LSTM reads the first c characters of Shakespeare's
    sonnets (GradBench's text), 14 bits a character, and scores its prediction of each next
    one: −Σₜ Σᵢ yᵢ (ŷᵢ − log(2 + Σⱼ exp ŷⱼ)) / ((c − 1) · 14), the "+ 2" as GradBench's
    lstm.hpp has it. GradBench's smallest workload is c = 1024 (its PyTorch jacobian ÷
    objective there: 2.2): on this machine the 50-digit oracle alone takes a minute at
    c = 1024, and central differences 532 calls of 0.1 s, so the theme reads 128
    characters, the same loop one eighth as long."""
    b = sequence.shape[1]
    hidden = [state[2 * i] for i in range(state.shape[0] // 2)]
    cell = [state[2 * i + 1] for i in range(state.shape[0] // 2)]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        x = sequence[t] * extra_params[0]
        for i in range(len(hidden)):
            w, bias = main_params[2 * i], main_params[2 * i + 1]
            forget = xp.sigmoid(x * w[:b] + bias[:b])
            ingate = xp.sigmoid(hidden[i] * w[b : 2 * b] + bias[b : 2 * b])
            outgate = xp.sigmoid(x * w[2 * b : 3 * b] + bias[2 * b : 3 * b])
            change = xp.tanh(hidden[i] * w[3 * b :] + bias[3 * b :])
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * xp.tanh(cell[i])
            x = hidden[i]
        predicted = x * extra_params[1] + extra_params[2]
        normalised = predicted - xp.log(2.0 + xp.sum(xp.exp(predicted)))
        total = total + xp.sum(sequence[t + 1] * normalised)
    return -total / ((sequence.shape[0] - 1) * b)
