"""Formulas typed on the command line: parsed, whitelisted, never executed when hostile."""

import subprocess
import sys

import numpy as np
import pytest

from diffcompare.cli import main
from diffcompare.errors import UsageError
from diffcompare.form.formula import parse_point, to_case

HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "open('{marker}', 'w')",
    "x.__class__.__mro__",
    "(lambda: open('{marker}', 'w'))()",
    "eval(\"open('{marker}', 'w')\")",
    "exec('x=1')",
    "[c for c in ().__class__.__bases__]",
    "x[0]",
    "sin(x).real",
    "globals()",
    "(y := 1)",
    "sin(x=1)",
    "f'{{x}}'",
    "x if x else 1",
    "x > 1",
    "'abc'",
    "__builtins__",
    "sin(*[x])",
    "max(x, x, x)",
    "min(x)",
    "relu(x, x)",
    "x ^ 2",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_formulas_are_refused_and_never_run(tmp_path, capsys, text):
    marker = tmp_path / "executed"
    text = text.format(marker=marker)
    assert main(["quick", text, "--at", "x=1.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("diffcompare: error: refused") and err.count("\n") == 1
    assert not marker.exists()


def test_a_huge_power_overflows_instead_of_hanging():
    case = to_case("9**9**9 * x", {"x": 1.0})
    with pytest.raises(OverflowError):
        case(x=1.0, xp=np)


def test_quick_on_a_huge_power_gives_error_rows_instead_of_hanging():
    argv = [sys.executable, "-m", "diffcompare", "quick", "9**9**9 * x", "--at", "x=1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)  # 4e8 digits
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "| sympy " in line)
    assert "| error " in row and "OverflowError" in row


def test_the_formula_runs_the_same_on_every_backend(capsys):
    assert main(["quick", "sin(x)*exp(y) + max(x, y)**2", "--at", "x=0.5,y=0.25"]) == 0
    out = capsys.readouterr().out
    assert "oracle (arb)" in out
    for method in ("sympy", "fd-central", "torch"):
        assert method in out


@pytest.mark.parametrize(
    "text, typed_out, at",
    [
        ("relu(x)", "max(x, 0)", "x=0"),
        ("min(x, y)", "-max(-x, -y)", "x=0.5,y=0.5"),
        ("sigmoid(x*y)", "1/(1 + exp(-(x*y)))", "x=0.5,y=-2"),
        ("softplus(x)", "log(1 + exp(x))", "x=-3"),
    ],
)
def test_a_composed_function_is_its_formula_typed_out(capsys, text, typed_out, at):
    tables = []
    for formula in (text, typed_out):
        assert main(["quick", formula, "--at", at, "--method", "sympy,fd-forward,torch"]) == 0
        header, rest = capsys.readouterr().out.split("\n", 1)
        assert header.startswith(f"f = {formula}   at ")
        tables.append(rest)
    assert tables[0] == tables[1]  # the same oracle, kink, values and digits


def test_quick_says_which_declared_variables_f_does_not_use(capsys):
    assert main(["quick", "sin(y)", "--at", "x=1,y=2,z=3", "--method", "torch"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "(x, z: not in f, so not differentiated)"
    row = next(line for line in lines if line.startswith("| torch"))
    assert "-0.416146836547" in row  # cos(2): a derivative in y alone, not a gradient


def test_quick_in_float32_with_chosen_methods(capsys):
    argv = ["quick", "sin(x)/x", "--at", "x=1e-3", "--dtype", "float32", "--method", "torch"]
    assert main([*argv, "--method", "fd-central"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("f = sin(x)/x   at x=0.001 (in float32: x=0.0010000000474974513)\n")
    rows = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ")]
    assert rows == ["method", "torch", "fd-central"]
    torch_row = next(line for line in out.splitlines() if line.startswith("| torch"))
    # cos(x)/x − sin(x)/x² cancels in float32: one digit is left, though against the terms
    # it sums (about 2000) torch's error is no more than float32's, so no ✗
    assert torch_row.split("|")[5].strip() == "1.0 ✓" and "✗" not in torch_row


def test_quick_explains_the_cross_only_when_a_row_has_one(capsys):
    assert main(["quick", "sin(x)", "--at", "x=1", "--method", "torch"]) == 0
    out = capsys.readouterr().out
    assert "| torch " in out and "✗" not in out


def test_quick_looks_for_kinks_at_the_point_the_methods_see(capsys):
    """x = 0.1 rounds to 0.10000000149 in float32: abs(x - 0.1) is past its kink there."""
    assert main(["quick", "abs(x - 0.1)", "--at", "x=0.1", "--dtype", "float32"]) == 0
    out = capsys.readouterr().out
    assert "is a kink" not in out and "oracle (arb): 1." in out


def test_quick_second_derivative_against_the_closed_form(capsys):
    argv = ["quick", "sin(x)*exp(x)", "--at", "x=0.5", "--operator", "second_derivative"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    shown = float(out.split("oracle (arb): ")[1].split()[0])
    assert shown == pytest.approx(
        2 * np.cos(0.5) * np.exp(0.5), rel=1e-15
    )  # (sin·exp)'' = 2cos·exp
    assert "reverse-over-reverse" in out


def test_quick_names_the_direction_of_a_jvp(capsys):
    assert main(["quick", "x*y", "--at", "x=1,y=2", "--operator", "jvp"]) == 0
    out = capsys.readouterr().out
    v = [float(t) for t in out.split("jvp along v = [")[1].split("]")[0].split(",")]
    shown = float(out.split("oracle (arb): ")[1].split()[0])
    assert shown == pytest.approx(
        2.0 * v[0] + 1.0 * v[1], rel=1e-5
    )  # ∇(xy) = (y, x), v to 6 digits


def test_quick_refuses_an_operator_that_does_not_apply(capsys):
    assert main(["quick", "x*y", "--at", "x=1,y=2", "--operator", "second_derivative"]) == 2
    err = capsys.readouterr().err
    assert "does not apply to f(x, y); choose from: gradient, hessian" in err


def test_quick_refuses_an_unknown_method_before_printing_anything(capsys):
    assert main(["quick", "x", "--at", "x=1", "--method", "magic"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("diffcompare: error: unknown method 'magic'")


def test_quick_says_once_why_there_is_no_oracle(capsys):
    assert main(["quick", "sqrt(x)", "--at", "x=0"]) == 0
    out = capsys.readouterr().out
    assert "oracle: no reference: the derivative is not defined at this point" in out
    assert out.count("no reference") == 1  # not again in every row


@pytest.mark.parametrize(
    "spec, words",
    [
        ("x", "name=value"),
        ("x=abc", "not a number"),
        ("x=inf", "not finite"),
        ("sin=1", "function or constant"),
        ("", "at least one"),
        ("x=1,x=2", "x is given twice"),
    ],
)
def test_malformed_points_are_refused(spec, words):
    with pytest.raises(UsageError, match=words):
        parse_point(spec)


def test_undeclared_variables_are_named():
    with pytest.raises(UsageError, match="unknown name 'y'; declare it with --at y=VALUE"):
        to_case("x*y", {"x": 1.0})


def test_show_prints_source_derivative_graph_and_table(capsys):
    assert main(["show", "chain_rule_scalar"]) == 0
    out = capsys.readouterr().out
    assert "def chain_rule_scalar" in out
    assert "2⋅x⋅cos" in out  # the pretty-printed derivative
    assert "after cse" in out
    assert "SinBackward0" in out and "AccumulateGrad (x)" in out
    assert "oracle (arb)" in out and "torch-forward" in out


def test_show_prints_the_point_as_the_method_table_prints_vectors(capsys):
    assert main(["show", "grad_sum"]) == 0
    assert "· at x=[0.3, -1.2, 0.8, 2.]\n" in capsys.readouterr().out


def test_show_wraps_a_long_note_instead_of_cutting_it(capsys):
    assert main(["show", "detached"]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| fd-forward"))
    note = " ".join(line.rsplit("|", 2)[1].strip() for line in lines[start : start + 2])
    assert note == "finite differences see values only: stop_gradient has no effect on them"


def test_show_unknown_case_exits_2(capsys):
    assert main(["show", "no_such_case"]) == 2
    assert "unknown case" in capsys.readouterr().err


def test_vectors_print_without_numpys_column_padding():
    from diffcompare.explain import _numbers

    assert _numbers([0.999999999991, 1.0, -2.25], 12) == "[0.999999999991, 1., -2.25]"
    assert _numbers([[0.0, 1.0], [1.0, -0.5]], 12) == "[[0., 1.], [1., -0.5]]"
