"""torch-compile: the compile is prepare, the first call apart, and what it cannot do it
says."""

import json
import os
import subprocess
import sys

from diffcompare.form import registry
from diffcompare.methods import DEFAULT, by_name
from diffcompare.runner.executor import InProcess
from diffcompare.runner.loop import run
from diffcompare.runner.plan import Plan
from tests.conftest import FAST


def _rows(case, operators, dtypes=("float64",)):
    c = registry.get(case)
    plan = Plan((c,), (by_name("torch-compile"),), dtypes=dtypes, operators=operators, budget=FAST)
    return {r.operator: r for r in run(plan, progress=False, worker=InProcess(plan, 60)).rows}


def test_a_compiled_gradient_is_scored_and_its_compile_is_prepare():
    import torch._dynamo.utils

    torch._dynamo.utils.counters.clear()
    row = _rows("rosenbrock_n10", ("gradient", "vjp"))["gradient"]
    assert row.status == "ok" and row.passed, row.message
    assert "torch.compile(f, backend=" in row.message
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1  # it did compile
    assert row.prepare_s > row.first_call_s > 0 and row.eval_s > 0


def test_what_torch_compile_cannot_do_is_unsupported_with_the_reason():
    rows = _rows("rosenbrock_n10", ("hessian", "hvp", "jvp"))
    for row in rows.values():
        assert row.status == "unsupported" and "no double backward" in row.message


def test_it_is_asked_for_by_name():
    assert "torch-compile" not in DEFAULT


def test_inductor_compiles_a_gradient(tmp_path):
    """The real backend once, in a fresh process: generated code, scored like the rest."""
    env = {**os.environ, "DIFFCOMPARE_COMPILE_BACKEND": "inductor"}
    argv = [sys.executable, "-m", "diffcompare", "run", "--case", "sin_exp", "--method"]
    argv += ["torch-compile", "--dtype", "float64", "--quick", "--no-progress", "--out", tmp_path]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads((tmp_path / "results.json").read_text())["results"]
    assert row["status"] == "ok" and row["passed"], row["message"]
    assert "backend='inductor'" in row["message"]
