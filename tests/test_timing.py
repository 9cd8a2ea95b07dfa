import subprocess
import sys

from diffcompare.timing import Budget, measure


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


def test_the_pytest_plugin_is_import_light():
    code = (
        "import diffcompare.pytest_plugin, sys; "
        "assert 'torch' not in sys.modules and 'sympy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_report_and_result_do_not_import_torch():
    code = "import diffcompare.report, diffcompare.result, sys; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
