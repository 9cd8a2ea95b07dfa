"""Bad input on the command line: one line on stderr and exit 2, nothing computed lost;
damaged files skipped with a note; every path through a user's code bounded."""

import errno
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from diffcompare.cli import main
from diffcompare.report import tables
from diffcompare.runner import journal, lock
from diffcompare.runner.result import Result
from diffcompare.sweep.record import file_name

CLI = [sys.executable, "-m", "diffcompare"]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("diffcompare: error: ") and "\n" not in err, err
    return err


def _quick_run(out, *more):
    argv = ["run", "--quick", "--case", "sine", "--method", "fd-central", "--no-progress"]
    return main([*argv, "--out", str(out), *more])


def _write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


@pytest.mark.parametrize(
    "text",
    [
        '{"results": "abc", "environment": {}}',
        '{"results": [], "environment": []}',
        '{"results": [{"case": 1}], "environment": {}}',
        '{"results": [{"case": "a", "operator": "gradient", "method": "m", "family": "f", '
        '"device": "cpu", "dtype": "float64", "n": "two", "status": "ok"}], "environment": {}}',
        '{"results": [{"case": "a", "operator": "gradient", "method": "m", "family": "f", '
        '"device": "cpu", "dtype": "float64", "n": 2, "status": "fine"}], "environment": {}}',
        "[1, 2]",
        "[" * 100_000 + "]" * 100_000,
        "not json",
    ],
)
@pytest.mark.parametrize("verb", ["report", "compare"])
def test_a_results_file_of_the_wrong_shape_is_one_line(tmp_path, capsys, text, verb):
    (tmp_path / "results.json").write_text(text)
    argv = [verb, str(tmp_path)] + ([str(tmp_path)] if verb == "compare" else [])
    assert main(argv) == 2
    assert "is not a diffcompare results file" in _one_line(capsys)


@pytest.mark.parametrize(
    "formula, at, says",
    [
        ("sin", "x=1", "sin is a function: call it, e.g. sin(x)"),
        ("xp * 2", "x=1", "'xp' is taken"),
        ("x * 2", "xp=1", "'xp' is taken"),
    ],
)
def test_formulas_refused_in_one_line(capsys, formula, at, says):
    assert main(["quick", formula, "--at", at]) == 2
    assert says in _one_line(capsys)


def test_a_parsers_warning_is_no_second_line():
    """Under -W always, an odd escape in a formula makes Python's parser warn: still
    one line and exit 2."""
    done = subprocess.run(
        [sys.executable, "-W", "always", "-m", "diffcompare", "quick", "x + '\\d'", "--at", "x=1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("diffcompare: error:")


def test_sys_exit_at_a_case_files_import_is_exit_2(tmp_path, capsys):
    cases = _write(tmp_path / "leaves.py", "import sys\nsys.exit(0)\n")
    assert main(["run", "--cases", str(cases), "--out", str(tmp_path / "o")]) == 2
    assert "raises sys.exit(0) at import" in _one_line(capsys)


def test_a_full_disk_is_one_line_and_the_rows_stay(tmp_path, capsys, monkeypatch):
    from diffcompare.report import files

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files, "atomic_write", full)
    assert _quick_run(tmp_path) == 2
    err = _one_line(capsys)
    assert "No space left on device" in err and "results.json" in err
    assert journal.read(tmp_path)  # the rows computed are in results.jsonl


def test_a_read_only_out_is_refused_before_the_run(capsys):
    target = Path("/sys/diffcompare-test")  # sysfs refuses new files, even to root
    try:
        target.mkdir()
    except OSError:
        pass  # refused, as it should be: the test can run
    else:
        target.rmdir()
        pytest.skip("needs a read-only /sys (this one took a folder)")
    assert _quick_run(target) == 2
    assert "cannot write to --out" in _one_line(capsys)


def test_one_run_per_out_folder(tmp_path, capsys):
    with lock.held(tmp_path):
        assert _quick_run(tmp_path) == 2
    err = _one_line(capsys)
    import os

    assert f"being written by another diffcompare run (pid {os.getpid()})" in err
    assert _quick_run(tmp_path) == 0  # released: the next run goes ahead
    assert not (tmp_path / lock.NAME).exists()  # and no lock file left behind


def test_a_killed_run_s_lock_file_is_taken_over(tmp_path):
    (tmp_path / lock.NAME).write_text("99999999\n")  # a killed run's: no one holds it
    assert _quick_run(tmp_path) == 0
    assert not (tmp_path / lock.NAME).exists()


def test_a_damaged_sweep_file_is_skipped_with_a_note(tmp_path, capsys):
    assert _quick_run(tmp_path) == 0
    (tmp_path / "sweep_step.json").write_text('{"kind": "step", "points": ')
    capsys.readouterr()
    assert main(["report", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "diffcompare: note: skipped" in err and "sweep_step.json" in err


def test_a_damaged_journal_line_is_skipped_with_a_note_and_computed_again(tmp_path, capsys):
    assert _quick_run(tmp_path) == 0
    path = tmp_path / journal.NAME
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "{damaged", *lines[1:]]) + "\n")
    capsys.readouterr()
    assert main(["run", "--resume", str(tmp_path), "--no-progress"]) == 0
    assert "skipped 1 damaged line(s)" in capsys.readouterr().err


