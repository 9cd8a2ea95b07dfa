"""Each method's cost model beside its measured cost ratio, and every method's time
against the fastest of each row as a geometric mean, missing cells counted as missing."""

import math

import pytest

from diffcompare.form import registry
from diffcompare.methods import by_name
from diffcompare.methods.cost import model
from diffcompare.report import cost
from diffcompare.runner.loop import run
from diffcompare.runner.plan import Plan
from diffcompare.runner.result import Result
from diffcompare.runner.timing import Budget


@pytest.mark.parametrize(
    "method, operator, n, m, shown, calls",
    [
        ("fd-central", "gradient", 10, 1, "2n = 20", 20),
        ("fd-forward", "jacobian", 10, 3, "n + 1 = 11", 11),
        ("fd-5point", "derivative", 1, 1, "4", 4),
        ("complex-step", "gradient", 10, 1, "≤ 4n", 40),
        ("torch", "gradient", 1000, 1, "≤ 5", 5),
        ("jax", "jacobian", 10, 3, "≤ 5m", 15),
        ("torch-forward", "gradient", 10, 1, "≤ 3n", 30),
    ],
)
def test_the_models(method, operator, n, m, shown, calls):
    got = model(method, operator, n, m)
    assert got.shown() == shown and got.calls == calls


@pytest.mark.parametrize(
    "method, operator", [("sympy", "gradient"), ("torch", "hessian"), ("fd-richardson", "gradient")]
)
def test_no_model_where_theory_gives_none(method, operator):
    assert model(method, operator, 10, 1) is None


def test_off_the_model_both_ways_for_a_count_and_above_only_for_a_bound():
    count, bound = model("fd-central", "gradient", 10, 1), model("torch", "gradient", 10, 1)
    assert [count.off(r) for r in (4.9, 5.0, 20, 80, 81)] == [True, False, False, False, True]
    assert [bound.off(r) for r in (0.1, 20, 21)] == [False, False, True]


def row(case, method, eval_s, status="ok"):
    return Result(
        case,
        "gradient",
        method,
        "numeric",
        "cpu",
        "float64",
        2,
        status,
        eval_s=eval_s,
        eval_iqr_s=0.0,
    )


def test_the_geometric_mean_against_the_fastest_counts_missing_cells_as_missing():
    rows = [
        row("p", "a", 1.0),
        row("p", "b", 4.0),
        row("q", "a", 9.0),
        row("q", "b", 1.0),
        row("r", "a", 2.0),
        row("r", "b", None, "unsupported"),
    ]
    text = cost.relative(rows)
    lines = {line.split("|")[1].strip(): line for line in text.splitlines()[2:]}
    a = [c.strip() for c in lines["a"].split("|")[1:-1]]
    b = [c.strip() for c in lines["b"].split("|")[1:-1]]
    assert a == [
        "a",
        f"×{math.exp((math.log(1) + math.log(9) + math.log(1)) / 3):.3g}",
        "3",
        "0",
        "2",
    ]
    assert b == ["b", f"×{math.exp((math.log(4) + math.log(1)) / 2):.3g}", "2", "1", "1"]


def test_a_timed_row_carries_its_model_and_the_tables_show_it():
    registry.builtin()
    plan = Plan(
        (registry.get("rosenbrock_n10"),),
        (by_name("fd-central"), by_name("torch")),
        dtypes=("float64",),
        budget=Budget(batch_s=0.0002, repeats=3),
    )
    rows = {r.method: r for r in run(plan, progress=False).rows}
    assert rows["fd-central"].cost_model == "2n = 20"
    assert rows["torch"].cost_model == "≤ 5"
    for r in rows.values():
        assert r.off_model == model(r.method, r.operator, r.n, 1).off(r.cost_ratio)
    shown = cost.against_model(list(rows.values()))
    for r in rows.values():  # a noisy time is no measurement to set beside a model
        assert (f"| {r.method} " in shown) == (not r.noisy), r.method
        assert (r.cost_model.split(" = ")[0] in shown) or r.noisy
