import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from diffcompare.cli import main
from diffcompare.methods import DEFAULT

EXAMPLE = Path(__file__).parent.parent / "examples" / "my_cases.py"


def never_returns(x, xp=np):
    while True:
        time.sleep(0.01)


def test_user_case_file_runs_in_a_fresh_process_and_reaches_every_output(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "diffcompare",
            "run",
            "--cases",
            str(EXAMPLE),
            "--out",
            str(out),
            "--quick",
            "--no-progress",
            "--dtype",
            "float64",
            "--full",  # every table of summary.md, the table of cases included
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((out / "results.json").read_text())["results"]
    assert {r["case"] for r in rows} == {"rosenbrock", "linear_map", "doubling"}
    by = {(r["case"], r["method"]): r for r in rows}
    assert by[("rosenbrock", "torch")]["digits"] >= 13
    assert by[("linear_map", "sympy")]["operator"] == "jacobian"
    assert by[("doubling", "sympy")]["status"] == "unsupported"
    assert by[("doubling", "fd-central")]["reference"] == "case"
    for name in ("results.csv", "summary.md"):
        text = (out / name).read_text()
        assert "rosenbrock" in text and "linear_map" in text and "doubling" in text
    assert "rosenbrock" in proc.stdout  # the terminal shows the summary
    # the docstring, its |a| escaped: a bar of its own would end the markdown cell
    assert "| doubling   | Doubles a until \\|a\\| reaches 1000" in proc.stdout


def test_the_readme_shows_the_example_file_as_it_is():
    readme = (EXAMPLE.parent.parent / "README.md").read_text()
    shown = readme.split("examples/my_cases.py)):\n\n```python\n")[1].split("```")[0]
    body = EXAMPLE.read_text().split('"""', 2)[2]  # after the module docstring

    def code(text):
        return [line for line in text.splitlines() if line.strip()]

    assert code(shown) == code(body)


def test_the_example_file_imports_as_plain_python():
    from diffcompare.form import registry

    registry.load(str(EXAMPLE))
    (rosen,) = registry.select(["rosenbrock"])
    import numpy as np

    assert rosen(np.array([1.0, 1.0, 1.0])) == 0.0
    registry.unregister("rosenbrock")
    registry.unregister("linear_map")
    registry.unregister("doubling")


def test_run_writes_results_in_process(tmp_path):
    code = main(
        [
            "run",
            "--case",
            "sine,grad_sum",
            "--method",
            "sympy,torch",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
            "--quick",
            "--no-progress",
        ]
    )
    assert code == 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert {"python", "numpy", "sympy", "torch", "cpu", "timestamp"} <= set(data["environment"])
    assert len(data["results"]) == 2 * 2 * 1  # cases x methods x dtypes (--quick: float64)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "--case", "no_such_case"], "no case matches"),
        (["run", "--method", "magic"], "unknown method 'magic'; choose from: sympy"),
        (["run", "--tag", "nope"], "unknown tag 'nope'"),
        (["run", "--device", "tpu"], "unknown device 'tpu'"),
        (["run", "--dtype", "float16"], "unknown dtype 'float16'"),
        (["run", "--operator", "curl"], "unknown operator 'curl'"),
        (["run", "--cases", "missing_file.py"], "case file not found"),
        (["run", "--seed", "abc"], "invalid int value"),
        (["run", "--step", "-1", "--case", "sine"], "--step must be a positive number"),
        (["frobnicate"], "invalid choice"),
        (["run", "--resume", "/nonexistent/run"], "holds no interrupted run"),
        (["run", "--timeout", "0"], "--timeout: a time limit is a positive number of seconds"),
        (["run", "--memory-limit", "10"], "--memory-limit is in MiB"),
        (["run", "--isolation", "threads"], "invalid choice"),
    ],
)
def test_misuse_exits_2_with_one_line(capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


BROKEN = {
    "typo.py": ("def f(x:\n", "typo.py:1: SyntaxError: '(' was never closed"),
    "index.py": (
        "import numpy as np\n\nX = np.zeros(3)\nY = X[5]\n",
        "index.py:4: IndexError: index 5 is out of bounds",
    ),
    "imports.py": ("import no_such_module_here\n", "No module named 'no_such_module_here'"),
}


@pytest.mark.parametrize("command", [["list"], ["run", "--quick"], ["show", "sine"]])
@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_case_file_is_one_line_naming_where(tmp_path, monkeypatch, capsys, name, command):
    text, words = BROKEN[name]
    (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--cases", name]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_case_file_in_show_is_one_line(capsys):
    assert main(["show", "sine", "--cases", "no_such_file.py"]) == 2
    assert capsys.readouterr().err == "diffcompare: error: case file not found: no_such_file.py\n"


def test_cuda_is_refused_cleanly_without_a_gpu(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert main(["run", "--device", "cuda", "--case", "sine"]) == 2
    assert "not available here" in capsys.readouterr().err


def test_a_reader_that_goes_away_stops_the_output_without_a_traceback():
    """`diffcompare quick ... | head -1`: its reader closes the pipe before the table."""
    argv = [sys.executable, "-m", "diffcompare", "quick", "sin(x)", "--at", "x=1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before anything is written: imports alone take a second
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141  # 128 + SIGPIPE, as `yes | head` ends
    assert err == ""


def test_list_shows_cases_with_their_operator(capsys):
    assert main(["list", "--tag", "jacobian"]) == 0
    out = capsys.readouterr().out
    assert "jac_matrix_vector" in out and "jacobian" in out and "sine" not in out


def test_list_names_a_case_that_never_returns_and_goes_on(capsys, fresh_names, monkeypatch):
    from diffcompare import explain
    from diffcompare.form.registry import case

    monkeypatch.setattr(explain, "SHAPE_LIMIT_S", 0.2)
    fresh_names.append("t_never_returns")
    case(inputs={"x": 1.0}, name="t_never_returns")(never_returns)

    assert main(["list", "--case", "t_never_returns,sine"]) == 0
    out = capsys.readouterr().out
    assert "| t_never_returns | timeout: over 0.2 s |" in out
    assert "| sine " in out and "derivative" in out


def test_the_method_table_stops_a_case_that_never_returns(monkeypatch):
    from diffcompare import explain
    from diffcompare.form.registry import make

    monkeypatch.setattr(explain, "DEFAULT_TIMEOUT_S", 0.2)
    table = explain.method_table(make("never_returns", never_returns, {"x": 1.0}))
    rows = [line for line in table.splitlines() if line.startswith("| ") and line[2] != " "]
    assert len(rows) == 1 + len(DEFAULT) and all("| timeout " in r for r in rows[1:])


def test_show_stops_each_section_that_never_returns(monkeypatch, capsys, fresh_names):
    import sympy  # noqa: F401 — imported first: a 0.3 s limit must not cut an import short
    import torch

    one = torch.tensor(1.0)
    torch.func.jvp(torch.sin, (one,), (one,))  # its first call imports decompositions

    from diffcompare import explain
    from diffcompare.form.registry import case

    monkeypatch.setattr(explain, "DEFAULT_TIMEOUT_S", 0.3)
    fresh_names.append("t_numpy_only")

    @case(inputs={"x": 1.0}, name="t_numpy_only")
    def numpy_only(x, xp=np):
        while not isinstance(x, float | np.ndarray):  # a SymPy symbol or a torch tensor
            time.sleep(0.01)
        return xp.sin(x)

    assert main(["show", "t_numpy_only"]) == 0
    out = capsys.readouterr().out
    assert out.count("(stopped: it ran past the time limit of 0.3 s)") == 2  # SymPy, torch
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ")}
    assert "| timeout " in rows["sympy"] and "| timeout " in rows["torch"]
    assert "| ok " in rows["fd-central"]


def test_show_refuses_a_case_that_never_returns_in_one_line(monkeypatch, capsys, fresh_names):
    from diffcompare import explain
    from diffcompare.form.registry import case

    monkeypatch.setattr(explain, "DEFAULT_TIMEOUT_S", 0.2)
    fresh_names.append("t_spins")
    case(inputs={"x": 1.0}, name="t_spins")(never_returns)

    assert main(["show", "t_spins"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "diffcompare: error: case 't_spins': calling it ran past the time limit of 0.2 s\n"
    )


def test_list_groups_cases_by_tag(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    heads = [line for line in out.splitlines() if line.startswith("## ")]
    assert [h.split()[1] for h in heads[:4]] == ["seed", "ml", "optimisation", "hard"]
    assert int(out.split()[0]) >= 60


def test_summary_shows_each_case_description(tmp_path):
    assert (
        main(
            [
                "run",
                "--case",
                "sine",
                "--method",
                "torch",
                "--dtype",
                "float64",
                "--out",
                str(tmp_path),
                "--quick",
                "--no-progress",
            ]
        )
        == 0
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "## The cases" in summary and "d/dx sin x = cos x." in summary


def test_sweeps_write_plot_table_and_html_section(tmp_path, capsys):
    out = str(tmp_path)
    args = ["--scheme", "fd-central", "--dtype", "float64", "--out", out]
    assert main(["sweep", "step", *args]) == 0
    assert "matches theory" in capsys.readouterr().out
    sizes = ["--case", "sum_of_squares", "--method", "torch", "--sizes", "2,10", "--quick"]
    assert main(["sweep", "size", *sizes, "--out", out]) == 0
    for name in ("sweep_step_sin_exp", "sweep_size_sum_of_squares"):  # named by what they study
        assert (tmp_path / f"{name}.json").stat().st_size > 0
        assert (tmp_path / f"{name}.md").stat().st_size > 0
        assert (tmp_path / "plots" / f"{name}.png").exists()
    html = (tmp_path / "report.html").read_text()
    assert 'id="sweep_step_sin_exp"' in html and 'id="sweep_size_sum_of_squares"' in html


def test_sweep_step_studies_a_formula_typed_here(tmp_path, capsys):
    args = ["--formula", "sin(x)/x", "--at", "x=1e-3", "--scheme", "fd-central"]
    assert main(["sweep", "step", *args, "--dtype", "float64", "--out", str(tmp_path)]) == 0
    assert "sin(x)/x float64 fd-central: best h" in capsys.readouterr().out
    (found,) = tmp_path.glob("sweep_step_sin_x__x-*.json")  # the text, made a file name
    data = json.loads(found.read_text())
    assert {(r["case"], r["scheme"]) for r in data["table"]} == {("sin(x)/x", "fd-central")}
    assert len(data["points"]) >= 10  # h from 1e-1 down to 1e-16
    other = ["--formula", "exp(x)", "--at", "x=1", "--scheme", "fd-central", "--dtype", "float64"]
    assert main(["sweep", "step", *other, "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("sweep_step_*.json"))) == 2  # neither overwrote the other
    assert len(list((tmp_path / "plots").glob("sweep_step_*.png"))) == 2


def test_sweep_size_takes_a_users_sized_cases(tmp_path):
    cases = tmp_path / "sized.py"
    cases.write_text(
        "import numpy as np\nfrom diffcompare import case, xnp\n\n"
        "@case(inputs=lambda n: {'x': np.linspace(0.1, 1.0, n)}, sizes=[4])\n"
        "def my_norm(x, xp=xnp):\n    return xp.sum(x * x)\n"
    )
    args = ["sweep", "size", "--cases", str(cases), "--method", "torch", "--sizes", "2,8"]
    assert main([*args, "--quick", "--out", str(tmp_path / "o")]) == 0
    data = json.loads((tmp_path / "o" / "sweep_size_my_norm.json").read_text())
    assert {p["family"] for p in data["points"]} == {"my_norm"}
    assert {p["n"] for p in data["points"]} == {2, 8}


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "step", "--scheme", "fd-nope"],
        ["sweep", "step", "--case", "no_such_case"],
        ["sweep", "size", "--case", "sin_exp"],
        ["sweep", "size", "--sizes", "10,ten"],
        ["sweep", "size", "--sizes", "0"],
        ["sweep", "size", "--timeout", "-1"],
        ["sweep", "size", "--method", "nope"],
        ["sweep", "nope"],
        ["sweep", "step", "--formula", "sin(x)"],
        ["sweep", "step", "--formula", "sin(x)", "--at", "x=1", "--case", "sine"],
        ["sweep", "step", "--formula", "open('f')", "--at", "x=1"],
    ],
)
def test_sweep_misuse_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("diffcompare: error:") and err.count("\n") == 1


def test_quick_without_a_selection_is_the_small_seed_cases_in_float64(tmp_path):
    assert (
        main(["run", "--quick", "--no-progress", "--method", "torch", "--out", str(tmp_path)]) == 0
    )
    rows = json.loads((tmp_path / "results.json").read_text())["results"]
    assert {r["dtype"] for r in rows} == {"float64"}
    assert all("seed" in r["tags"] and r["n"] <= 100 for r in rows)
    assert "rosenbrock_n100" in {r["case"] for r in rows}


def test_the_dask_executor_without_distributed_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    assert main(["run", "--case", "sine", "--executor", "dask"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'diffcompare[dask]'" in err and len(err.strip().splitlines()) == 1
