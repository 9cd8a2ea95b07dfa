"""Every method on every operator, against derivatives known by hand."""

import os
import subprocess
import sys

import numpy as np
import pytest

from diffcompare import xnp
from diffcompare.form.problem import bind, output_shape
from diffcompare.form.registry import make
from diffcompare.methods import METHODS, tolerance
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST

A = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, -1.0, 4.0]])
M = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0]])


# built with make(), not @case: test cases stay out of the registry the suite tests walk
quadratic = make(
    "t_quadratic",
    lambda x, A, xp=xnp: x @ A @ x,
    {"x": np.array([0.3, -1.2, 0.8]), "A": A},
    wrt=["x"],
)
cubic = make("t_cubic", lambda x, xp=xnp: x**3, {"x": 1.5})
linear_map = make(
    "t_linear_map", lambda x, M, xp=xnp: M @ x, {"x": np.array([0.3, -1.2, 0.8]), "M": M}, wrt=["x"]
)


def expected(problem):
    """The derivative worked out by hand."""
    x, v, u = problem.theta.astype(float), problem.tangent, problem.cotangent
    v = None if v is None else v.astype(float)
    u = None if u is None else u.astype(float)
    H = A + A.T
    return {
        ("t_quadratic", "gradient"): lambda: H @ x,
        ("t_quadratic", "hessian"): lambda: H,
        ("t_quadratic", "hvp"): lambda: H @ v,
        ("t_quadratic", "jvp"): lambda: np.array([(H @ x) @ v]),
        ("t_quadratic", "vjp"): lambda: u[0] * (H @ x),
        ("t_cubic", "derivative"): lambda: np.array(3 * x[0] ** 2),
        ("t_cubic", "second_derivative"): lambda: np.array(6 * x[0]),
        ("t_linear_map", "jacobian"): lambda: M,
        ("t_linear_map", "jvp"): lambda: M @ v,
        ("t_linear_map", "vjp"): lambda: u @ M,
    }[(problem.case.name, problem.operator)]()


PEERS = ("symengine", "numdifftools", "scipy-differentiate")
CELLS = [
    (c, op)
    for c, ops in [
        (quadratic, ["gradient", "hessian", "hvp", "jvp", "vjp"]),
        (cubic, ["derivative", "second_derivative"]),
        (linear_map, ["jacobian", "jvp", "vjp"]),
    ]
    for op in ops
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("c, operator", CELLS, ids=[f"{c.name}-{op}" for c, op in CELLS])
@pytest.mark.parametrize("method", METHODS, ids=[m.name for m in METHODS])
def test_method_matches_hand_derivative(method, c, operator, dtype):
    problem = bind(c, operator, dtype, output_shape(c))
    (row,) = run_case(c, Plan((c,), (method,), operators=(operator,), dtypes=(dtype,), budget=FAST))
    if row.status == "unsupported":
        assert "not installed" in row.message or "no double backward" in row.message, row.message
        pytest.skip(row.message)
    assert row.status == "ok", row.message
    if method.name in PEERS and dtype == "float32" and row.digits is None:
        # numdifftools computes in float64 whatever it is given: flagged, not scored
        assert "computed in float64, not float32" in row.message, row.message
        pytest.skip("a peer that computes in float64 is not scored as float32: " + row.message)
    if method.name == "scipy-differentiate" and dtype == "float32":
        pytest.skip("a peer's float32 accuracy is reported, not required: " + row.message)
    truth = expected(problem)
    value = np.asarray(row.value, dtype=float).reshape(truth.shape)
    scale = max(np.max(np.abs(truth)), 1.0)
    order = 2 if operator in ("hessian", "hvp", "second_derivative") else 1
    assert np.max(np.abs(value - truth)) / scale <= method.rtol(dtype, order)
    assert row.digits is not None and row.reference == "arb"


def test_complex_step_refuses_a_non_analytic_case():
    (row,) = run_case_named("abs_away", "complex-step")
    assert row.status == "unsupported" and "uses absolute" in row.message


def test_finite_differences_count_their_evaluations():
    (row,) = run_case_named("rosenbrock_n10", "fd-central")
    assert row.f_evals == 20
    (row,) = run_case_named("rosenbrock_n10", "fd-forward")
    assert row.f_evals == 11


def run_case_named(name, method_name):
    from diffcompare.form import registry
    from diffcompare.methods import by_name

    c = registry.select([name])[0]
    return run_case(c, Plan((c,), (by_name(method_name),), dtypes=("float64",), budget=FAST))


def test_tolerances_are_ordered_by_scheme():
    from diffcompare.methods import by_name

    order = ["fd-forward", "fd-central", "fd-5point", "sympy"]
    tols = [by_name(n).rtol("float64", 1) for n in order]
    assert tols == sorted(tols, reverse=True)
    assert tolerance.eps("float32") > tolerance.eps("float64")


def test_step_overrides_the_rule():
    from diffcompare.form import registry
    from diffcompare.methods import by_name

    c = registry.select(["sin_exp"])[0]
    rows = {}
    for step in (None, 1e-3):
        plan = Plan((c,), (by_name("fd-central"),), dtypes=("float64",), budget=FAST, step=step)
        (rows[step],) = run_case(c, plan)
    # the step actually taken is (x + h) - x, exactly representable
    assert rows[1e-3].step == pytest.approx(1e-3, rel=1e-12) and rows[None].step < 1e-4
    # central differences err by h^2 f3 / 6 (f3 the third derivative): ~1e-7 at h = 1e-3
    assert 6 < rows[1e-3].digits < 8 < rows[None].digits


@pytest.mark.parametrize("name", ["symengine", "numdifftools", "scipy-differentiate"])
def test_a_missing_peer_is_unsupported_not_installed(monkeypatch, name):
    import importlib.util

    from diffcompare.methods import by_name

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda mod, *a: None if mod in ("symengine", "numdifftools", "scipy") else real(mod, *a),
    )
    (row,) = run_case(
        quadratic, Plan((quadratic,), (by_name(name),), dtypes=("float64",), budget=FAST)
    )
    assert row.status == "unsupported" and "not installed" in row.message


