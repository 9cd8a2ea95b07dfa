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
    assert row["reference"] == "sympy-mpmath"


def test_sympy_s_cross_check_has_a_budget_of_its_own(monkeypatch):
    """Past it the AD oracle's reference stands, said so, instead of no reference."""
    monkeypatch.setattr(selection, "CROSS_CHECK_S", 1e-6)

    def slow(p):
        import time

        time.sleep(0.05)
        raise AssertionError("not reached: the budget stops it first")

    monkeypatch.setattr(selection.sympy_mpmath, "evaluate", slow)
    c = registry.get("gradbench_det")
    ref = selection.reference(bind(c, "gradient", "float64", output_shape(c)))
    assert ref.kind == "mpmath-ad"
    assert "SymPy's cross-check of the AD oracle ran past" in ref.note
    assert np.allclose(
        ref.hi.reshape(5, 5), np.linalg.det(c.inputs["A"]) * np.linalg.inv(c.inputs["A"]).T
    )
