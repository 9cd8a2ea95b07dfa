"""Faults that reach past a cell: a worker killed from outside (as the OOM killer does),
a crash in C, memory taken as shared pages, process-wide state a case leaves behind,
Ctrl-C told from a case's own KeyboardInterrupt."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from diffcompare.form import registry
from diffcompare.methods import by_name
from diffcompare.runner.executor import InProcess
from diffcompare.runner.isolated import death
from diffcompare.runner.loop import run
from diffcompare.runner.plan import Plan
from diffcompare.runner.timing import Budget

pytestmark = pytest.mark.slow  # the fast loop: -m 'not slow'

CLI = [sys.executable, "-m", "diffcompare"]


def _cli(args, cwd=None, timeout=600):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def _rows(out: Path) -> list[dict]:
    return json.loads((out / "results.json").read_text())["results"]


def _write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


def test_a_death_is_named_by_its_signal_without_guessing():
    assert "SIGSEGV" in death(-signal.SIGSEGV) and "memory" not in death(-signal.SIGSEGV)
    assert "SIGKILL" in death(-signal.SIGKILL) and "out-of-memory killer" in death(-9)
    assert "exited with code 3" in death(3)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def _workers(pid: int) -> list[int]:
    """The run's pebble workers: its children that import the cases (not the plot helper)."""
    found = []
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing" in cmdline or b"spawn_main" in cmdline:
            found.append(child)
    return found


