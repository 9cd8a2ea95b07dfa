"""The oracles side by side: the default suite's references (the certified one on balls,
against the AD oracle checked by SymPy, as references were taken before it), and the sized
families where only the trace-free ones reach.

    python benchmarks/oracle_speed.py          # writes docs/oracle-speed.md

Rounds alternate the oracles (SymPy cold, SymPy warm, AD, arb), so a drift of the shared
machine hits them alike; medians over the rounds.
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
from diffcompare.oracle import arb_ad, mpmath_ad, sympy_mpmath  # noqa: E402
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
    names = ("sympy cold", "sympy warm", "mpmath-ad", "arb")
    totals: dict[str, list[float]] = {k: [] for k in names}
    for _ in range(rounds):
        _forget()
        totals["sympy cold"].append(sum(_timed(sympy_mpmath.evaluate, p) for p in problems))
        totals["sympy warm"].append(sum(_timed(sympy_mpmath.evaluate, p) for p in problems))
        totals["mpmath-ad"].append(sum(_timed(mpmath_ad.evaluate, p) for p in problems))
        totals["arb"].append(sum(_timed(arb_ad.evaluate, p) for p in problems))
    return totals


def sized(sizes=(1000, 10_000, 100_000)) -> list[list]:
    body = []
    for name in ("rosenbrock", "sum_of_squares"):
        family = registry.families()[name]
        for n in sizes:
            c = family.at(n)
            p = bind(c, "gradient", "float64", output_shape(c))
            ad, ball = _timed(mpmath_ad.evaluate, p), _timed(arb_ad.evaluate, p)
            body.append([f"{name}, n = {n}", f"{ad:.2f} s", f"{ball:.2f} s"])
    return body


def main(rounds: int = 3) -> int:
    from tabulate import tabulate

    env = describe(with_torch=False)
    problems = list(_problems())
    totals = suite(rounds)
    med = {k: statistics.median(v) for k, v in totals.items()}
    rows = [
        [k, ", ".join(f"{t:.1f}" for t in v), f"{med[k]:.1f}", f"{med[k] / med['arb']:.2f}"]
        for k, v in totals.items()
    ]
    before = med["mpmath-ad"] + med["sympy cold"]  # a reference before arb: AD, SymPy checks
    speedup = before / med["arb"]
    warm = med["mpmath-ad"] + med["sympy warm"]
    text = f"""# The oracles' speed

Measured {env["timestamp"]} on {env["cpu"]} ({env["cpu_count"]} cores), commit
{env["git_commit"]}, with `python benchmarks/oracle_speed.py`, {rounds} alternating rounds.

## The default suite's references

Every built-in case at its first-order operator, float64 and float32 ({len(problems)}
problems). *sympy cold* is what the SymPy oracle costs a fresh worker (trace, derive,
compile, evaluate twice for the precision check); *sympy warm* reuses the derivation, as it
does once the `sympy` method has derived the same case; *mpmath-ad* runs the case's own
Python on 50-digit numbers, twice (50 and 100 digits); *arb* runs it on balls, once where
the first radius is below 1e-30 (the certified reference, [oracle.md](oracle.md)).

{tabulate(rows, ["oracle", "round totals (s)", "median (s)", "÷ arb"], tablefmt="github")}

Before the certified oracle, a reference took the AD oracle and SymPy's cross-check of it
(mpmath-ad + sympy cold: {before:.1f} s); now it takes arb alone ({med["arb"]:.1f} s):
{speedup:.1f}× faster (target: 5×, {"met" if speedup >= 5 else "NOT met"}).
Where the `sympy` method has already derived the case in the same worker (SymPy warm),
the reference before took mpmath-ad + sympy warm, {warm:.1f} s: about {warm / med["arb"]:.0f}×
arb's {med["arb"]:.1f} s.

## Sized families, first derivatives (no SymPy above n = 1000)

{tabulate(sized(), ["case", "mpmath-ad reference", "arb (certified)"], tablefmt="github")}

The target is a certified Rosenbrock gradient at n = 10⁵ within 10 s.
"""
    (ROOT / "docs" / "oracle-speed.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
