"""`report` and `compare` work on saved JSON alone."""

import json
import os
import signal
import subprocess
import sys

import pytest

from diffcompare.cli import main
from diffcompare.runner.result import Result, Results


def row(case="c", method="torch", digits=15.0, eval_s=1e-4, status="ok"):
    return Result(
        case=case,
        operator="gradient",
        method=method,
        family="automatic",
        device="cpu",
        dtype="float64",
        n=3,
        status=status,
        digits=digits,
        eval_s=eval_s,
        passed=True,
    )


def save(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(Results({"python": "3.11"}, tuple(rows), {"c": "a case"}).to_json())
    return str(path)


def test_compare_flags_lost_digits_and_exits_1(tmp_path, capsys):
    old = save(
        tmp_path, "old.json", [row(), row(method="fd-central", digits=10.0), row(case="gone")]
    )
    new = save(
        tmp_path,
        "new.json",
        [row(digits=14.5, eval_s=3e-4), row(method="fd-central", digits=7.0), row(case="added")],
    )
    assert main(["compare", old, new]) == 1
    out = capsys.readouterr().out
    assert "1 added, 1 gone, 1 lost more than 1 digits" in out
    assert "-3.0 ✗" in out and "×3.00" in out  # fd-central lost 3 digits; torch got 3x slower


def test_compare_passes_when_nothing_regressed(tmp_path, capsys):
    old = save(tmp_path, "old.json", [row()])
    new = save(tmp_path, "new.json", [row(digits=14.6)])
    assert main(["compare", old, new, "--threshold", "0.5"]) == 0
    assert "no row changed" in capsys.readouterr().out


def test_a_new_run_whose_digits_are_all_nan_is_a_loss(tmp_path):
    old = save(tmp_path, "old.json", [row(), row(method="fd-central", digits=10.0)])
    new = save(
        tmp_path,
        "new.json",
        [row(digits=float("nan")), row(method="fd-central", digits=float("nan"))],
    )
    assert main(["compare", old, new]) == 1


def test_a_row_that_starts_failing_counts_as_lost(tmp_path):
    old = save(tmp_path, "old.json", [row()])
    new = save(tmp_path, "new.json", [row(digits=None, status="error")])
    assert main(["compare", old, new]) == 1


def test_report_redraws_from_json(tmp_path):
    src = save(tmp_path, "results.json", [row(), row(method="sympy")])
    out = tmp_path / "again"
    assert main(["report", src, "--out", str(out)]) == 0
    assert "| c " in (out / "summary.md").read_text()
    assert json.loads((out / "results.json").read_text())["cases"] == {"c": "a case"}
    assert (out / "summary.md").stat().st_mode & 0o044  # readable by others, as files are


def test_report_takes_a_run_folder(tmp_path):
    save(tmp_path, "results.json", [row()])
    assert main(["report", str(tmp_path)]) == 0
    assert "| c " in (tmp_path / "summary.md").read_text()


def test_report_and_compare_need_no_torch(tmp_path):
    from diffcompare.report.files import atomic_write
    from diffcompare.sweep import swell

    src = save(tmp_path, "results.json", [row()])
    sweep = swell.sweep(["nested sin/cos"])
    (tmp_path / "r").mkdir()
    atomic_write(tmp_path / "r" / sweep.filename, sweep.to_json())
    code = (
        f"import sys; from diffcompare.cli import main; "
        f"assert main(['compare', {src!r}, {src!r}]) == 0; "
        f"assert main(['report', {src!r}, '--out', {str(tmp_path / 'r')!r}]) == 0; "
        f"assert 'torch' not in sys.modules and 'sympy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    html = (tmp_path / "r" / "report.html").read_text()
    assert "Expression swell" in html and "data:image/png;base64," in html


def test_bad_files_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["compare", str(bad), "missing.json"]) == 2
    assert main(["report", "missing.json"]) == 2
    assert main(["report", str(tmp_path)]) == 2  # a folder without a results.json
    err = capsys.readouterr().err
    assert "not a diffcompare results file" in err and "results file not found" in err
    assert len(err.strip().splitlines()) == 3


def _render(folder, results, monkeypatch, shared_from, helper=None):
    import re

    from diffcompare.report import files
    from diffcompare.report import helper as drawing

    monkeypatch.setattr(drawing, "SHARED_FROM", shared_from)
    monkeypatch.setattr(drawing, "cores", lambda: 2)
    page = files.render(folder, results, helper).read_text()
    return sorted(p.name for p in (folder / "plots").iterdir()), re.findall(r'alt="([^"]+)"', page)


def _results(n=5):
    cases = [f"case{i}" for i in range(n)]
    return cases, Results(
        {}, tuple(row(case=c, method=m) for c in cases for m in ("torch", "sympy"))
    )


def test_a_helper_process_draws_figures_to_the_same_page(tmp_path, monkeypatch):
    cases, results = _results()
    (tmp_path / "alone").mkdir(), (tmp_path / "shared").mkdir()
    alone = _render(tmp_path / "alone", results, monkeypatch, shared_from=1000)
    shared = _render(tmp_path / "shared", results, monkeypatch, shared_from=2)
    assert alone == shared
    assert shared[1] == ["digits heat map", "legend", *cases]


def test_the_two_processes_draw_each_case_once(tmp_path):
    from diffcompare.report import plots
    from diffcompare.report.helper import Helper

    cases, results = _results(12)
    helper = Helper()
    try:
        helper.share(results, cases, tmp_path)
        mine = plots.save_scatter(results, helper.taken(cases), tmp_path)
        theirs = helper.images()
    finally:
        helper.close()
    assert theirs is not None and not set(mine) & set(theirs)
    assert sorted(mine | theirs) == sorted(f"scatter_{c}" for c in cases)


@pytest.mark.parametrize("fault", [signal.SIGKILL, signal.SIGSTOP], ids=["dies", "hangs"])
def test_figures_a_failed_helper_did_not_draw_are_drawn_here(tmp_path, monkeypatch, fault):
    from diffcompare.report import helper as drawing

    monkeypatch.setattr(drawing, "ANSWER_S", 0.5)
    cases, results = _results()
    helper = drawing.Helper()
    helper.counter.next(), helper.counter.next()  # it took two cases, then died or hung
    os.kill(helper.process.pid, fault)
    try:
        files, alts = _render(tmp_path, results, monkeypatch, shared_from=2, helper=helper)
    finally:
        helper.close()
    assert alts == ["digits heat map", "legend", *cases]
    assert files == sorted(
        ["heatmap.png", "scatter_legend.png", *(f"scatter_{c}.png" for c in cases)]
    )


def test_each_scatter_drawn_in_the_shared_figure_is_the_one_drawn_alone(tmp_path):
    """save_scatter refills one figure case after case: nothing of a case (its points, its
    x range) may show in the next one's picture."""
    from dataclasses import replace

    from diffcompare.report import plots

    methods = (("torch", "automatic", 15.0, 1), ("sympy", "symbolic", 16.0, 0.1))
    methods += (("fd-central", "numeric", 8.0, 30),)
    rows = tuple(
        replace(row(case, method, digits, t * k), family=family, dtype=dtype)
        for case, t in (("slow", 3e-1), ("fast", 2e-6), ("mid", 5e-4))
        for method, family, digits, k in methods
        for dtype in ("float64", "float32")
    )
    results = Results({}, rows)
    together = plots.save_scatter(results, ["slow", "fast", "mid"], tmp_path / "together")
    for case in ("slow", "fast", "mid"):
        alone = plots.save_scatter(results, [case], tmp_path / case)
        assert alone[f"scatter_{case}"].read_bytes() == together[f"scatter_{case}"].read_bytes()


def test_the_console_entry_leaves_no_semaphore_behind(tmp_path):
    """It leaves with os._exit: the helper's shared counter must be unlinked before, or
    multiprocessing's resource tracker warns of a leaked semaphore on every run."""
    from diffcompare.report.files import write_sweep
    from diffcompare.sweep import swell

    cases, results = _results(20)  # enough figures for a helper
    path = tmp_path / "results.json"
    path.write_text(results.to_json())
    write_sweep(swell.sweep(["n-factor product"]), tmp_path)  # (without one, no warning came)
    code = (
        "import sys; from diffcompare.report import helper; helper.cores = lambda: 2; "
        f"sys.argv = ['diffcompare', 'report', {str(path)!r}]; "
        "from diffcompare.cli import entry; entry()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "plots").glob("scatter_case*.png"))) == 20
    assert done.stderr.startswith("wrote ") and done.stderr.count("\n") == 1, done.stderr
