"""The three studies reproduce what theory says, and their time limit skips what it should."""

import subprocess
import sys
import time

import numpy as np
import pytest

from diffcompare import xnp
from diffcompare.form import registry
from diffcompare.report import sweep_plots
from diffcompare.sweep import second, size, step, swell
from diffcompare.sweep.record import Sweep
from tests.conftest import FAST


@pytest.fixture(scope="module")
def step_sweep():
    return step.sweep(registry.select(["sin_exp"]), dtypes=["float64"])


@pytest.mark.parametrize("scheme", ["fd-forward", "fd-central", "fd-5point"])
def test_step_sweep_finds_the_theoretical_step_on_sin_exp(step_sweep, scheme):
    (row,) = [r for r in step_sweep.table if r["scheme"] == scheme]
    assert 1 / 3 <= row["best_h"] / row["theory_h"] <= 3
    assert 1 / 10 <= row["best_error"] / row["theory_error"] <= 10
    assert row["within"] is True
    # the lowest point of the measured curve is a grid point, near the fitted bottom
    assert 1 / 10 <= row["lowest_h"] / row["best_h"] <= 10


def test_step_theory_follows_the_powers_of_epsilon():
    (case,) = registry.select(["sin_exp"])
    eps = np.finfo(np.float64).eps
    for scheme, power in (("fd-forward", 1 / 2), ("fd-central", 1 / 3), ("fd-5point", 1 / 5)):
        h, _ = step.theory(case, scheme, "float64")
        assert 0.05 < h / eps**power < 20, scheme
    assert step.theory(case, "complex-step", "float64") is None


def test_complex_step_has_no_v(step_sweep):
    errors = [
        p["error"] for p in step_sweep.points if p["scheme"] == "complex-step" and p["h"] <= 1e-8
    ]
    assert max(errors) < 1e-15  # no round-off arm: small steps stay exact


def test_the_step_sweep_survives_json(step_sweep):
    again = Sweep.from_json(step_sweep.to_json())
    assert again.table == step_sweep.table and again.findings == step_sweep.findings


def test_product_derivative_swells_quadratically():
    pts = [swell.measure("n-factor product", n) for n in (16, 32, 64)]
    k = size.slope([p["n"] for p in pts], [p["df_ops"] for p in pts])
    assert 1.9 < k < 2.15
    assert [p["df_ops"] for p in pts] == [n * (n - 2) for n in (16, 32, 64)]


def test_logistic_map_swells_geometrically_and_expanding_ruins_it():
    pts = [swell.measure("logistic map", n) for n in range(3, 7)]
    g = swell.growth_per_level([p["n"] for p in pts], [p["df_ops"] for p in pts])
    assert g > 2  # each level more than doubles the derivative's tree
    assert all(p["f_ops"] > 2 * q["f_ops"] for p, q in zip(pts[1:], pts))
    assert pts[-1]["df_ops_cse"] < pts[-1]["df_ops"] / 10  # cse keeps it linear-ish
    assert pts[-1]["derived_error"] < 1e-13
    assert pts[-1]["expanded_error"] > 1e3 * pts[-1]["derived_error"]


@pytest.fixture
def slow_family(fresh_names):
    """A sized case whose n = 8 takes long in Python (the deadline interrupts it)."""

    @registry.case(inputs=lambda n: {"x": np.ones(n)}, sizes=[2], name="slow_sum")
    def slow_sum(x, xp=xnp):
        if x.shape[0] >= 8:
            time.sleep(5)
        return xp.sum(x * x)

    fresh_names += ["slow_sum_n2", "slow_sum"]
    return registry.families()["slow_sum"]


def test_size_sweep_skips_larger_sizes_after_a_timeout(slow_family):
    start = time.perf_counter()
    s = size.sweep(
        [slow_family], sizes=(2, 4, 8, 16), methods=("fd-central",), timeout=0.5, budget=FAST
    )
    assert time.perf_counter() - start < 4
    statuses = {p["size"]: p["status"] for p in s.points}
    assert statuses == {2: "ok", 4: "ok", 8: "timeout", 16: "skipped"}
    skipped = next(p for p in s.points if p["size"] == 16)
    assert "n = 8 ran past 0.5 s" in skipped["message"]
    ok = [p for p in s.points if p["status"] == "ok"]
    assert all(p["eval_s"] > 0 and p["cost_ratio"] > 0 for p in ok)


def test_size_sweep_sets_up_as_a_run_does(tmp_path):
    """The process's one-time set-up comes before the first cell, as in a run: it is
    outside every cell's time limit, and torch's own warning from it is not printed.
    (-W default shows every warning, an old matplotlib's deprecations too: only torch's
    count here.)"""
    argv = [sys.executable, "-W", "default", "-m", "diffcompare", "sweep", "size", "--quick"]
    argv += ["--case", "rosenbrock", "--sizes", "10", "--method", "torch-forward"]
    out = subprocess.run([*argv, "--out", tmp_path], check=True, capture_output=True, text=True)
    assert [line for line in out.stderr.splitlines() if "torch" in line] == []


def test_size_sweep_times_reverse_mode_at_a_constant_ratio():
    family = registry.families()["sum_of_squares"]
    s = size.sweep([family], sizes=(10, 100), methods=("torch", "sympy"), budget=FAST)
    assert all(p["status"] == "ok" for p in s.points)
    sympy_rows = [p for p in s.points if p["method"] == "sympy"]
    assert all(p["prepare_s"] > 0 for p in sympy_rows)  # prepare is measured apart


def test_second_sweep_scores_every_way_of_a_hessian_against_the_oracle():
    family = registry.families()["rosenbrock"]
    s = second.sweep([family], sizes=(3, 6), budget=FAST)
    ways = {p["way"] for p in s.points}
    assert ways == {second.GRADIENT, "sympy", *second.WAYS}
    assert all(p["status"] == "ok" and p["passed"] for p in s.points)
    assert {p["operator"] for p in s.points if p["way"] != second.GRADIENT} == {"hessian"}
    for row in s.table:  # each way beside the gradient, as a ratio of the two
        base = row[second.GRADIENT]
        assert row["n backward passes ÷ gradient"] == pytest.approx(row["n backward passes"] / base)
    assert set(sweep_plots.for_sweep(s)) == {"sweep_second_rosenbrock"}
    assert Sweep.from_json(s.to_json()).table == s.table
