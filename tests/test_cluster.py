"""The grid on a real Dask cluster (distributed.LocalCluster, worker processes): the same
rows as a local run, a worker killed mid-cell costs that cell only, a killed run resumes."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # the fast loop: -m 'not slow'

from diffcompare.cli import main  # noqa: E402

CASES = "sine,abs_at_kink,rosenbrock_n10,while_doubling,least_squares,detached"
SELECTION = ["--case", CASES, "--method", "sympy,fd-central,complex-step,torch"]
UNTIMED = [*SELECTION, "--dtype", "float64", "--no-timing", "--no-progress"]
COMPARED = ("status", "digits", "passed", "reference", "reference_value", "value", "message")


def rows(out) -> list[dict]:
    return json.loads((out / "results.json").read_text())["results"]


def compared(out) -> list[tuple]:
    keys = ("case", "operator", "method", "device", "dtype", *COMPARED)
    return [tuple(str(r[k]) for k in keys) for r in rows(out)]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    assert main(["run", *UNTIMED, "--out", str(out)]) == 0
    return out


def test_two_workers_give_the_local_rows(local, tmp_path):
    args = ["run", *UNTIMED, "--executor", "dask", "--workers", "2", "--out", str(tmp_path)]
    assert main(args) == 0
    assert compared(tmp_path) == compared(local)
    env = json.loads((tmp_path / "results.json").read_text())["environment"]
    hosts = {r["host"] for r in rows(tmp_path)}
    assert hosts and hosts <= set(env["hosts"])  # every row's host has its environment
    assert all(r["eval_s"] is None and r["prepare_s"] is None for r in rows(tmp_path))


KILLER = """
    import os
    import signal

    import numpy as np

    from diffcompare import case


    @case(inputs={"x": np.array([0.5, 1.5])})
    def kills_its_worker(x, xp=np):
        '''Kills the Dask worker that hosts its isolation, once, from torch's cell.'''
        marker = MARKER
        if xp.name == "torch" and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getppid(), signal.SIGKILL)  # the parent: the Dask worker process
            import time

            time.sleep(30)
        return xp.sum(xp.sin(x))


    @case(inputs={"x": np.array([0.3, 0.7])})
    def after_it(x, xp=np):
        return xp.sum(x * xp.exp(x))
"""


def test_a_killed_worker_costs_its_cell_only(tmp_path):
    cases = tmp_path / "killer.py"
    marker = tmp_path / "killed"
    cases.write_text(textwrap.dedent(KILLER.replace("MARKER", repr(str(marker)))))
    out = tmp_path / "out"
    args = ["run", "--cases", str(cases), "--method", "fd-central,torch,sympy", "--dtype"]
    args += ["float64", "--no-progress", "--executor", "dask", "--workers", "1"]
    proc = subprocess.run(
        [sys.executable, "-m", "diffcompare", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert marker.exists()
    by = {(r["case"], r["method"]): r for r in rows(out)}
    dead = by[("kills_its_worker", "torch")]
    assert dead["status"] == "error" and "died during the cell" in dead["message"]
    assert dead["host"] and dead["host"] in dead["message"]
    others = [r for k, r in by.items() if k != ("kills_its_worker", "torch")]
    assert len(others) == 5 and all(r["status"] == "ok" and r["passed"] for r in others)
    assert all(r["eval_s"] is not None for r in others)  # a timed run, on the new worker


def start(out, *extra):
    cmd = [sys.executable, "-m", "diffcompare", "run", *UNTIMED, "--out", str(out), *extra]
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def test_a_killed_cluster_run_resumes(local, tmp_path):
    proc = start(tmp_path, "--executor", "dask", "--workers", "2")
    journal = tmp_path / "results.jsonl"
    deadline = time.time() + 180
    while not (journal.exists() and journal.read_text().count("\n") >= 8):
        assert time.time() < deadline and proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the client, its cluster and their workers
    proc.wait()
    assert not (tmp_path / "results.json").exists()
    assert main(["run", "--resume", str(tmp_path), "--no-progress"]) == 0
    assert compared(tmp_path) == compared(local)
    keys = [
        tuple(json.loads(x)[k] for k in ("case", "operator", "method", "dtype"))
        for x in journal.read_text().splitlines()
        if x.endswith("}")
    ]
    assert len(keys) == len(set(keys)) == len(rows(tmp_path))  # no row computed twice


def test_a_timed_run_uses_one_worker_per_host():
    from diffcompare.runner.cluster import Cluster
    from diffcompare.runner.isolated import Sources

    initargs = (Sources(), 60.0, 4096, False, ("torch",), 1)
    cluster = Cluster(initargs, workers=2, timed=True)
    try:
        assert len(cluster.lanes()) == 1 and cluster.unused == 1
        cluster.timed = False
        assert len(cluster.lanes()) == 2 and cluster.unused == 0
    finally:
        cluster.close()


@pytest.mark.parametrize(
    "extra, said",
    [
        (["--workers", "2"], "--workers is for --executor dask"),
        (["--executor", "dask", "--isolation", "none"], "drop --isolation none"),
        (["--executor", "dask", "--workers", "0"], "--workers must be at least 1"),
        (["--executor", "dask", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
    ],
)
def test_executor_misuse_is_one_line_and_exit_2(extra, said):
    proc = subprocess.run(
        [sys.executable, "-m", "diffcompare", "run", "--case", "sine", *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and said in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
