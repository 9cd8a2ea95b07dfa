"""The checker-power study: known-wrong derivatives, seeded, through every checker."""

import json

import numpy as np
import pytest

from diffcompare import checker_study
from diffcompare.form import registry
from diffcompare.report import sweep_plots
from diffcompare.sweep.mutants import MUTANTS, mutate
from diffcompare.sweep.record import Sweep

J = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0], [2.0, 0.0, 7.0]])


def changed(kind: str) -> np.ndarray:
    out, _ = mutate(J, kind, np.random.default_rng(0))
    return out


def test_each_mutant_changes_what_it_says():
    assert np.array_equal(changed("control"), J)
    diff = changed("sign flip") != J
    assert diff.sum() == 1 and changed("sign flip")[diff] == -J[diff]
    diff = changed("factor 2 dropped") != J
    assert diff.sum() == 1 and changed("factor 2 dropped")[diff] == J[diff] / 2
    assert np.allclose(changed("scale 1e-3"), J * 1.001)
    zeroed = changed("zeroed row")
    assert sum(not row.any() for row in zeroed) == 1
    assert np.array_equal(changed("transposed"), J.T)
    swapped = changed("swapped entries")
    assert (swapped != J).sum() == 2 and sorted(swapped.ravel()) == sorted(J.ravel())


def test_mutants_that_cannot_apply_say_why():
    assert mutate(np.zeros((1, 3)), "sign flip", np.random.default_rng(0))[0] is None
    assert mutate(np.ones((1, 3)), "transposed", np.random.default_rng(0))[0] is None


def test_the_same_seed_gives_the_same_mutants():
    a = mutate(J, "swapped entries", np.random.default_rng(5))
    b = mutate(J, "swapped entries", np.random.default_rng(5))
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


@pytest.fixture(scope="module")
def study():
    registry.builtin()
    cases = [registry.get(n) for n in ("rosenbrock_n10", "sine", "jac_matrix_vector")]
    return checker_study.sweep(cases)


def flagged(study, checker, case, dtype, mutant):
    (p,) = [
        p
        for p in study.points
        if (p["checker"], p["case"], p["dtype"], p["mutant"]) == (checker, case, dtype, mutant)
    ]
    return p["flagged"]


def test_every_checker_meets_every_mutant_of_every_case(study):
    cells = {(p["checker"], p["case"], p["dtype"], p["mutant"]) for p in study.points}
    assert len(cells) == len(study.points) == 3 * 2 * len(MUTANTS) * len(checker_study.CHECKERS)


def test_what_the_study_finds(study):
    # a sign flip is caught by every checker that applies, in float64
    for name in checker_study.CHECKERS:
        assert flagged(study, name, "rosenbrock_n10", "float64", "sign flip") in (True, None)
    # gradcheck's defaults (rtol 1e-3) let an error of 1e-6 through; the oracle does not
    assert flagged(study, "gradcheck", "rosenbrock_n10", "float64", "scale 1e-6") is False
    assert flagged(study, "diffcompare.check", "rosenbrock_n10", "float64", "scale 1e-6")
    # and in float32 it flags the right derivative: a false alarm
    assert flagged(study, "gradcheck", "rosenbrock_n10", "float32", "control") is True
    # a float32 check scores the user's derivative (it was once left unscored)
    assert flagged(study, "diffcompare.check", "sine", "float32", "sign flip") is True
    assert flagged(study, "diffcompare.check", "sine", "float32", "control") is False
    # check_grad and the Taylor test take scalar functions only
    assert flagged(study, "taylor test", "jac_matrix_vector", "float64", "sign flip") is None
    assert any("false alarms" in f for f in study.findings)


def test_the_study_is_a_sweep_with_its_table_and_figure(study):
    again = Sweep.from_json(study.to_json())
    assert again.kind == "checkers" and again.table == study.table
    assert json.loads(study.to_json())["points"][1]["changed"]  # the mutant, said
    assert set(sweep_plots.for_sweep(study)) == {"sweep_checkers"}
