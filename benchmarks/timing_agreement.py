"""Does the runner time what pytest-benchmark times? Their medians, side by side.

    python benchmarks/timing_agreement.py            # writes docs/timing-agreement.md

Runs the benchmark suite (diffcompare/bench.py, through benchmarks/test_bench.py) with
benchmarks enabled on a selection of cases (CPU),
where each benchmark also records the runner's median for the same prepared callable,
and tabulates runner median / pytest-benchmark median.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
SELECTION = (
    "sine or sin_exp or product_rule or grad_sum_rule or grad_quadratic_form or "
    "jac_matrix_function or least_squares or two_x_dot_x or rosenbrock_n100 or "
    "sum_of_squares_n1000 or rosenbrock_n1000"
)
METHODS = "sympy or fd-central or torch-cpu"


def main(out: str = "docs/timing-agreement.md") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.json"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "benchmarks" / "test_bench.py"),
            "-q",
            "--benchmark-enable",
            f"--benchmark-json={path}",
            "-k",
            f"({SELECTION}) and ({METHODS}) and not torch-forward",
            "-p",
            "no:cacheprovider",
        ]
        env = {**os.environ, "DIFFCOMPARE_AGREEMENT": "1"}  # the interleaved mode
        subprocess.run(cmd, check=True, cwd=ROOT, env=env)
        data = json.loads(path.read_text())
    rows, ratios = [], []
    for b in data["benchmarks"]:
        runner = b["extra_info"]["runner_median_s"]
        pb = b["stats"]["median"] / b["extra_info"].get("calls_per_round", 1)
        ratio = runner / pb
        ratios.append(ratio)
        rows.append(
            [
                b["group"],
                b["extra_info"]["method"],
                f"{runner * 1e6:.2f}",
                f"{pb * 1e6:.2f}",
                f"{ratio:.3f}",
                "yes" if 0.8 <= ratio <= 1.25 else "NO",
            ]
        )
    rows.sort()
    met = all(0.8 <= r <= 1.25 for r in ratios)
    text = "\n".join(
        [
            "# Timing agreement: the runner's median against pytest-benchmark's",
            "",
            f"Measured {datetime.date.today().isoformat()} on "
            f"{data['machine_info'].get('cpu', {}).get('brand_raw', platform.machine())}, python "
            f"{platform.python_version()}, with `python benchmarks/timing_agreement.py`.",
            "Each row times one prepared derivative callable with both harnesses in strict "
            "alternation, in one process: before each of pytest-benchmark's 101 rounds "
            "(`benchmark.pedantic` with a setup function), the runner times one batch of its "
            "own (`diffcompare.runner.timing.batch`; calls per batch calibrated to about 10 ms by "
            "`diffcompare.runner.timing.calibrate`, as a run calibrates them), and each "
            "pytest-benchmark round is a batch of as many calls (its per-round median is "
            "divided by that number). Each median is over 100 samples after a warm-up; a "
            "drift of the machine hits both alike.",
            "",
            f"Target: every ratio in [0.8, 1.25]. Result: {'met' if met else 'NOT met'} "
            f"({len(ratios)} callables, median ratio {statistics.median(ratios):.3f}, "
            f"range {min(ratios):.3f}–{max(ratios):.3f}).",
            "",
            tabulate(
                rows,
                [
                    "case",
                    "method",
                    "runner median (µs)",
                    "pytest-benchmark median (µs)",
                    "ratio",
                    "in range",
                ],
                tablefmt="github",
                disable_numparse=True,
            ),
            "",
        ]
    )
    (ROOT / out).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / out).write_text(text)
    print(text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
