"""pytest-benchmark over the registry: one benchmark per case x method x device.

    pytest benchmarks --benchmark-enable --benchmark-group-by=group   # a table per case
    pytest benchmarks --benchmark-enable --benchmark-json=out.json
    pytest-benchmark compare out.json --group-by=group

Without --benchmark-enable (the normal test run) each runs once, as a correctness check.
Each times the same prepared callable the runner times; when enabled, the runner's own
median is measured beside it (extra_info["runner_median_s"]) for timing_agreement.py.
"""

import os
import statistics

import pytest

from diffcompare import oracle
from diffcompare.form import registry
from diffcompare.form.problem import bind, operators_for, output_shape
from diffcompare.methods import DEFAULT, by_name
from diffcompare.methods.autograd import available_devices
from diffcompare.runner.cell import attempt
from diffcompare.runner.timing import Budget, batch, calibrate, measure

registry.builtin()
AGREEMENT = Budget(batch_s=0.01, repeats=15, max_total_s=3.0)
AGREEMENT_ROUNDS = 101
CELLS = [
    (c, m, d)
    for c in registry.select(tags=["seed"])
    for m in DEFAULT
    for d in by_name(m).devices
    if d in available_devices()
]


@pytest.mark.parametrize("c, method, device", CELLS, ids=[f"{c.name}-{m}-{d}" for c, m, d in CELLS])
def test_derivative(benchmark, c, method, device):
    shape = output_shape(c)
    problem = bind(c, operators_for(c, shape)[0], "float64", shape)
    try:
        reference = oracle.reference(problem)
    except Exception:
        reference = None
    row, prepared = attempt(problem, by_name(method), device, reference)
    if row.status == "unsupported":
        pytest.skip(row.message)
    assert row.status == "ok", row.message
    assert reference is None or row.digits is not None
    benchmark.group = c.name
    benchmark.extra_info.update(
        operator=problem.operator,
        method=method,
        device=device,
        digits=row.digits,
        max_rel_error=row.max_rel_error,
        reference=row.reference,
        passed=row.passed,
    )
    if benchmark.disabled:
        benchmark(prepared.call)
        return
    if os.environ.get("DIFFCOMPARE_AGREEMENT") == "1":
        return agreement(benchmark, prepared.call)
    timing = measure(prepared.call, AGREEMENT)
    benchmark.extra_info["runner_median_s"] = timing.median
    benchmark.pedantic(
        prepared.call, iterations=timing.number, rounds=timing.repeats, warmup_rounds=1
    )


def agreement(benchmark, call) -> None:
    """The two harnesses in strict alternation on one callable, with the same batches:
    before each of pytest-benchmark's rounds the runner times one of its batches (calls
    per batch calibrated as a run calibrates them), and each pytest-benchmark round is a
    batch of as many calls (pedantic allows one iteration with a setup function; a single
    call per round would time pytest-benchmark's own overhead on microsecond callables).
    A drift of the machine hits both medians alike. Stats are per round: divide by
    extra_info["calls_per_round"]."""
    number, _ = calibrate(call, AGREEMENT.batch_s)
    samples: list[float] = []

    def rounds_batch():
        for _ in range(number):
            call()

    benchmark.pedantic(
        rounds_batch,
        setup=lambda: samples.append(batch(call, number)),
        rounds=AGREEMENT_ROUNDS,
        iterations=1,
        warmup_rounds=1,
    )
    benchmark.extra_info["runner_median_s"] = statistics.median(samples[1:])  # not the warm-up
    benchmark.extra_info["calls_per_round"] = number
