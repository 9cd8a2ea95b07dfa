"""The Python API: compare() and run() return Results, which a notebook shows and a
script turns into a DataFrame, tables, figures and the files `run --out` writes."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

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
    assert "image/png" in outputs[2][0]["data"]  # the scatter
    assert (tmp_path / "notebook-report" / "report.html").exists()