@pytest.mark.skipif(
    not Path(f"/proc/self/task/{os.getpid()}/children").exists(),
    reason="needs Linux /proc with each task's children",
)
def test_killing_the_worker_again_and_again_costs_only_its_cells(tmp_path):
    """SIGKILL to the worker every few seconds through a run: it finishes, exit 0, with
    every row, and each cell lost says the worker was killed by SIGKILL."""
    cases = _write(
        tmp_path / "slow.py",
        """
        import time
        from diffcompare import case, xnp

        for k in range(6):
            @case(inputs={"x": 0.5 + k}, name=f"slow_{k}")
            def slow(x, xp=xnp):
                time.sleep(0.05)
                return xp.sin(x)
        """,
    )
    out = tmp_path / "out"
    methods = "fd-central,fd-forward"
    args = ["run", "--quick", "--cases", str(cases), "--method", methods]
    args += ["--no-progress", "--out", str(out), "--timeout", "30"]
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kills = []

    def rows_written() -> int:
        try:
            return (out / "results.jsonl").read_text().count("\n")
        except OSError:
            return 0

    def killer():
        """After each new row the next cell has begun: kill the worker inside it."""
        seen = 0
        while proc.poll() is None and len(kills) < 3:
            time.sleep(0.05)
            if rows_written() <= seen:
                continue
            time.sleep(0.2)
            for pid in _workers(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
                except OSError:
                    pass
            seen = rows_written() + 1  # wait for the row of the cell just killed

    thread = threading.Thread(target=killer)
    thread.start()
    _, err = proc.communicate(timeout=600)
    thread.join()
    assert proc.returncode == 0, err.decode()
    rows = _rows(out)
    assert len(rows) == 6 * 2  # every cell has its row
    lost = [r for r in rows if r["status"] != "ok"]
    assert kills and lost, "the killer found no worker to kill"
    for r in lost:
        assert r["status"] == "error" and "killed by SIGKILL" in r["message"], r["message"]
    assert any(r["status"] == "ok" for r in rows)


def test_a_crash_in_c_costs_its_case_and_says_which_signal(tmp_path):
    cases = _write(
        tmp_path / "crash.py",
        """
        import ctypes
        from diffcompare import case, xnp

        @case(inputs={"x": 1.0})
        def segfaults(x, xp=xnp):
            return ctypes.string_at(0) and x

        @case(inputs={"x": 1.0})
        def fine(x, xp=xnp):
            return xp.sin(x)
        """,
    )
    out = tmp_path / "out"
    args = ["run", "--quick", "--cases", str(cases), "--method", "fd-central,torch"]
    done = _cli([*args, "--no-progress", "--out", str(out)])
    assert done.returncode == 0, done.stderr  # --quick with a case file: isolated
    by_case = {}
    for r in _rows(out):
        by_case.setdefault(r["case"], []).append(r)
    for r in by_case["segfaults"]:
        assert r["status"] == "error" and "killed by SIGSEGV" in r["message"]
        assert "memory" not in r["message"]
    assert all(r["status"] == "ok" and r["passed"] for r in by_case["fine"])


def test_shared_memory_is_held_to_the_memory_limit(tmp_path):
    """Shared pages pass RLIMIT_DATA by; the resident watch stops the worker."""
    cases = _write(
        tmp_path / "shared.py",
        """
        import mmap
        import time
        import numpy as np
        from diffcompare import case, xnp

        @case(inputs={"x": 1.0})
        def takes_shared_memory(x, xp=xnp):
            held = []
            for _ in range(48):  # 3 GiB of shared anonymous pages, 64 MiB at a time
                m = mmap.mmap(-1, 64 * 2**20, flags=mmap.MAP_SHARED)
                np.frombuffer(m, dtype=np.uint8)[:] = 1
                held.append(m)
                time.sleep(0.01)
            return xp.sin(x)

        @case(inputs={"x": 1.0})
        def fine(x, xp=xnp):
            return xp.cos(x)
        """,
    )
    out = tmp_path / "out"
    args = ["run", "--cases", str(cases), "--method", "fd-central", "--dtype", "float64"]
    done = _cli([*args, "--memory-limit", "256", "--no-progress", "--out", str(out)])
    assert done.returncode == 0, done.stderr
    rows = {r["case"]: r for r in _rows(out)}
    r = rows["takes_shared_memory"]
    assert r["status"] == "error" and "passed the memory limit" in r["message"], r["message"]
    assert rows["fine"]["status"] == "ok" and rows["fine"]["passed"]


def test_a_case_file_that_fails_only_in_the_worker_is_exit_2(tmp_path):
    cases = _write(
        tmp_path / "parent_only.py",
        """
        import multiprocessing
        from diffcompare import case, xnp

        if multiprocessing.parent_process() is not None:
            raise RuntimeError("no worker may load me")

        @case(inputs={"x": 1.0})
        def f(x, xp=xnp):
            return xp.sin(x)
        """,
    )
    done = _cli(["run", "--cases", str(cases), "--no-progress", "--out", str(tmp_path / "o")])
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "do not load in the worker process" in done.stderr
    assert "no worker may load me" in done.stderr


@pytest.fixture
def leaky_cases():
    """Three cases in this order: one that leaves process-wide state changed, one that
    runs after it, one that changes mpmath's precision."""
    import mpmath
    import numpy as np
    import torch

    from diffcompare import xnp

    def leaves_state(x, xp=xnp):
        torch.set_grad_enabled(False)
        torch.set_default_dtype(torch.float64)
        os.chdir("/")
        return xp.sin(x)

    def after_it(x, xp=xnp):
        return xp.exp(xp.sin(x)) * x

    def five_digits(x, xp=xnp):
        mpmath.mp.dps = 5
        return xp.cos(x)

    cwd, dtype = os.getcwd(), torch.get_default_dtype()
    made = [
        registry.make(f.__name__, f, {"x": np.array([0.3, 0.7])})
        for f in (leaves_state, five_digits, after_it)
    ]
    yield made
    os.chdir(cwd)
    torch.set_grad_enabled(True)
    torch.set_default_dtype(dtype)
    mpmath.mp.dps = 15


def test_state_a_case_changes_is_put_back_and_named(leaky_cases):
    plan = Plan(
        tuple(leaky_cases),
        tuple(by_name(m) for m in ("sympy", "torch", "torch-forward", "complex-step")),
        dtypes=("float64",),
        budget=Budget.quick(),
    )
    results = run(plan, progress=False, worker=InProcess(plan))
    rows = {}
    for r in results.rows:
        rows.setdefault(r.case, []).append(r)
    first = rows["leaves_state"][0].message
    assert first.startswith("leaves_state changed ")
    for what in ("torch's grad mode", "torch's default dtype", "the working directory"):
        assert what in first
    assert "five_digits changed mpmath's precision (53 → 20)" in " ".join(
        r.message for r in rows["five_digits"]
    )
    for r in rows["after_it"]:  # every later row as if nothing had happened
        assert r.status == "ok" and r.passed and r.digits > 14, (r.method, r.message)
        assert "changed" not in r.message


def test_a_timeout_keeps_the_workers_derivations(tmp_path):
    """The worker stops a cell that runs long itself and lives on: the float32 SymPy row
    after a float64 cell's timeout uses the derivation it made for float64 (the case
    was traced once), where a replaced worker had traced and derived it again."""
    log = tmp_path / "traces.log"
    cases = _write(
        tmp_path / "stuck.py",
        f"""
        import numpy as np
        from diffcompare import case, xnp

        @case(inputs={{"x": np.array([0.5, 1.5])}})
        def stuck_off_the_point(x, xp=xnp):
            if xp.name == "sympy":
                with open({str(log)!r}, "a") as f:
                    f.write("traced\\n")
            if xp.name == "numpy" and 0.5 < float(x[0]) < 0.51:  # fd-central's points
                while True:
                    pass
            return xp.sum(xp.sin(x))
        """,
    )
    out = tmp_path / "out"
    args = ["run", "--cases", str(cases), "--method", "sympy,fd-central,torch", "--timeout", "2"]
    done = _cli(
        [*args, "--no-progress", "--quick", "--dtype", "float64,float32", "--out", str(out)]
    )
    assert done.returncode == 0, done.stderr
    rows = {(r["method"], r["dtype"]): r for r in _rows(out)}
    for dtype in ("float64", "float32"):
        r = rows["fd-central", dtype]
        assert r["status"] == "timeout" and "worker was replaced" not in r["message"]
        assert rows["sympy", dtype]["status"] == rows["torch", dtype]["status"] == "ok"
    assert log.read_text().count("traced") == 1