def test_resume_finds_relative_case_files_from_anywhere(tmp_path, monkeypatch):
    _write(
        tmp_path / "mine.py",
        """
        from diffcompare import case, xnp

        @case(inputs={"x": 0.4})
        def my_sine(x, xp=xnp):
            return xp.sin(x)
        """,
    )
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--cases", "mine.py", "--method", "fd-central", "--dtype", "float64"]
    assert main([*argv, "--isolation", "none", "--no-progress", "--out", "o"]) == 0
    saved = json.loads((tmp_path / "o" / "run.json").read_text())
    assert str(tmp_path / "mine.py") in saved
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["run", "--resume", str(tmp_path / "o"), "--no-progress"]) == 0


def test_resume_refuses_a_case_file_changed_since_and_a_hostile_run_json(
    tmp_path, monkeypatch, capsys
):
    mine = _write(
        tmp_path / "mine.py",
        """
        from diffcompare import case, xnp

        @case(inputs={"x": 0.4})
        def my_cosine(x, xp=xnp):
            return xp.cos(x)
        """,
    )
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--cases", "mine.py", "--method", "fd-central", "--dtype", "float64"]
    assert main([*argv, "--isolation", "none", "--no-progress", "--out", "o"]) == 0
    mine.write_text(mine.read_text().replace("xp.cos(x)", "xp.cos(2 * x)"))
    capsys.readouterr()
    assert main(["run", "--resume", "o", "--no-progress"]) == 2
    assert "mine.py changed since the run" in _one_line(capsys)
    for hostile in ('{"a": 1}', "[1, 2]", "3"):
        (tmp_path / "o" / "run.json").write_text(hostile)
        assert main(["run", "--resume", "o", "--no-progress"]) == 2
        assert "is damaged" in _one_line(capsys)


def test_a_case_name_is_one_line(fresh_names):
    from diffcompare import case, xnp
    from diffcompare.errors import CaseError

    with pytest.raises(CaseError, match="one line of printable text"):

        @case(inputs={"x": 1.0}, name="two\nlines")
        def f(x, xp=xnp):
            return x


def test_a_pipe_or_line_break_stays_in_its_cell():
    rows = [
        Result("a|b", "derivative", "m", "numeric", "cpu", "float64", 1, "error", "x|y\nz"),
        Result("plain", "derivative", "m", "numeric", "cpu", "float64", 1, "ok"),
    ]
    for text in (tables.accuracy(rows), tables.reasons(rows)):
        lines = text.splitlines()
        bars = {line.replace("\\|", "").count("|") for line in lines}
        assert len(bars) == 1, text  # every line has as many cell borders as the header
    assert "a\\|b" in tables.accuracy(rows)  # the name, escaped, in one cell


def test_names_that_would_meet_in_a_file_name_keep_their_plots_apart():
    names = ["a|b", "a_b", "a/b", "A_b", "a b", "ä_b"]
    assert len({file_name(n) for n in names}) == len(names)
    assert file_name("rosenbrock_n10") == "rosenbrock_n10"  # plain names stay as they are


def test_a_slow_reference_does_not_hold_up_list(tmp_path):
    cases = _write(
        tmp_path / "slow.py",
        """
        import time
        from diffcompare import case, xnp

        @case(inputs={"x": 0.5}, reference=lambda x: time.sleep(3600))
        def slow_reference(x, xp=xnp):
            return xp.sin(x)
        """,
    )
    done = subprocess.run(
        [*CLI, "list", "--cases", str(cases)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and "slow_reference" in done.stdout


def test_quick_bounds_the_kink_search():
    done = subprocess.run(
        [*CLI, "quick", "abs(((x**999)**999)**999 - 1)", "--at", "x=0.3", "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "the search for a kink at this point ran past the time limit of 2 s" in done.stdout


def test_isolation_none_says_what_it_risks(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "'none' risks the whole run on one case" in text


@pytest.mark.parametrize("limit", ["inf", "1e300", "-1", "nan", "soon"])
def test_a_time_limit_that_cannot_be_armed_is_one_line(tmp_path, capsys, limit):
    assert _quick_run(tmp_path, "--timeout", limit) == 2
    assert "--timeout" in _one_line(capsys)
