"""Autograd on CUDA gives what it gives on the CPU, on every case (skipped without a GPU)."""

import pytest

from diffcompare.form import registry
from diffcompare.methods import by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")

CASES = registry.all_cases()
AUTOMATIC = (by_name("torch"), by_name("torch-forward"))


def check_cuda_against_cpu(c, methods=AUTOMATIC, other="cuda"):
    plan = Plan((c,), methods, devices=("cpu", other), budget=FAST)
    rows = {(r.method, r.dtype, r.device): r for r in run_case(c, plan)}
    for (method, dtype, device), r in rows.items():
        if device != other:
            continue
        cpu = rows[method, dtype, "cpu"]
        assert r.status == cpu.status, (method, dtype, r.message, cpu.message)
        if r.status != "ok":
            continue
        assert r.passed == cpu.passed, (method, dtype, r.message)
        # the GPU may sum in another order: the same digits, give or take one
        if cpu.digits >= 3:
            assert r.digits >= min(cpu.digits - 1, 13), (method, dtype, r.digits, cpu.digits)
        assert r.eval_s > 0 and r.primal_s > 0


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_cuda_matches_the_cpu(c):
    check_cuda_against_cpu(c)


def test_cuda_sums_a_sized_case_of_ten_thousand_terms():
    c = registry.families()["rosenbrock"].at(10**4)
    check_cuda_against_cpu(c, methods=(by_name("torch"),))
