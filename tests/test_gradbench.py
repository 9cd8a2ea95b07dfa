"""GradBench's evals: each case computes what GradBench's own reference code computes
(its naive gmm log-posterior, its C++ loops, ported here apart from the case), and the
theme loads by its tag."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import scipy
from scipy.special import logsumexp

from diffcompare import xnp
from diffcompare.errors import Unsupported
from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.oracle import selection


@pytest.fixture(scope="module", autouse=True)
def gb():
    """The theme, registered for this module's tests only: imported at collection it
    would join every test parametrized over the registry (test_opcount's count_ops of
    2500 symbols ran for minutes)."""
    import importlib
    import sys

    module = importlib.import_module("diffcompare_cases.gradbench")
    yield module
    for name in [n for n in (c.name for c in registry.all_cases()) if n.startswith("gradbench_")]:
        registry.unregister(name)
    del sys.modules["diffcompare_cases.gradbench"]


def _gmm_log_posterior(*, D, K, N, x, m, gamma, alpha, mu, q, l):
    """GradBench's evals/gmm/run.py ``log_posterior``, the naive density, as it is there."""

    def pdf(x, *, k, mu, Sigma_inverse):
        return np.exp(-(1 / 2) * (x - mu).T @ Sigma_inverse @ (x - mu)) / np.sqrt(
            (2 * np.pi) ** k / np.linalg.det(Sigma_inverse)
        )

    def wishart(X, *, p, n, V):
        return (
            np.linalg.det(X) ** ((n - p - 1) / 2) * np.exp(-np.trace(np.linalg.inv(V) @ X) / 2)
        ) / (
            2 ** ((p * n) / 2)
            * np.linalg.det(V) ** (n / 2)
            * np.exp(scipy.special.multigammaln(n / 2, p))
        )

    phi = np.exp(alpha) / np.sum(np.exp(alpha))
    Q = []
    for k in range(K):
        Qk = np.zeros((D, D))
        ii = 0
        for j in range(D):
            Qk[j, j] = np.exp(q[k][j])
            for i in range(j + 1, D):
                Qk[i, j] = l[k][ii]
                ii += 1
        Q.append(Qk)
    Sigma_inverse = [Qk.T @ Qk for Qk in Q]
    log_likelihood = sum(
        math.log(
            sum(phi[k] * pdf(x[i], k=D, mu=mu[k], Sigma_inverse=Sigma_inverse[k]) for k in range(K))
        )
        for i in range(N)
    )  # a sum of logs: the product of 1000 densities underflows
    prior = 1.0
    for k in range(K):
        prior *= wishart(Sigma_inverse[k], p=D, n=D + m + 1, V=(1 / (gamma * gamma)) * np.eye(D))
    return log_likelihood + math.log(prior)


def _value(name):
    c = registry.get(name)
    return float(c.fn(**c.inputs, xp=xnp)), c.inputs


def test_gmm_is_gradbench_s_log_posterior():
    value, i = _value("gradbench_gmm")
    n, d = i["x"].shape
    expected = _gmm_log_posterior(
        D=d, K=len(i["alpha"]), N=n, x=i["x"], m=0, gamma=1.0,
        alpha=i["alpha"], mu=i["mu"], q=i["q"], l=i["l"],
    )  # fmt: skip
    assert value == pytest.approx(expected, rel=1e-12)


def test_kmeans_llsq_lse_det_are_gradbench_s_loops(gb):
    value, i = _value("gradbench_kmeans")
    p, c = i["points"], i["centroids"]
    assert value == pytest.approx(sum(min(((pi - cj) ** 2).sum() for cj in c) for pi in p))
    value, i = _value("gradbench_llsq")
    n, m = 16, 128
    total = 0.0
    for k in range(n):  # GradBench's llsq.hpp, loop for loop
        t = -1 + k * 2 / (n - 1)
        inner, mul = float((0 < t) - (t < 0)), 1.0
        for j in range(m):
            inner -= i["x"][j] * mul
            mul *= t
        total += inner * inner
    assert value == pytest.approx(total / 2, rel=1e-13)
    assert _value("gradbench_lse")[0] == pytest.approx(logsumexp(i_lse := gb._legacy(2500)))
    assert len(i_lse) == 2500
    assert _value("gradbench_det")[0] == pytest.approx(np.linalg.det(gb._legacy(25).reshape(5, 5)))


