"""The two 50-digit oracles side by side: the default suite's references, and the sized
families where only the trace-free one reaches.

    python benchmarks/oracle_speed.py          # writes docs/oracle-speed.md

Rounds alternate the oracles (SymPy cold, SymPy warm, AD), so a drift of the shared
machine hits all three alike; medians over the rounds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diffcompare.form import registry  # noqa: E402
from diffcompare.form.problem import DTYPES, bind, operators_for, output_shape  # noqa: E402
from diffcompare.oracle import mpmath_ad, sympy_mpmath  # noqa: E402
from diffcompare.runner.environment import describe  # noqa: E402


def _problems():
    registry.builtin()
    for c in registry.all_cases():
        shape = output_shape(c)
        for dtype in DTYPES:
            yield bind(c, operators_for(c, shape)[0], dtype, shape)


def _timed(fn, problem) -> float:
    start = time.perf_counter()
    try:
        fn(problem)
    except Exception:  # no reference there: the time to say so counts
        pass
    return time.perf_counter() - start


def _forget() -> None:
    from diffcompare.symbolic import expression

    sympy_mpmath.forget()
    expression.trace.cache_clear()
    expression.derive.cache_clear()


def suite(rounds: int) -> dict[str, list[float]]:
    problems = list(_problems())
    totals: dict[str, list[float]] = {"sympy cold": [], "sympy warm": [], "mpmath-ad": []}
    for _ in range(rounds):
        _forget()
        totals["sympy cold"].append(sum(_timed(sympy_mpmath.evaluate, p) for p in problems))
        totals["sympy warm"].append(sum(_timed(sympy_mpmath.evaluate, p) for p in problems))
        totals["mpmath-ad"].append(sum(_timed(mpmath_ad.evaluate, p) for p in problems))
    return totals


def sized(sizes=(1000, 10_000, 100_000)) -> list[list]:
    body = []
    for name in ("rosenbrock", "sum_of_squares"):
        family = registry.families()[name]
        for n in sizes:
            c = family.at(n)
            p = bind(c, "gradient", "float64", output_shape(c))
            body.append([f"{name}, n = {n}", f"{_timed(mpmath_ad.evaluate, p):.2f} s"])
    return body


def main(rounds: int = 3) -> int:
    from tabulate import tabulate

    env = describe(with_torch=False)
    totals = suite(rounds)
    med = {k: statistics.median(v) for k, v in totals.items()}
    rows = [
        [k, ", ".join(f"{t:.1f}" for t in v), f"{med[k]:.1f}", f"{med[k] / med['mpmath-ad']:.2f}"]
        for k, v in totals.items()
    ]
    ratio = med["mpmath-ad"] / med["sympy cold"]
    text = f"""# The oracles' speed

Measured {env["timestamp"]} on {env["cpu"]} ({env["cpu_count"]} cores), commit
{env["git_commit"]}, with `python benchmarks/oracle_speed.py`, {rounds} alternating rounds.

## The default suite's references

Every built-in case at its first-order operator, float64 and float32 ({len(list(_problems()))}
problems). *sympy cold* is what the SymPy oracle costs a fresh worker (trace, derive,
compile, evaluate twice for the precision check); *sympy warm* reuses the derivation, as it
does once the `sympy` method has derived the same case; *mpmath-ad* runs the case's own
Python on 50-digit numbers, twice (50 and 100 digits).

{tabulate(rows, ["oracle", "round totals (s)", "median (s)", "÷ mpmath-ad"], tablefmt="github")}

The trace-free oracle takes {ratio:.2f}× the SymPy oracle's cold time (target: within 2×):
{"met" if ratio <= 2 else "NOT met"}.

## Sized families, first derivatives (mpmath-ad alone above n = 1000)

{tabulate(sized(), ["case", "mpmath-ad reference"], tablefmt="github")}

The target is n = 10⁵ within the default time limit of a cell (60 s).
"""
    (ROOT / "docs" / "oracle-speed.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
