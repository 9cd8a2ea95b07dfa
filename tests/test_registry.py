import numpy as np
import pytest

from diffcompare import CaseError, case, xnp
from diffcompare.form import registry


def define(names, name, **kw):
    def f(x, xp=xnp):
        return xp.sum(x**2)

    f.__name__ = name
    names.append(name)
    return case(**kw)(f)


def test_a_case_is_still_a_plain_function(fresh_names):
    c = define(fresh_names, "plain_sq", inputs={"x": np.array([1.0, 2.0])})
    assert c(np.array([3.0, 4.0])) == 25.0
    assert c.wrt == ("x",) and c.n == 2


@pytest.mark.parametrize(
    "inputs, kw, message",
    [
        ({"x": np.array([1.0, np.nan])}, {}, "not finite"),
        ({"x": "abc"}, {}, "must be a real number"),
        ({"x": 1.0, "y": 2.0}, {}, "input 'y' is not a parameter"),
        ({}, {}, "parameter 'x' has no value"),
        ({"x": 1.0}, {"wrt": ["z"]}, "wrt names 'z'"),
        ({"x": 3}, {}, r"nothing to differentiate \(no float inputs\); x is an integer"),
        ({"x": np.zeros((0, 3))}, {}, r"nothing to differentiate \(x: no entries\)"),
        ({"x": 1.0}, {"wrt": ["x", "x"]}, "wrt names 'x' twice"),
    ],
)
def test_bad_definitions_fail_with_the_case_name(fresh_names, inputs, kw, message):
    with pytest.raises(CaseError, match=message) as info:
        define(fresh_names, "bad_case", inputs=inputs, **kw)
    assert "'bad_case'" in str(info.value)
    assert "test_registry.py:" in str(info.value)  # and where it is defined


def test_duplicate_names_are_refused(fresh_names):
    define(fresh_names, "twice", inputs={"x": 1.0})

    def other(x, xp=xnp):
        return x

    with pytest.raises(CaseError, match="duplicate name"):
        case(inputs={"x": 1.0}, name="twice")(other)


def test_sizes_register_one_case_per_n(fresh_names):
    fresh_names += ["sized_sq_n3", "sized_sq_n5"]

    @case(inputs=lambda n: {"x": np.ones(n)}, sizes=[3, 5])
    def sized_sq(x, xp=xnp):
        return xp.sum(x)

    assert [c.n for c in registry.select(["sized_sq_*"])] == [3, 5]


def test_forgetting_a_case_named_like_a_family_keeps_the_family():
    define([], "sum_of_squares", inputs={"x": np.array([1.0, 2.0])})
    registry.unregister("sum_of_squares")
    assert "sum_of_squares" in registry.families()
    assert registry.select(["sum_of_squares_n*"])


def test_forgetting_a_family_forgets_its_sizes():
    @case(inputs=lambda n: {"x": np.ones(n)}, sizes=[2, 4])
    def gone_sq(x, xp=xnp):
        return xp.sum(x)

    registry.unregister("gone_sq")
    assert "gone_sq" not in registry.families()
    assert not [c for c in registry.all_cases() if c.name.startswith("gone_sq_")]


def test_select_by_glob_and_tag():
    names = [c.name for c in registry.select(["abs_*"], ["nonsmooth"])]
    assert names == ["abs_at_kink", "abs_away"]
