"""What CI can gate on: run --strict, --version, and a near miss named in the error."""

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
