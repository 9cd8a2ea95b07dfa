"""diffcompare.check and the pytest plugin, as a user's test suite would use them."""

import numpy as np
import pytest

import diffcompare

USER_TESTS = """
import numpy as np
import pytest


def loss(w, xp=np):
    return xp.sum(xp.tanh(w) ** 2)


def good_grad(w):
    return 2 * np.tanh(w) * (1 - np.tanh(w) ** 2)


def bad_grad(w):
    return 2 * np.tanh(w)  # forgot the chain rule


W = {"w": np.array([0.3, -0.8, 1.5])}


def test_correct_gradient(diffcompare_check):
    diffcompare_check(loss, inputs=W, reference=good_grad)


def test_wrong_gradient(diffcompare_check):
    diffcompare_check(loss, inputs=W, reference=bad_grad)


@pytest.mark.diffcompare(methods="sympy,torch", dtype="float32")
def test_marker_chooses_methods_and_dtype(diffcompare_check):
    rows = diffcompare_check(loss, inputs=W, reference=good_grad)
    assert {r.method for r in rows} == {"sympy", "torch", "hand-written"}
    assert {r.dtype for r in rows} == {"float32"}
"""


def test_plugin_passes_a_correct_gradient_and_fails_a_wrong_one(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_wrong_gradient*",
            "*diffcompare.check(loss): 1 of 4 rows disagree with the reference (sympy-mpmath)*",
            "*✗*hand-written*",
        ]
    )


def test_plugin_options_come_from_the_command_line(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "--diffcompare-method", "magic", "-k", "correct")
    result.stdout.fnmatch_lines(["*unknown method 'magic'; choose from: sympy*"])


def test_check_returns_rows_for_every_family():
    rows = diffcompare.check(lambda x, xp=np: xp.sin(x) * x, {"x": 0.7})
    assert {r.family for r in rows} == {"symbolic", "numeric", "automatic"}


def test_check_falls_back_on_autograd_when_sympy_cannot_trace():
    def loop(a, xp=np):
        while xp.abs(a) < 10:
            a = a * 3
        return a

    rows = diffcompare.check(loop, {"a": 1.5}, reference=lambda a: np.array(9.0))
    assert {r.reference for r in rows} == {"torch"}
    assert "no symbolic oracle" in rows[-1].message


@pytest.mark.parametrize(
    "fn, x, why",
    [
        (lambda x, xp=np: xp.log(x), -1.0, "f is not real at this point"),
        (lambda x, xp=np: 1 / x, 0.0, "f is not defined at this point"),
        (lambda x, xp=np: xp.sqrt(x), 0.0, "the derivative is not defined at this point"),
    ],
    ids=["log at -1", "1/x at 0", "sqrt at 0"],
)
def test_check_refuses_a_point_with_no_derivative_instead_of_trusting_torch(fn, x, why):
    """torch says -1 for log(x) at x = -1; the fallback must not make that the answer."""
    with pytest.raises(ValueError, match=f"check\\(<lambda>\\): nothing to check here: {why}"):
        diffcompare.check(fn, {"x": x})


def test_check_raises_on_a_wrong_jacobian():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(AssertionError, match="hand-written"):
        diffcompare.check(
            lambda x, A, xp=np: A @ x,
            {"x": np.ones(2), "A": A},
            wrt=["x"],
            reference=lambda x, A: A.T,
        )
