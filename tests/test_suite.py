"""Every built-in case through every family: ok, or unsupported with a reason."""

import pytest

from diffcompare.form import registry
from diffcompare.methods import DEFAULT, by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST

CASES = registry.all_cases()
EXACT = {"sympy", "torch", "torch-forward"}


def is_smooth(c):
    return "seed" in c.tags and not {"nonsmooth", "detach", "control-flow"} & set(c.tags)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_case_runs_through_all_three_families(c):
    rows = run_case(
        c, Plan((c,), tuple(by_name(n) for n in DEFAULT), dtypes=("float64",), budget=FAST)
    )
    assert {r.family for r in rows} == {"symbolic", "numeric", "automatic"}
    for r in rows:
        # hard cases may overflow on purpose: a non-finite derivative, said so
        allowed = ("ok", "unsupported", "nan") if "hard" in c.tags else ("ok", "unsupported")
        if "pitfall" in c.tags:  # a function that leaves xp: some methods fail, said so
            allowed = ("ok", "unsupported", "error")
        assert r.status in allowed, (r.method, r.message)
        if r.status != "ok":
            assert r.message, r.method
        if r.status == "ok":
            assert r.digits is not None and r.eval_s > 0 and r.primal_s > 0
    digits = {r.method: r.digits for r in rows if r.status == "ok"}
    if is_smooth(c):
        for m in EXACT:
            assert digits[m] >= 13, (m, digits[m])
        assert digits["fd-central"] >= 8
    if "nonsmooth" in c.tags:  # at a kink every family lands in the subdifferential
        assert all(r.passed for r in rows if r.status == "ok")


def test_detach_is_shown_honestly():
    c = registry.select(["detached"])[0]
    rows = {
        r.method: r
        for r in run_case(
            c, Plan((c,), tuple(by_name(n) for n in DEFAULT), dtypes=("float64",), budget=FAST)
        )
    }
    assert rows["torch"].passed and rows["sympy"].passed
    fd = rows["fd-central"]
    assert fd.passed is False and "stop_gradient has no effect" in fd.message
    x = c.inputs["x"]
    assert fd.value == pytest.approx(list(3 * x**2), rel=1e-6)  # the gradient of x³
    assert rows["complex-step"].status == "unsupported"


def test_the_library_has_sixty_cases_across_the_groups():
    assert len(CASES) >= 60
    for tag in ("seed", "ml", "optimisation", "hard", "sized"):
        assert registry.select(tags=[tag]), tag


def test_every_case_says_what_it_is():
    assert all(c.doc for c in CASES), [c.name for c in CASES if not c.doc]


def test_house_prices_are_preprocessed_as_the_course_does():
    import numpy as np

    from diffcompare_cases.house import load

    X, y = load()
    # NumRooms gaps filled with the mean of 2 and 4; Alley one-hot as [Pave, missing]
    np.testing.assert_array_equal(X, [[3, 1, 0], [2, 0, 1], [4, 0, 1], [3, 0, 1]])
    np.testing.assert_array_equal(y, [127500, 106000, 178100, 140000])


OPERATOR_CASES = ["sin_exp", "grad_quadratic_form", "least_squares", "jac_matrix_function"]


@pytest.mark.parametrize("name", OPERATOR_CASES)
def test_every_operator_has_rows_from_all_three_families(name):
    from diffcompare.form.operator import OPERATORS

    c = registry.select([name])[0]
    rows = run_case(
        c, Plan((c,), tuple(by_name(n) for n in DEFAULT), operators=OPERATORS, budget=FAST)
    )
    by_operator: dict = {}
    for r in rows:
        assert r.status == "ok" and r.passed, (r.operator, r.method, r.dtype, r.message)
        by_operator.setdefault(r.operator, set()).add(r.family)
    assert len(by_operator) >= 2
    assert all(f == {"symbolic", "numeric", "automatic"} for f in by_operator.values())
