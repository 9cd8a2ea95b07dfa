"""What CI can gate on: run --strict, --version, and a near miss named in the error."""

import re

import pytest

from diffcompare.cli import main


def _run(tmp_path, cases, *more):
    argv = ["run", "--quick", "--case", cases, "--method", "fd-central,torch", "--no-progress"]
    return main([*argv, "--out", str(tmp_path), *more])


def test_strict_fails_a_row_beyond_its_tolerance_and_names_it(tmp_path, capsys):
    assert _run(tmp_path, "detached,sine", "--strict") == 1  # detach: invisible to values
    err = capsys.readouterr().err
    assert "--strict: 1 of 4 rows failed" in err
    assert "detached gradient fd-central@cpu float64" in err


def test_strict_passes_a_clean_run_and_without_it_failures_exit_0(tmp_path):
    assert _run(tmp_path / "a", "sine", "--strict") == 0
    assert _run(tmp_path / "b", "detached") == 0


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.startswith("diffcompare ")


@pytest.mark.parametrize(
    "argv, hint",
    [
        (["run", "--method", "torh"], "did you mean 'torch'?"),
        (["run", "--tag", "sed"], "did you mean 'seed'?"),
        (["run", "--case", "rosenbrok"], "did you mean 'rosenbrock_n2'"),
        (["list", "--dtype-typo"], "unrecognized arguments"),
    ],
)
def test_a_near_miss_is_named(capsys, argv, hint):
    assert main(argv) == 2
    assert hint in capsys.readouterr().err


def test_the_terminal_summary_fits_a_screen(tmp_path, capsys):
    """The verdict per method and the failures case by case: at most 60 lines of at most
    120 columns, whatever the run; --quiet the verdict alone, --full summary.md."""
    from diffcompare.report.verdict import brief
    from diffcompare.runner.result import Result, Results

    rows = [
        Result(f"case_{k}", "gradient", m, "numeric", "cpu", dt, 3, s, "why " * 40)
        for k in range(200)
        for m in ("fd-central", "torch", "sympy")
        for dt in ("float64", "float32")
        for s in ("error",)
    ]
    text = brief(Results({}, tuple(rows)))
    lines = text.splitlines()
    assert len(lines) <= 60 and max(map(len, lines)) <= 120
    assert re.search(r"… and \d+ more cases", text)
    assert "| fd-central" in text and "0 / 0" in text
    assert "case_0" not in brief(Results({}, tuple(rows)), quiet=True)


def test_run_prints_the_verdict_and_full_prints_every_table(tmp_path, capsys):
    assert _run(tmp_path / "a", "detached,sine") == 0
    out = capsys.readouterr().out
    assert "passed / scored" in out and "detached: fd-central: ✗ beyond tolerance" in out
    assert "## Timing" not in out
    assert _run(tmp_path / "b", "sine", "--full") == 0
    assert "## Timing" in capsys.readouterr().out
    assert _run(tmp_path / "c", "sine", "--format", "latex") == 0
    assert "\\begin{tabular}" in capsys.readouterr().out


def _timed(tmp_path, name, eval_s, iqr):
    from diffcompare.runner.result import Result, Results

    rows = tuple(
        Result(case, "gradient", "torch", "automatic", "cpu", "float64", 2, "ok", digits=15.0,
               passed=True, eval_s=t, eval_iqr_s=q)
        for case, t, q in (("steady", eval_s, iqr), ("jumpy", eval_s, 30 * eval_s))
    )  # fmt: skip
    path = tmp_path / f"{name}.json"
    path.write_text(Results({}, rows).to_json())
    return str(path)


def test_compare_gates_a_steady_slowdown_and_sets_noisy_rows_apart(tmp_path, capsys):
    old = _timed(tmp_path, "old", 1e-4, 1e-6)
    new = _timed(tmp_path, "new", 12e-4, 1e-6)  # ×12 slower
    assert main(["compare", old, new]) == 0  # digits alone: nothing lost
    capsys.readouterr()
    assert main(["compare", old, new, "--time-threshold", "2"]) == 1
    out = capsys.readouterr().out
    assert "1 slower than ×2" in out and "×12.00 ✗" in out
    assert "×12.00 (noisy: not comparable)" in out  # jumpy: its IQR is 30 medians
    assert "1 timed too noisily to compare" in out


def test_noisy_timings_are_marked_in_the_tables():
    from diffcompare.report import tables
    from diffcompare.runner.result import Result

    steady, jumpy = (
        Result(c, "gradient", "torch", "automatic", "cpu", "float64", 2, "ok", eval_s=1e-4,
               eval_iqr_s=q)
        for c, q in (("steady", 1e-6), ("jumpy", 1e-3))
    )  # fmt: skip
    text = tables.timing([steady, jumpy])
    assert "100 µs ~" in text and text.count("~") == 1


def test_a_reused_out_folder_holds_only_this_runs_files(tmp_path):
    (tmp_path / "plots").mkdir()
    stale = [tmp_path / "plots" / "scatter_gone.png", tmp_path / "sweep_step.json"]
    for path in stale:
        path.write_text("from an earlier run")
    mine = tmp_path / "notes.txt"  # not diffcompare's: left alone
    mine.write_text("keep")
    assert _run(tmp_path, "sine") == 0
    assert not any(p.exists() for p in stale) and mine.read_text() == "keep"
    assert (tmp_path / "results.json").exists()


def test_full_wraps_wide_tables_to_the_terminal(tmp_path, capsys, monkeypatch):
    """--full prints summary.md's tables; wider than the terminal, the method columns go
    into several tables, each with the case, operator and dtype again, none lost."""
    monkeypatch.setenv("COLUMNS", "90")
    argv = ["run", "--quick", "--case", "sine,detached", "--method", "all", "--no-progress"]
    assert main([*argv, "--full", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    tables = [line for line in out.splitlines() if line.startswith("|")]
    assert tables and max(map(len, tables)) <= 90
    heads = [line for line in tables if line.startswith("| case ")]
    assert len(heads) > 2  # accuracy and timing, each in more than one table
    for name in ("sympy", "fd-richardson", "torch-forward", "scipy-differentiate"):
        assert any(f" {name} " in h for h in heads), name
    summary = (tmp_path / "summary.md").read_text()  # the file keeps one table each
    assert max(len(line) for line in summary.splitlines() if line.startswith("|")) > 90