def test_the_inputs_are_gradbench_s_draws(gb):
    np.random.seed(gb.SEED)  # GradBench: np.random.seed(31337); np.random.rand(n, d)
    points = np.random.rand(1000, 8)
    inputs = registry.get("gradbench_kmeans").inputs
    assert np.array_equal(inputs["points"], points)
    assert np.array_equal(inputs["centroids"], points[-10:])


def test_the_theme_loads_by_its_tag(tmp_path):
    argv = [sys.executable, "-m", "diffcompare", "run", "--tag", "gradbench", "--case"]
    argv += ["gradbench_det", "--method", "torch", "--dtype", "float64", "--quick"]
    subprocess.run([*argv, "--out", tmp_path, "--no-progress"], check=True, capture_output=True)
    (row,) = json.loads((tmp_path / "results.json").read_text())["results"]
    assert row["case"] == "gradbench_det" and row["passed"] is True
    assert row["reference"] == "arb"


def _uncertified(problem):
    """As if the case could not run on balls: the AD oracle over mpmath answers, and
    SymPy cross-checks it."""
    raise Unsupported("not on balls, for this test")


def test_sympy_s_cross_check_has_a_budget_of_its_own(monkeypatch):
    """Past it the AD oracle's reference stands, said so, instead of no reference."""
    monkeypatch.setattr(selection, "CROSS_CHECK_S", 1e-6)

    def slow(p):
        import time

        time.sleep(0.05)
        raise AssertionError("not reached: the budget stops it first")

    monkeypatch.setattr(selection.sympy_mpmath, "evaluate", slow)
    monkeypatch.setattr(selection.arb_ad, "evaluate", _uncertified)
    c = registry.get("gradbench_det")
    ref = selection.reference(bind(c, "gradient", "float64", output_shape(c)))
    assert ref.kind == "mpmath-ad"
    assert "SymPy's cross-check of the AD oracle ran past" in ref.note
    assert np.allclose(
        ref.hi.reshape(5, 5), np.linalg.det(c.inputs["A"]) * np.linalg.inv(c.inputs["A"]).T
    )


def _ode_loops(x, s):
    """GradBench's ode.hpp, loop for loop: s Runge–Kutta steps to t = 2."""
    n, h = len(x), 2.0 / s

    def rate(y):
        return [x[0]] + [x[i] * y[i - 1] for i in range(1, n)]

    y = [0.0] * n
    for _ in range(s):
        k1 = rate(y)
        k2 = rate([y[i] + h * k1[i] / 2 for i in range(n)])
        k3 = rate([y[i] + h * k2[i] / 2 for i in range(n)])
        k4 = rate([y[i] + h * k3[i] for i in range(n)])
        y = [y[i] + h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6 for i in range(n)]
    return y


def test_ode_is_gradbench_s_runge_kutta_and_its_gradient_is_zero_at_its_workload():
    c = registry.get("gradbench_ode")
    x = c.inputs["x"]
    for n, s in ((3, 1), (6, 2), (9, 3)):  # short enough that the last entry is not zero
        expected = _ode_loops(list(x[:n]), s)[-1]
        assert expected != 0.0
        assert c.fn(x=x[:n], s=s, xp=xnp) == pytest.approx(expected, rel=1e-14)
    ref = selection.reference(bind(c, "gradient", "float64", output_shape(c)))
    assert len(x) == 1000 and not np.any(ref.hi)  # yᵢ is zero for i ≥ 4s


def _particle_loops(w, dt=0.1):
    """GradBench's particle.cpp, loop for loop (its ∇ₓ p by hand)."""
    x1, x2, v1, v2 = 0.0, 8.0, 0.75, 0.0
    for _ in range(1_000_000):
        g1 = g2 = 0.0
        for c1, c2 in ((10.0, 0.0), (10.0, 10.0 - w)):
            d = math.sqrt((c1 - x1) ** 2 + (c2 - x2) ** 2)
            g1, g2 = g1 - (x1 - c1) / d**3, g2 - (x2 - c2) / d**3
        x1n, x2n, v1n, v2n = x1 + dt * v1, x2 + dt * v2, v1 - dt * g1, v2 - dt * g2
        if x2n < 0:
            break
        x1, x2, v1, v2 = x1n, x2n, v1n, v2n
    x1f = x1 + (-x2 / v2) * v1
    return x1f * x1f


