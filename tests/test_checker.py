"""diffcompare.check and the pytest plugin, as a user's test suite would use them."""

import functools

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
            "*diffcompare.check(loss): 1 of 4 rows disagree with the reference (arb)*",
            "*✗*hand-written*",
        ]
    )


def test_an_unknown_method_on_the_command_line_stops_the_session_at_start_up(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "--diffcompare-method", "magic", "-k", "correct")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--diffcompare-method: unknown method 'magic'; choose from: sympy*"]
    )


def test_a_misspelt_marker_argument_is_an_error_at_collection(pytester):
    pytester.makepyfile(
        test_user=USER_TESTS
        + """

@pytest.mark.diffcompare(method="torch")
def test_typo(diffcompare_check):
    diffcompare_check(loss, inputs=W)
"""
    )
    result = pytester.runpytest_subprocess("-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_typo: @pytest.mark.diffcompare takes methods*got method*"])


def test_a_failing_check_shows_its_table_and_worst_entries_not_its_own_source(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-k", "wrong")
    result.stdout.fnmatch_lines(["*The worst entries:*", "*hand-written*gradient*(2,)*"])
    assert "__tracebackhide__" not in result.stdout.str()
    assert "def check(" not in result.stdout.str()


def test_check_takes_every_operator_with_all():
    rows = diffcompare.check(
        lambda x, xp=np: xp.sum(xp.sin(x) ** 2), {"x": np.array([0.2, 0.9])}, operator="all"
    )
    assert {r.operator for r in rows} == {"gradient", "hessian", "jvp", "vjp", "hvp"}


def test_check_takes_torch_code_and_catches_a_wrong_backward():
    import torch

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    def loss(w):
        return Square.apply(torch.sin(w)).sum()

    with pytest.raises(AssertionError) as raised:
        diffcompare.check(loss, {"w": np.array([0.4, 1.3])}, methods="fd-central,torch")
    text = str(raised.value)
    assert "disagree with the reference (arb)" in text  # its forward, on balls
    failed = [line.split("|")[2].strip() for line in text.splitlines() if line.startswith("| ✗")]
    assert failed == ["torch"]


def test_check_returns_rows_for_every_family():
    rows = diffcompare.check(lambda x, xp=np: xp.sin(x) * x, {"x": 0.7})
    assert {r.family for r in rows} == {"symbolic", "numeric", "automatic"}


def test_check_uses_the_trace_free_oracle_when_sympy_cannot_trace():
    def loop(a, xp=np):
        while xp.abs(a) < 10:
            a = a * 3
        return a

    rows = diffcompare.check(loop, {"a": 1.5}, reference=lambda a: np.array(9.0))
    assert {r.reference for r in rows} == {"arb"}
    assert all(r.passed for r in rows if r.status == "ok")


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_where_no_oracle_follows_the_function_two_float64_estimates_must_agree():
    def opaque(a, xp=np):
        out = np.zeros(1)
        out[0] = a * a  # a float array of its own: neither oracle can follow it, and torch
        return out[0]  # loses the gradient there (its value is written as a plain float)

    with pytest.raises(AssertionError) as raised:
        diffcompare.check(opaque, {"a": 1.5}, reference=lambda a: np.array(3.0))
    text = str(raised.value)
    assert "disagree with the reference (float64-agreement)" in text
    assert "no 50-digit oracle" in text
    failed = [line.split("|")[2].strip() for line in text.splitlines() if line.startswith("| ✗")]
    assert failed == ["torch"]  # SymPy cannot trace the float array: unsupported, not ✗


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


def test_a_float32_check_scores_the_hand_written_derivative():
    import diffcompare

    def loss(w, xp=np):
        return xp.sum(xp.tanh(w) ** 2)

    def forgot_the_chain_rule(w):
        return 2 * np.tanh(w)

    with pytest.raises(AssertionError, match="hand-written"):
        diffcompare.check(
            loss, {"w": np.array([0.3, -0.8])}, reference=forgot_the_chain_rule, dtype="float32"
        )


class _Loss:
    def __call__(self, x, xp=np):
        return xp.sum(xp.sin(x) ** 2)

    def halved(self, x, xp=np):
        return self(x, xp) / 2


def _scaled(x, k, xp=np):
    return k * xp.sum(xp.sin(x) ** 2)


@pytest.mark.parametrize(
    "fn",
    [functools.partial(_scaled, k=3.0), _Loss(), _Loss().halved],
    ids=["partial", "callable object", "bound method"],
)
def test_check_takes_any_callable(fn):
    rows = diffcompare.check(fn, {"x": np.array([0.3, -0.7])}, methods="fd-central,torch")
    assert [r.verdict for r in rows] == ["pass", "pass"]


A = np.array([[1.0, 2.0], [3.0, 4.0]])


def closes_over_a(w, xp=np):
    return xp.sum((A @ w) ** 2)


def test_a_closure_over_numpy_constants_passes_with_a_right_gradient_and_fails_a_wrong_one():
    w = {"w": np.array([0.3, -0.5])}
    with pytest.warns(diffcompare.UndecidedCheck, match="pass A as an input"):
        rows = diffcompare.check(closes_over_a, w, reference=lambda w: 2 * A.T @ (A @ w))
    assert next(r for r in rows if r.method == "hand-written").verdict == "pass"
    assert next(r for r in rows if r.method == "torch").status == "error"  # not a failure
    with pytest.raises(AssertionError, match="1 of 4 rows disagree"):
        diffcompare.check(closes_over_a, w, reference=lambda w: A.T @ (A @ w))


def test_numpy_inside_the_function_gets_a_one_line_hint():
    def np_where(x, xp=np):
        return xp.sum(np.where(x > 0, x, 0.0) ** 2)

    with pytest.warns(diffcompare.UndecidedCheck, match="write xp.where"):
        diffcompare.check(np_where, {"x": np.array([0.3, -0.5])}, methods="torch,fd-central")


def test_both_spellings_of_each_keyword():
    def f(x, xp=np):
        return xp.sum(xp.exp(x))

    x = {"x": np.array([0.1, 0.2])}
    singular = diffcompare.check(f, x, methods="torch", dtype="float32", operator="hvp")
    plural = diffcompare.check(f, x, methods="torch", dtypes="float32", operators="hvp")
    assert [(r.dtype, r.operator) for r in singular] == [(r.dtype, r.operator) for r in plural]
    rows = diffcompare.compare(f, x, methods="torch", dtype="float32", operator="hvp").rows
    assert [(r.dtype, r.operator) for r in rows] == [("float32", "hvp")]
    with pytest.raises(diffcompare.errors.UsageError, match="not both"):
        diffcompare.check(f, x, dtype="float32", dtypes="float64")


def test_a_failure_fits_100_columns_and_reprs_are_short():
    def loss(w, xp=np):
        return xp.sum(xp.tanh(w) ** 2)

    with pytest.raises(AssertionError) as raised:
        diffcompare.check(loss, {"w": np.array([0.3, -0.8, 1.5])}, reference=lambda w: w)
    assert max(len(line) for line in str(raised.value).splitlines()) <= 100
    results = diffcompare.compare(loss, {"w": np.array([0.3, -0.8])}, methods="torch,sympy")
    assert repr(results).startswith("Results(2 rows of 1 cases: 2 pass)")
    assert len(repr(results)) < 200 and len(repr(results.rows[0])) < 200
    test = diffcompare.taylor_test(loss, {"w": np.array([0.3, -0.8])}, lambda w: w)
    assert repr(test).startswith("TaylorTest(loss: failed") and len(repr(test)) < 200


def test_a_function_that_raises_keyboard_interrupt_fails_its_check_only(pytester):
    pytester.makepyfile(
        test_user="""
import numpy as np


def interrupted(x, xp=np):
    raise KeyboardInterrupt


def exits(x, xp=np):
    raise SystemExit(3)


def test_interrupted(diffcompare_check):
    diffcompare_check(interrupted, inputs={"x": np.array([0.3])})


def test_exits(diffcompare_check):
    diffcompare_check(exits, inputs={"x": np.array([0.3])})


def test_after():
    pass
"""
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:xdist")
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(["*raised KeyboardInterrupt*", "*raised SystemExit: 3*"])
