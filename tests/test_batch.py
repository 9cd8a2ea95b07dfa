"""Batched finite differences: one vmap call, the loop's values, and the loop as fallback."""

import numpy as np
import pytest

from diffcompare import xnp
from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.methods import batch, by_name


def prepared(name, method="fd-central", batches=True, dtype="float64"):
    (case,) = registry.select([name])
    m = by_name(method)
    m.batches = batches
    try:
        return m.prepare(bind(case, "gradient", dtype, output_shape(case)), "cpu")
    finally:
        m.batches = True


@pytest.mark.parametrize("method", ["fd-forward", "fd-central", "fd-5point", "fd-richardson"])
def test_batched_gradient_is_the_loops_up_to_the_rounding_of_f(method, monkeypatch):
    fast, slow = prepared("rosenbrock_n100", method), prepared("rosenbrock_n100", method, False)
    assert "batched" in fast.note and "batched" not in slow.note
    a, b = fast.call(), slow.call()
    assert fast.counters["f_evals"] == slow.counters["f_evals"]
    # f's rounding differs between torch and NumPy; a stencil amplifies it by 1/h
    assert np.max(np.abs(a - b)) <= 1e-6 * np.max(np.abs(b))


def test_chunks_give_the_same_numbers(monkeypatch):
    whole = prepared("rosenbrock_n100").call()
    monkeypatch.setattr(batch, "CHUNK", 7 * 100)  # 7 points per chunk
    assert np.array_equal(prepared("rosenbrock_n100").call(), whole)


def test_the_way_is_the_rule_s_never_a_timing_and_said():
    """A row's values must not follow the machine's load: the two ways round f
    differently, so the number of points decides, and the row says which way."""
    wide = prepared("rosenbrock_n100")  # 200 points: one vmap call
    assert wide.note == "batched: each stencil's 200 points in one torch.func.vmap call"
    assert not hasattr(batch, "faster")
    assert prepared("rosenbrock_n10").note == ""  # 20 points: the loop


def test_few_points_keep_the_loop_unmeasured():
    assert prepared("rosenbrock_n2").note == ""


def test_a_case_vmap_cannot_batch_falls_back_with_the_reason(fresh_names):
    @registry.case(inputs={"x": np.linspace(0.1, 1.0, 40)}, name="branchy")
    def branchy(x, xp=xnp):
        total = xp.sum(x * x)
        if total > 100:  # Python control flow on a value
            return total
        return 2 * total

    fresh_names.append("branchy")
    p = prepared("branchy")
    assert "torch.func.vmap cannot batch this case" in p.note
    np.testing.assert_allclose(p.call(), 4 * np.linspace(0.1, 1.0, 40), rtol=1e-8)
