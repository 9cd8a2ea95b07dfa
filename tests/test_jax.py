"""JAX beside torch: the same digits on the smooth cases, compile time in prepare_s, the
first call apart, honest rows where jit cannot go, and `unsupported` without the extra."""

import importlib.util

import pytest

from diffcompare.errors import Unsupported
from diffcompare.form import registry
from diffcompare.methods import by_name
from diffcompare.runner.loop import run
from diffcompare.runner.plan import Plan
from diffcompare.runner.timing import Budget

FAST = Budget(batch_s=0.0002, repeats=3, max_total_s=0.05)
PAIRS = {"jax": "torch", "jax-forward": "torch-forward"}


def rows_of(cases, dtypes=("float64",), operators=None) -> dict:
    methods = tuple(by_name(m) for m in (*PAIRS, *PAIRS.values()))
    plan = Plan(tuple(cases), methods, dtypes=dtypes, operators=operators, budget=FAST)
    return {r.key: r for r in run(plan, progress=False).rows}


needs_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="the jax extra is not installed"
)


@needs_jax
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_gives_torchs_digits_on_the_seed_cases(dtype):
    registry.builtin()
    rows = rows_of(registry.select([], ["seed"]), dtypes=(dtype,))
    compared = 0
    for (case, op, method, device, dt), r in rows.items():
        if method not in PAIRS:
            continue
        t = rows[(case, op, PAIRS[method], device, dt)]
        assert r.status == t.status, (case, method, r.message)
        if t.passed and t.digits is not None:
            compared += 1
            assert r.passed, (case, method, r.digits, r.message)
            assert abs(r.digits - t.digits) <= 2 or min(r.digits, t.digits) >= 13, (case, method)
            assert r.prepare_s is not None and r.first_call_s is not None and r.eval_s > 0
    assert compared >= 60


@needs_jax
def test_second_order_operators_agree_with_torch():
    registry.builtin()
    cases = [registry.get(n) for n in ("rosenbrock_n10", "mlp_loss_n16", "least_squares")]
    rows = rows_of(cases, operators=("hessian", "hvp", "jvp", "vjp", "jacobian", "gradient"))
    scored = [r for r in rows.values() if r.method in PAIRS and r.digits is not None]
    assert len(scored) >= 8
    for r in scored:
        t = rows[(r.case, r.operator, PAIRS[r.method], r.device, r.dtype)]
        assert r.passed and t.passed and abs(r.digits - t.digits) <= 2, (r.case, r.operator)


@needs_jax
def test_python_control_flow_runs_unjitted_and_says_so():
    registry.builtin()
    rows = rows_of([registry.get("while_doubling")])
    for method in PAIRS:
        r = rows[("while_doubling", "derivative", method, "cpu", "float64")]
        assert r.passed and "not jitted" in r.message


def test_without_jax_the_rows_are_unsupported(monkeypatch):
    from diffcompare.form.problem import bind, output_shape

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a)
    )
    registry.builtin()
    case = registry.get("sine")
    problem = bind(case, "derivative", "float64", output_shape(case))
    for method in PAIRS:
        with pytest.raises(Unsupported, match="jax is not installed"):
            by_name(method).prepare(problem, "cpu")
