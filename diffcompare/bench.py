"""pytest-benchmark over the registry: one benchmark per case x method x device (x dtype).

Installed with the package, so it benchmarks any selection, a user's own case file too:

    pytest --pyargs diffcompare.bench --benchmark-enable --benchmark-group-by=group
    pytest --pyargs diffcompare.bench --benchmark-enable --diffcompare-cases my_cases.py
    pytest --pyargs diffcompare.bench --benchmark-enable --diffcompare-tag ml \
        --diffcompare-method torch,fd-central --diffcompare-dtype float64,float32
    pytest-benchmark compare out.json --group-by=group

Default: the built-in ``seed`` cases, the default methods, float64, each case's first
operator. ``--diffcompare-cases`` (repeatable) loads files or modules and benchmarks
their cases (the built-in ones too with ``--diffcompare-tag``/``--diffcompare-case``);
``--diffcompare-operator`` picks another operator. Without --benchmark-enable (a normal
test run) each runs once, as a correctness check. Each times the same prepared callable
the runner times; when enabled, the runner's own median is measured beside it
(extra_info["runner_median_s"]) for benchmarks/timing_agreement.py.
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
from diffcompare.runner.options import resolve
from diffcompare.runner.timing import Budget, batch, calibrate, measure

AGREEMENT = Budget(batch_s=0.01, repeats=15, max_total_s=3.0)
AGREEMENT_ROUNDS = 101


def _listed(config, name: str) -> list[str]:
    values = config.getoption(f"--diffcompare-{name}") or []
    return [v.strip() for item in values for v in str(item).split(",") if v.strip()]


def cells(config) -> list[tuple]:
    """(case, method, device, dtype, operator) for what the options select."""
    specs = _listed(config, "cases")
    patterns, tags = _listed(config, "case"), _listed(config, "tag")
    if not specs or patterns or tags:
        registry.builtin()
    for spec in specs:
        registry.load(spec)
    chosen = registry.select(patterns, tags or ([] if patterns or specs else ["seed"]))
    methods = resolve("method", config.getoption("--diffcompare-method")) or list(DEFAULT)
    dtypes = resolve("dtype", config.getoption("--diffcompare-dtype")) or ["float64"]
    asked = resolve("operator", config.getoption("--diffcompare-operator"))
    out = []
    for c in chosen:
        shape = output_shape(c)
        found = operators_for(c, shape)
        for op in [op for op in found if op in asked] if asked else found[:1]:
            for m in methods:
                for d in by_name(m).devices:
                    if d in available_devices():
                        out.extend((c, m, d, dt, op) for dt in dtypes)
    return out


def _id(cell) -> str:
    c, m, d, dt, op = cell
    extra = "" if dt == "float64" else f"-{dt}"
    return f"{c.name}-{m}-{d}{extra}" + (
        "" if op == operators_for(c, output_shape(c))[0] else f"-{op}"
    )


def pytest_generate_tests(metafunc):
    if "cell" in metafunc.fixturenames:
        found = cells(metafunc.config)
        metafunc.parametrize("cell", found, ids=[_id(x) for x in found])


def test_derivative(benchmark, cell):
    c, method, device, dtype, operator = cell
    problem = bind(c, operator, dtype, output_shape(c))
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
        dtype=dtype,
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