def _graph(out) -> set[str]:
    """The names of the autograd nodes behind a tensor."""
    seen, todo = set(), [out.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and type(node).__name__ not in seen:
            seen.add(type(node).__name__)
            todo += [n for n, _ in node.next_functions]
    return seen


def test_an_input_that_is_all_of_theta_is_not_sliced_out_of_it():
    # a slice costs reverse mode a zero-filled copy of the gradient on every call
    import torch

    pair = make("t_pair", lambda a, b, xp=xnp: a * b, {"a": 2.0, "b": 3.0})
    for case, sliced in ((quadratic, False), (pair, True)):
        problem = bind(case, "gradient", "float64", output_shape(case))
        theta = torch.as_tensor(problem.theta).requires_grad_(True)
        named = problem.split(theta)
        assert all(("SliceBackward0" in _graph(v)) == sliced for v in named.values())


DERIVE = """
import hashlib, sympy
from diffcompare.form import registry
from diffcompare.symbolic.expression import derive
registry.builtin()
for name in ("softmax_cross_entropy", "logistic_regression_n8"):
    d = derive(registry.get(name), "gradient")
    print(name, hashlib.sha256(sympy.srepr(list(d.entries)).encode()).hexdigest())
"""


def test_a_derivation_does_not_depend_on_the_hash_seed():
    # a set's order changes with the hash seed; if the entries' order did, so would cse's
    # choices and the compiled code's rounding (0.6 digits of a float32 gradient)
    outputs = {
        subprocess.run(
            [sys.executable, "-c", DERIVE],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and len(outputs.pop().splitlines()) == 2


@pytest.mark.parametrize("method", ["torch", "torch-forward"])
def test_a_vjp_of_a_matrix_output(method):
    """attention's output is 3 × 2: the cotangent meets F's flattened output."""
    from diffcompare.form import registry
    from diffcompare.methods import by_name

    c = registry.get("attention")
    plan = Plan((c,), (by_name(method),), operators=("vjp",), dtypes=("float64",), budget=FAST)
    (row,) = run_case(c, plan)
    assert row.status == "ok" and row.passed, row.message


@pytest.mark.parametrize("name", ["rosenbrock_n100", "sum_of_squares_n100"])
def test_the_symengine_peer_evaluates_a_templated_sum(name):
    """Rosenbrock from n = 32 is differentiated as a template of repeated terms: the peer
    had compiled the derivation's entries alone and returned zeros, scored ok at 0 digits."""
    pytest.importorskip("symengine")
    from diffcompare.form import registry
    from diffcompare.methods import by_name
    from diffcompare.symbolic.expression import derive

    c = registry.get(name)
    assert derive(c, "gradient").parts  # the case is one the templates take
    for op in ("gradient", "hessian"):
        plan = Plan(
            (c,), (by_name("symengine"),), operators=(op,), dtypes=("float64",), budget=FAST
        )
        (row,) = run_case(c, plan)
        assert row.status == "ok" and row.passed and row.digits > 12, (op, row.digits)
