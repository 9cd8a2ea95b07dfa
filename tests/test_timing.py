import json
import subprocess
import sys

import pytest

from diffcompare.runner import timing
from diffcompare.runner.timing import Budget, measure, measure_pair


def test_measure_reports_consistent_statistics():
    calls = []
    t = measure(lambda: calls.append(1), Budget(batch_s=1e-4, repeats=5))
    assert t.repeats == 5 and t.number >= 1
    assert len(calls) >= t.number * t.repeats
    assert 0 < t.min <= t.median and t.iqr >= 0


def test_a_slow_callable_gets_fewer_repeats_but_at_least_three():
    import time

    t = measure(lambda: time.sleep(0.01), Budget(batch_s=0.0, repeats=50, max_total_s=0.02))
    assert t.repeats == 3 and t.number == 1


class DriftingClock:
    """A perf_counter on a machine that slows down by 1 % with every call made; a test's
    callables say how many units of work a call costs."""

    def __init__(self):
        self.now, self.speed = 0.0, 1.0

    def __call__(self):
        return self.now

    def work(self, units):
        self.now += units / self.speed
        self.speed *= 0.99


@pytest.fixture
def clock(monkeypatch):
    c = DriftingClock()
    monkeypatch.setattr(timing.time, "perf_counter", c)
    return c


def test_the_cost_ratio_comes_from_neighbouring_batches(clock):
    def f():
        clock.work(3)

    def primal():
        clock.work(1)

    budget = Budget(batch_s=1.0, repeats=9, max_total_s=1e9)
    apart = measure(f, budget).median / measure(primal, budget).median  # the drift counts
    pair = measure_pair(f, primal, budget)
    assert pair.call.repeats == pair.primal.repeats == 9
    assert apart != pytest.approx(3, rel=0.05)
    assert pair.ratio == pytest.approx(3, rel=0.05)


def test_a_batch_after_the_other_callables_starts_with_one_untimed_call(clock):
    calls = {"f": 0, "primal": 0}

    def f():
        calls["f"] += 1
        clock.work(0.3)  # 4 calls to a batch of 1.0

    def primal():
        calls["primal"] += 1
        clock.work(2.0)  # one call fills a batch: no untimed call

    pair = measure_pair(f, primal, Budget(batch_s=1.0, repeats=5, max_total_s=1e9))
    assert (pair.call.number, pair.primal.number) == (4, 1)
    assert calls == {"f": 2 + 5 * (1 + 4), "primal": 2 + 5 * 1}  # calibration + batches


def test_a_slow_first_call_does_not_set_the_calls_per_batch(clock):
    costs = iter([5.0])  # a cold first call, then 0.3 a call

    def f():
        clock.work(next(costs, 0.3))

    assert timing.calibrate(f, 1.0)[0] == 4


def test_a_slow_pair_gets_fewer_repeats_but_at_least_three(clock):
    pair = measure_pair(lambda: clock.work(2), lambda: clock.work(1), Budget(0.0, 50, 4.0))
    assert pair.call.repeats == pair.primal.repeats == 3


def test_the_pytest_plugin_is_import_light():
    code = (
        "import diffcompare.pytest_plugin, sys; "
        "assert 'torch' not in sys.modules and 'sympy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_report_and_result_do_not_import_torch():
    code = "import diffcompare.report, diffcompare.runner.result, sys; "
    code += "assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_break_even_is_prepare_over_the_gain_per_call():
    from diffcompare.report.tables import break_even
    from diffcompare.runner.result import Result

    def row(method, family, eval_s, prepare_s=None, case="c"):
        return Result(
            case,
            "gradient",
            method,
            family,
            "cpu",
            "float64",
            3,
            "ok",
            eval_s=eval_s,
            prepare_s=prepare_s,
            first_call_s=2 * eval_s,
        )

    rows = [
        row("sympy", "symbolic", 1e-6, 1.0),
        row("torch", "automatic", 11e-6),
        row("fd-central", "numeric", 50e-6),
        row("sympy", "symbolic", 20e-6, 0.5, "d"),
        row("torch", "automatic", 10e-6, case="d"),
    ]
    lines = break_even(rows).splitlines()
    assert "| 100,000 " in lines[2] and "| torch " in lines[2]  # 1 s / (11 - 1) µs
    assert lines[3].rstrip(" |").endswith("never")  # derived code no faster per call


def test_rows_time_the_first_call_apart(tmp_path):
    from diffcompare.cli import main

    argv = ["run", "--quick", "--case", "sine", "--method", "sympy,torch", "--no-progress"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "results.json").read_text())["results"]
    assert rows and all(r["first_call_s"] > 0 and r["eval_s"] > 0 for r in rows)
