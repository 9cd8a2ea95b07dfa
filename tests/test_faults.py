"""Fault injection: thirteen kinds of bad case in one isolated run, each becoming rows with
a status and a reason, while the good cases beside them come out complete and right."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from diffcompare.cli import main
from diffcompare.form import registry
from diffcompare.methods import DEFAULT
from diffcompare.methods.autograd import available_devices

pytestmark = pytest.mark.slow  # the fast loop: -m 'not slow'

FAULTS = Path(__file__).with_name("fault_cases.py")
GOOD = ["sine", "grad_sum", "sin_exp"]


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """The fault run, once; under pytest-xdist once for all the workers: the first to get
    here runs it while the others wait on a lock, then each reads its results."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _read(_run(tmp_path_factory.mktemp("faults")))
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    with FileLock(shared / "faults.lock"):
        if not (shared / "faults" / "results.json").exists():
            _run(shared / "faults")
    return _read(shared / "faults")


def _run(out: Path) -> Path:
    before = {c.name for c in registry.all_cases()}
    argv = ["run", "--cases", str(FAULTS), "--builtin", "--case", ",".join(GOOD)]
    argv += ["--case", "*", "--dtype", "float64", "--timeout", "3", "--memory-limit", "1024"]
    try:
        assert main([*argv, "--no-progress", "--out", str(out)]) == 0
    finally:  # the fault cases leave the registry with the run
        for c in registry.all_cases():
            if c.name not in before:
                registry.unregister(c.name)
    return out


def _read(out: Path) -> dict:
    by_case: dict = {}
    for r in json.loads((out / "results.json").read_text())["results"]:
        by_case.setdefault(r["case"], {})[r["method"]] = r
    return by_case


def every(rows, case, status, text):
    assert set(rows[case]) == set(DEFAULT)
    for method, r in rows[case].items():
        assert r["status"] == status, (method, r["message"])
        assert text in r["message"], (method, r["message"])


def test_a_case_that_raises(rows):
    every(rows, "raises", "error", "the case fails: ValueError: boom")


@pytest.mark.parametrize("case", ["returns_nan", "returns_inf"])
def test_non_finite_outputs(rows, case):
    assert rows[case]["sympy"]["status"] == "unsupported"
    assert "not finite" in rows[case]["sympy"]["message"]
    for method in set(DEFAULT) - {"sympy"}:
        r = rows[case][method]
        assert r["status"] == "nan" and "non-finite derivative" in r["message"]
        assert "no reference: the function is not finite here" in r["message"]


def test_an_output_whose_shape_depends_on_the_input(rows):
    r = rows["shape_changes"]["fd-central"]
    assert r["status"] == "error" and "output changed shape from (2,) to (1,)" in r["message"]
    assert rows["shape_changes"]["torch"]["status"] == "ok"  # consistent at the point itself


def test_a_list_instead_of_an_array(rows):
    every(rows, "returns_list", "error", "returned a list; return a number or an array")


def test_an_infinite_loop_times_out(rows):
    every(rows, "hangs", "timeout", "ran past the time limit of 3 s")


def test_allocating_until_memory_runs_out(rows):
    every(rows, "eats_memory", "error", "MemoryError")
    for r in rows["eats_memory"].values():  # refused at the limit (--memory-limit 1024)
        assert int(re.search(r"refused after (\d+) MiB", r["message"]).group(1)) <= 1024


def test_sympy_expression_blow_up(rows):
    """SymPy's method times out; the certified oracle needs no cross-check by SymPy, so
    the other rows keep its reference at once."""
    assert rows["swells"]["sympy"]["status"] == "timeout"
    for method in set(DEFAULT) - {"sympy"}:
        r = rows["swells"][method]
        assert r["status"] == "ok" and r["reference"] == "arb"
        assert "SymPy's cross-check" not in r["message"]


def test_complex_unsafe_under_the_complex_step(rows):
    r = rows["not_analytic"]["complex-step"]
    assert r["status"] == "unsupported" and "uses absolute" in r["message"]
    assert all(rows["not_analytic"][m]["passed"] for m in set(DEFAULT) - {"complex-step"})


def test_a_case_that_mutates_its_input(rows):
    every(rows, "mutates", "error", "changes its input 'x' in place")


def test_python_control_flow_under_sympy(rows):
    r = rows["branches"]["sympy"]
    assert r["status"] == "unsupported" and "Python control flow" in r["message"]
    assert rows["branches"]["torch"]["status"] == "ok"


def test_a_wrong_reference_is_caught(rows):
    for r in rows["wrong_reference"].values():  # the certified oracle's replaces it
        assert "reference= disagrees with the certified oracle's derivative" in r["message"]
        assert r["status"] == "ok" and r["passed"] is True and r["reference"] == "arb"
    for r in rows["wrong_untraceable_reference"].values():  # so also where SymPy cannot go
        if r["status"] == "unsupported":  # sympy (the branch), complex-step (a comparison)
            continue
        assert "reference= disagrees with the certified oracle's derivative" in r["message"]
        assert r["reference"] == "arb"
    assert rows["wrong_untraceable_reference"]["torch"]["passed"] is True
    r = rows["wrong_opaque_reference"]["fd-central"]  # nothing to replace it with
    assert "no reference: the case's reference= disagrees with Ridders'" in r["message"]
    assert r["digits"] is None