def test_particle_is_gradbench_s_objective_and_vanishes_at_its_published_argmin():
    c = registry.get("gradbench_particle")
    for w in (0.0, 0.1, 0.3):
        assert c.fn(w=w, xp=xnp) == pytest.approx(_particle_loops(w), rel=1e-14)
    # GradBench's eval expects its gradient descent from w = 0 to stop at 0.2071918746486116
    assert c.fn(w=0.0, xp=xnp) > 1.0 and c.fn(w=0.2071918746486116, xp=xnp) < 1e-7


def _lstm_loops(main, extra, state, sequence):
    """GradBench's lstm.hpp ``objective``, loop for loop."""
    layers, b = len(state) // 2, sequence.shape[1]
    hidden = [list(state[2 * i]) for i in range(layers)]
    cell = [list(state[2 * i + 1]) for i in range(layers)]

    def sigmoid(v):
        return 1 / (1 + math.exp(-v))

    total, count = 0.0, 0
    for t in range(len(sequence) - 1):
        x = [sequence[t][i] * extra[0][i] for i in range(b)]
        for k in range(layers):
            w, bias = main[2 * k], main[2 * k + 1]
            for i in range(b):
                forget = sigmoid(x[i] * w[i] + bias[i])
                ingate = sigmoid(hidden[k][i] * w[b + i] + bias[b + i])
                outgate = sigmoid(x[i] * w[2 * b + i] + bias[2 * b + i])
                change = math.tanh(hidden[k][i] * w[3 * b + i] + bias[3 * b + i])
                cell[k][i] = cell[k][i] * forget + ingate * change
                hidden[k][i] = outgate * math.tanh(cell[k][i])
            x = hidden[k]
        y = [x[i] * extra[1][i] + extra[2][i] for i in range(b)]
        lse = math.log(sum(math.exp(v) for v in y) + 2)
        total += sum(sequence[t + 1][i] * (y[i] - lse) for i in range(b))
        count += b
    return -total / count


def test_lstm_is_gradbench_s_objective_on_its_text(gb):
    c = registry.get("gradbench_lstm")
    i = c.inputs
    assert c.fn(**i, xp=xnp) == pytest.approx(_lstm_loops(*(i[k] for k in i)), rel=1e-13)
    text = gb.SONNETS.read_text(encoding="utf8")
    assert len(text) == 1024 and text.startswith("THE SONNETS")  # GradBench's first 1024
    bits = [list(map(int, bin(ord(ch))[2:].zfill(14))) for ch in text[:128]]
    assert i["sequence"].shape == (128, 14) and np.array_equal(i["sequence"], bits)
    assert {k: i[k].shape for k in ("main_params", "extra_params", "state")} == {
        "main_params": (4, 56), "extra_params": (3, 14), "state": (4, 14),
    }  # fmt: skip


def test_the_cross_check_ends_before_the_problem_s_own_limit():
    """With 2 s left on the problem's limit, SymPy gets half of it, not its 30 s, and the
    AD oracle's reference stands instead of the whole problem timing out."""
    import time

    from diffcompare.deadline import deadline, left

    def endless(p):
        while True:
            time.sleep(0.01)

    c = registry.get("gradbench_det")
    problem = bind(c, "gradient", "float64", output_shape(c))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(selection.sympy_mpmath, "evaluate", endless)
        mp.setattr(selection.arb_ad, "evaluate", _uncertified)
        with deadline(2.0):
            ref = selection.reference(problem)
            assert 0 < left() < 1.5
    assert ref.kind == "mpmath-ad"
    assert "SymPy's cross-check of the AD oracle ran past" in ref.note
    assert float(ref.note.rsplit("past ", 1)[1].split(" s")[0]) <= 1.0
