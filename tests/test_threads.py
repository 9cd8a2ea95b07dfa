"""--threads: the thread count every timed cell ran with, in each row and the environment."""

import json

import numpy as np
import pytest
import torch

import diffcompare
from diffcompare.cli import main
from diffcompare.runner import threads


def _rows(out):
    data = json.loads((out / "results.json").read_text())
    return data["environment"], data["results"]


@pytest.mark.parametrize("asked, isolation", [(None, "process"), ("2", "process"), ("3", "none")])
def test_every_row_says_the_threads_it_ran_with(tmp_path, asked, isolation):
    extra = ["--threads", asked] if asked else []
    argv = ["run", "--quick", "--case", "sine,rosenbrock_n10", "--method", "fd-central,torch"]
    assert (
        main([*argv, "--no-progress", "--isolation", isolation, "--out", str(tmp_path), *extra])
        == 0
    )
    env, rows = _rows(tmp_path)
    want = int(asked or 1)
    assert env["threads"] == want
    assert rows and {r["threads"] for r in rows} == {want}


def test_a_thread_count_below_one_is_refused(capsys):
    assert main(["run", "--threads", "0"]) == 2
    assert capsys.readouterr().err.strip() == "diffcompare: error: --threads is at least 1, got 0"


def test_the_library_gives_the_callers_thread_count_back():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        r = diffcompare.compare(lambda x, xp=np: xp.sum(x * x), {"x": np.ones(3)}, methods="torch")
        assert {row.threads for row in r.rows} == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_limit_reaches_numpys_pools_and_release_puts_them_back():
    pools = threads.pools()
    assert any(p["user_api"] == "blas" for p in pools)  # NumPy's BLAS, seen
    before = [p["num_threads"] for p in pools]
    threads.limit(1)
    try:
        assert all(p["num_threads"] == 1 for p in threads.pools())
        assert torch.get_num_threads() == 1
    finally:
        threads.release()
    assert [p["num_threads"] for p in threads.pools()] == before