def test_non_deterministic_results(rows):
    for method in set(DEFAULT) - {"sympy"}:
        r = rows["random"][method]
        assert r["status"] == "error" and "non-deterministic" in r["message"], method


@pytest.mark.parametrize(
    "case, text",
    [
        ("interrupts", "the case fails: KeyboardInterrupt"),
        ("exits", "the case fails: SystemExit: 0"),
        ("returns_none", "returns None; return a number or an array"),
        ("returns_text", "returns a str (<U9); return a number or an array"),
        ("returns_complex", "returns complex numbers (complex128)"),
        ("returns_integer", "returns int64 values, not floats"),
        ("returns_nothing", "returns an empty array (0,): nothing to differentiate"),
        ("reference_of_the_wrong_shape", "reference= gives 2 numbers"),
    ],
)
def test_what_a_case_raises_or_returns_is_its_rows_error(rows, case, text):
    every(rows, case, "error", text)


def test_a_reference_that_never_returns_is_stopped_by_the_time_limit(rows):
    every(rows, "slow_reference", "timeout", "ran past the time limit of 3 s")


def test_no_ok_row_where_f_is_not_real(rows):
    for method, r in rows["not_real"].items():
        assert r["status"] != "ok", (method, r["value"])
    r = rows["not_real"]["complex-step"]  # Im log(-9.5 + ih) / h is pi / h, not a slope
    assert r["status"] == "unsupported" and "complex-valued at this point" in r["message"]
    assert "not real and finite at this point" in rows["not_real"]["torch"]["message"]


@pytest.mark.parametrize("case", GOOD)
def test_the_good_cases_beside_them_are_complete_and_right(rows, case):
    assert set(rows[case]) == set(DEFAULT)
    for method, r in rows[case].items():
        assert r["status"] == "ok" and r["passed"] is True, (method, r["message"])
        assert r["eval_s"] > 0 and r["digits"] >= 4


def test_the_memory_limit_counts_above_the_imports():
    """--memory-limit is what the cells may take: a CUDA build of torch alone holds a GiB."""
    code = (
        "import resource; from diffcompare.runner.isolated import Sources, _data_bytes, _start; "
        "_start(Sources(builtin=False), 256); "
        "print(resource.getrlimit(resource.RLIMIT_DATA)[0] - _data_bytes())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert 200 * 2**20 < int(out.stdout) <= 256 * 2**20


@pytest.mark.parametrize("isolation", ["none", "process"])
def test_a_short_time_limit_is_not_spent_on_one_time_setup(isolation, tmp_path):
    """A fresh process's first forward-mode cell loads torch's decompositions and
    torch._dynamo (about a second), its first oracle imports SymPy: neither is a cell's
    time. A replaced worker sets up again before its first cell, not inside it."""
    argv = ["run", "--case", "grad_sum,rosenbrock_n10", "--method", "torch-forward"]
    argv += ["--timeout", "0.5", "--isolation", isolation, "--no-progress", "--out", tmp_path]
    subprocess.run([sys.executable, "-m", "diffcompare", *map(str, argv)], check=True)
    data = json.loads((tmp_path / "results.json").read_text())["results"]
    assert len(data) == 4 * len(available_devices())  # two cases, two dtypes, each device
    for r in data:
        assert r["status"] == "ok" and r["passed"] is True, (r["case"], r["message"])


def test_set_up_leaves_the_first_reference_no_heavy_import_and_no_collection_due():
    """What the time limit of a fresh process's first cell would have paid: SymPy's first
    Add of three terms imports sympy.tensor (0.05–0.2 s), and the objects the imports
    made have a full garbage collection due (0.14 s)."""
    code = (
        "import gc, sys; from diffcompare import oracle; from diffcompare.form import registry; "
        "from diffcompare.runner import setup as worker; "
        "from diffcompare.form.problem import bind, output_shape; "
        "worker.set_up(()); print(*gc.get_count()[1:]); registry.builtin(); "
        "case = registry.get('grad_sum'); before = set(sys.modules); "
        "oracle.reference(bind(case, 'gradient', 'float64', output_shape(case))); "
        "print(*sorted(set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    due, imported = out.stdout.splitlines()
    assert due == "0 0"  # no collection of the older generations pending
    heavy = (
        "sympy.tensor",
        "sympy.combinatorics",
        "diffcompare.symbolic.kink",
        "diffcompare.symbolic.template",
    )
    assert not [m for m in imported.split() if m.startswith(heavy)]


def test_set_up_lets_no_warning_of_torchs_through():
    """No warning of torch's own reaches a user: the forward mode's set-up loads torch's
    jvp decompositions, which torch scripts with torch.jit, deprecated (a FutureWarning,
    shown to everyone, from torch 2.14; a DeprecationWarning, shown here by -W default,
    before)."""
    code = "from diffcompare import methods; from diffcompare.runner.setup import set_up; "
    code += "set_up(methods.METHODS)"
    argv = [sys.executable, "-W", "default", "-c", code]
    out = subprocess.run(argv, check=True, capture_output=True, text=True)
    assert [line for line in out.stderr.splitlines() if "torch" in line] == []
