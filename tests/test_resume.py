"""No lost results: a run killed midway and resumed gives the uninterrupted run's rows,
without computing a finished row twice; Ctrl-C writes what is done; runs repeat exactly."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from diffcompare.cli import main

CASES = "sine,sin_exp,grad_sum,product_rule,quotient_rule,rosenbrock_n10,least_squares"
ARGS = [
    "--case",
    CASES,
    "--method",
    "sympy,fd-central,torch",
    "--quick",
    "--no-progress",
    "--isolation",
    "process",
]
TIMING = {
    "prepare_s",
    "first_call_s",
    "eval_s",
    "eval_iqr_s",
    "eval_min_s",
    "repeats",
    "noisy",
    "primal_s",
    "cost_ratio",
    "off_model",
    "traceback",
}


def accuracy(path):
    """The rows without their timings, by key."""
    rows = json.loads(path.read_text())["results"]
    return {
        (r["case"], r["operator"], r["method"], r["device"], r["dtype"]): {
            k: v for k, v in r.items() if k not in TIMING
        }
        for r in rows
    }


def start(out, *extra, selection=ARGS):
    cmd = [
        sys.executable,
        "-m",
        "diffcompare",
        "run",
        *selection,
        "--dtype",
        "float64",
        "--dtype",
        "float32",
        "--out",
        str(out),
        *extra,
    ]
    return subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # Ctrl-C as in a terminal: started in the background (`pytest &` from a script), the
        # tests would pass on an ignored SIGINT, and the run would never see it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_rows(journal, n, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if journal.exists() and journal.read_text().count("\n") >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} rows in {journal} after {timeout} s")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    assert start(out).wait(timeout=300) == 0
    return out


def test_sigkill_then_resume_gives_the_same_results(uninterrupted, tmp_path):
    proc = start(tmp_path)
    wait_for_rows(tmp_path / "results.jsonl", 12)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker, mid-flight
    proc.wait()
    assert not (tmp_path / "results.json").exists()
    before = [
        json.loads(line)
        for line in (tmp_path / "results.jsonl").read_text().splitlines()
        if line.endswith("}")
    ]
    assert main(["run", "--resume", str(tmp_path), "--no-progress"]) == 0
    assert accuracy(tmp_path / "results.json") == accuracy(uninterrupted / "results.json")
    final = {
        tuple(r[k] for k in ("case", "operator", "method", "device", "dtype")): r
        for r in json.loads((tmp_path / "results.json").read_text())["results"]
    }
    for r in before:  # kept as they were: their timings are the first run's, not recomputed
        key = (r["case"], r["operator"], r["method"], r["device"], r["dtype"])
        assert final[key]["eval_s"] == r["eval_s"]
    lines = [
        json.loads(x)
        for x in (tmp_path / "results.jsonl").read_text().splitlines()
        if x.endswith("}")
    ]
    keys = [(r["case"], r["operator"], r["method"], r["device"], r["dtype"]) for r in lines]
    assert len(keys) == len(set(keys)) == len(final)  # no row computed twice


# 45 cases: a drawing helper process starts before the run, in the same process group
WITH_HELPER = ["--tag", "seed", "--method", "fd-central", *ARGS[4:]]


@pytest.mark.parametrize(
    "selection, total", [(ARGS, 7 * 3 * 2), (WITH_HELPER, 45 * 2)], ids=["7 cases", "helper"]
)
def test_ctrl_c_writes_the_report_of_what_is_done(tmp_path, selection, total):
    proc = start(tmp_path, selection=selection)
    wait_for_rows(tmp_path / "results.jsonl", 6)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"interrupted" in err and b"--resume" in err and b"Traceback" not in err
    rows = json.loads((tmp_path / "results.json").read_text())["results"]
    assert 6 <= len(rows) < total
    assert (tmp_path / "report.html").exists()


def test_two_runs_give_identical_accuracy_columns(uninterrupted, tmp_path):
    assert (
        main(["run", *ARGS, "--dtype", "float64", "--dtype", "float32", "--out", str(tmp_path)])
        == 0
    )
    assert accuracy(tmp_path / "results.json") == accuracy(uninterrupted / "results.json")
