"""The installed pytest-benchmark suite: `pytest --pyargs diffcompare.bench` on a user's
own case file, from any folder, both dtypes, ids and groups as in the checkout's suite."""

import json
import os
import subprocess
import sys
import textwrap


def test_the_installed_suite_benchmarks_a_users_case_file(tmp_path):
    cases = tmp_path / "mine.py"
    cases.write_text(
        textwrap.dedent(
            """
            import numpy as np
            from diffcompare import case, xnp

            @case(inputs={"x": np.array([0.5, -1.0, 2.0])})
            def my_softplus(x, xp=xnp):
                return xp.sum(xp.log1p(xp.exp(x)))
            """
        )
    )
    out = tmp_path / "bench.json"
    args = ["--pyargs", "diffcompare.bench", "--diffcompare-cases", str(cases)]
    args += ["--diffcompare-method", "torch,fd-central", "--diffcompare-dtype", "float64,float32"]
    args += ["--benchmark-enable", f"--benchmark-json={out}", "--benchmark-min-rounds=3", "-q"]
    # a run of its own, whatever runs this test: under xdist, pytest-benchmark would see
    # a worker's environment and leave its benchmarks out
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found = {b["name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    want = {
        f"test_derivative[my_softplus-{m}-cpu{d}]"
        for m in ("torch", "fd-central")
        for d in ("", "-float32")
    }
    assert set(found) == want
    for b in found.values():
        assert b["group"] == "my_softplus" and b["stats"]["median"] > 0
        assert b["extra_info"]["digits"] > 3 and b["extra_info"]["dtype"] in ("float64", "float32")
