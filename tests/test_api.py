"""The Python API: compare() and run() return Results, which a notebook shows and a
script turns into a DataFrame, tables, figures and the files `run --out` writes."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import diffcompare
import diffcompare as dc
from diffcompare.methods import DEFAULT
from diffcompare.runner.result import Result

NOTEBOOK = Path(__file__).parent.parent / "examples" / "compare.ipynb"


def softplus_sum(x, xp):
    return xp.sum(xp.log(1 + xp.exp(x)))


@pytest.fixture(scope="module")
def results():
    x = np.linspace(-2.0, 2.0, 4)
    return dc.compare(softplus_sum, {"x": x}, dtypes=["float64", "float32"], operators="all")


def test_compare_gives_one_row_per_method_dtype_and_operator(results):
    frame = results.to_pandas()
    assert list(frame.columns)[:8] == [
        "case", "operator", "method", "family", "device", "dtype", "n", "status",
    ]  # fmt: skip
    keys = set(zip(frame["method"], frame["dtype"], frame["operator"]))
    operators = {"gradient", "hessian", "hvp", "jvp", "vjp"}  # every one for R^n -> R
    assert set(frame["operator"]) == operators
    assert len(frame) == len(keys) == len(DEFAULT) * 2 * len(operators)
    exact = frame[(frame.method == "torch") & (frame.dtype == "float64")]
    assert (exact.status == "ok").all() and (exact.digits > 14).all()


def test_the_tables_come_in_any_format(results):
    assert "\\begin{tabular}" in results.table("accuracy", fmt="latex")
    assert "<table>" in results._repr_html_()
    assert results._repr_markdown_().count("\n| softplus_sum") == 5 * 2  # operator x dtype
    with pytest.raises(ValueError, match="kind is one of"):
        results.table("speed")


def test_plots_are_figures_with_their_own_legend(results):
    fig = results.plot("scatter", "softplus_sum")
    (ax,) = fig.axes
    assert ax.get_legend() is not None and "correct digits" in ax.get_ylabel()
    assert "(s)" in ax.get_xlabel()
    assert results.plot("heatmap").axes


def test_save_writes_what_run_out_writes(results, tmp_path):
    paths = results.save(tmp_path)
    assert {p.name for p in paths.values()} >= {"results.json", "summary.md", "report.html"}
    again = dc.Results.load(tmp_path / "results.json")
    assert [r.key for r in again.rows] == [r.key for r in results.rows]


def test_compare_refuses_an_operator_that_does_not_apply():
    from diffcompare.errors import UsageError

    with pytest.raises(UsageError, match="compare\\(softplus_sum\\): jacobian does not apply"):
        dc.compare(softplus_sum, {"x": np.ones(3)}, operators="jacobian")


def test_run_takes_registered_cases_in_a_worker():
    found = dc.run(["sine"], methods=["fd-central", "torch"], dtypes="float64", quick=True)
    assert [(r.method, r.status) for r in found.rows] == [("fd-central", "ok"), ("torch", "ok")]
    assert all(isinstance(r, Result) and r.passed for r in found.rows)


def test_select_sees_the_built_in_suite_without_an_import():
    code = "import diffcompare as d; print(len(d.select()), len(d.select(tags=['seed'])))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total, seed = map(int, out.stdout.split())
    assert total >= 77 and 0 < seed < total


def test_the_notebook_runs_in_a_real_kernel(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on any cell that fails
    outputs = [c.outputs for c in nb.cells if c.cell_type == "code"]
    shown = outputs[0][0]["data"]
    assert "text/html" in shown and "softplus_sum" in shown["text/html"]
    assert "text/html" in outputs[1][0]["data"]  # the DataFrame
    # no %matplotlib inline: a fresh kernel draws the returned figure all the same
    assert not any("%matplotlib" in "".join(c.source) for c in nb.cells)
    assert "image/png" in outputs[2][0]["data"]  # the scatter
    assert "<table>" in outputs[3][0]["data"]["text/html"]  # results.table(), shown as HTML
    assert (tmp_path / "notebook-report" / "report.html").exists()


def _raises_interrupt(x, xp=np):
    raise KeyboardInterrupt


def _exits(x, xp=np):
    sys.exit(3)


def _spins(x, xp=np):
    while True:
        pass


@pytest.mark.parametrize(
    "fn, status, said",
    [
        (_raises_interrupt, "error", "raised KeyboardInterrupt"),
        (_exits, "error", "raised SystemExit: 3"),
        (_spins, "timeout", "ran past the time limit"),
    ],
    ids=["KeyboardInterrupt", "sys.exit", "spins"],
)
def test_compare_survives_a_function_that_fails_at_its_first_call(fn, status, said):
    start = time.perf_counter()
    results = diffcompare.compare(fn, {"x": np.array([0.3, 0.4])}, methods="torch", timeout=2)
    assert time.perf_counter() - start < 10
    (row,) = results.rows
    assert row.status == status and said in row.message


def test_compare_leaves_the_caller_s_state_as_it_was(tmp_path, monkeypatch):
    import mpmath
    import torch

    monkeypatch.chdir(tmp_path)

    def meddles(x, xp=np):
        torch.set_default_dtype(torch.float64)
        mpmath.mp.dps = 5
        np.seterr(all="raise")
        os.chdir("/")
        return xp.sum(x**2)

    before = (torch.get_default_dtype(), mpmath.mp.prec, np.geterr(), os.getcwd())
    rows = diffcompare.compare(meddles, {"x": np.array([0.3, 0.4])}, methods="torch").rows
    assert rows[0].status == "ok" and "restored" in rows[0].message
    assert (torch.get_default_dtype(), mpmath.mp.prec, np.geterr(), os.getcwd()) == before


SCRIPT = """
import diffcompare
{indent}results = diffcompare.run(["sine"], methods="torch", dtypes="float64", quick=True)
{indent}print(len(results.rows), "rows")
"""


@pytest.mark.parametrize("guarded", [False, True], ids=["bare", "guarded"])
def test_run_from_a_script_without_the_main_guard_says_so_at_once(tmp_path, guarded):
    body = SCRIPT.format(indent="    " if guarded else "")
    if guarded:
        body = body.replace("\n    results", '\nif __name__ == "__main__":\n    results', 1)
    script = tmp_path / "script.py"
    script.write_text(body)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    if guarded:
        assert done.returncode == 0 and "1 rows" in done.stdout, done.stderr[-500:]
    else:
        assert done.returncode == 1 and 'outside if __name__ == "__main__"' in done.stderr
