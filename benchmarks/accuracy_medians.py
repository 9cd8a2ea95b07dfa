"""Median correct digits per method over the smooth built-in cases, per dtype and operator.

Reads a results.json (default: reports/results.json, as `diffcompare run` writes it) and
prints a markdown table. Reproduce the README's figures with:

    diffcompare run --method all --operator all --out reports/full
    python benchmarks/accuracy_medians.py reports/full/results.json
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict

from tabulate import tabulate

from diffcompare.runner.result import Results

NOT_SMOOTH = {"nonsmooth", "detach", "control-flow", "hard"}


def medians(results: Results, first_order_only: bool = True) -> list[list]:
    groups: dict[tuple, list[float]] = defaultdict(list)
    order: dict[str, int] = {}
    for r in results.rows:
        order.setdefault(r.method, len(order))
        if NOT_SMOOTH & set(r.tags) or r.status != "ok" or r.digits is None:
            continue
        kind = (
            "first"
            if r.operator in ("derivative", "gradient", "jacobian", "jvp", "vjp")
            else ("second")
        )
        groups[(r.method, r.dtype, kind)].append(r.digits)
    rows = []
    for (method, dtype, kind), digits in sorted(
        groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1:])
    ):
        rows.append(
            [
                method,
                dtype,
                kind,
                len(digits),
                f"{statistics.median(digits):.1f}",
                f"{min(digits):.1f}",
            ]
        )
    return rows


def main(path: str = "reports/results.json") -> None:
    rows = medians(Results.load(path))
    print(
        tabulate(
            rows,
            ["method", "dtype", "derivatives", "rows", "median digits", "min"],
            tablefmt="github",
            disable_numparse=True,
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
