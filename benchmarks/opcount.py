"""What the sympy method's bookkeeping costs on derivatives whose entries share subtrees.

    python benchmarks/opcount.py [--rounds 3]

For each derivation below (derived once, before timing): the operation count of its
trees by ``sympy.count_ops`` and by ``diffcompare.symbolic.opcount.count`` (the same figure, each
distinct subexpression counted once), and ``lambdify``'s search of the trees for
implemented functions (``use_imps=True``, SymPy's default, which diffcompare turns off:
a traced case holds none). The two counts take turns, each first in every other round
(SymPy's cache, warmed by whichever runs first, helps the second); medians of the
rounds. The two counts must agree, or the script fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import sympy
from sympy.utilities.lambdify import _imp_namespace
from tabulate import tabulate

from diffcompare.form import registry
from diffcompare.runner.environment import describe
from diffcompare.symbolic import opcount
from diffcompare.symbolic.expression import derive

DERIVATIONS = (
    ("mlp_loss_n16", "hessian"),
    ("mlp_loss_n16", "hvp"),
    ("gmm_objective", "hessian"),
    ("gmm_objective", "hvp"),
    ("softmax_cross_entropy", "hessian"),
    ("softmax_cross_entropy", "hvp"),
    ("rosenbrock_n1000", "hvp"),  # few shared subtrees: what counting once costs
)


def seconds(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def row(name: str, operator: str, rounds: int) -> list:
    d = derive(registry.get(name), operator)
    entries = [e for _, e in d.entries]
    trees = entries + [t for part in d.parts for t in part.derivatives]
    counters = {
        "count_ops": lambda: sum(sympy.count_ops(e) for e in trees),
        "opcount": lambda: opcount.count(trees),
    }
    times, counts = {k: [] for k in counters}, set()
    for r in range(rounds):
        for label in list(counters)[:: 1 if r % 2 == 0 else -1]:  # each first in turn
            t, n = seconds(counters[label])
            times[label].append(t)
            counts.add(n)
    if len(counts) != 1:
        raise SystemExit(f"{name} {operator}: the counts differ: {counts}")
    search, _ = seconds(lambda: _imp_namespace(entries))
    old, new = (statistics.median(times[k]) for k in counters)
    return [name, operator, counts.pop(), f"{old:.2f}", f"{new:.2f}", f"{search:.2f}"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    registry.builtin()
    env = describe()
    rows = []
    for name, operator in DERIVATIONS:
        rows.append(row(name, operator, args.rounds))
        print(rows[-1], file=sys.stderr)
    print(
        f"{env['cpu']} ({env['cpu_count']} cores), Python {env['python']}, "
        f"SymPy {env['sympy']}, commit {env['git_commit']}; medians of {args.rounds} rounds.\n"
    )
    headers = ["case", "operator", "operations", "count_ops s", "opcount s", "use_imps search s"]
    print(tabulate(rows, headers, tablefmt="github", disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
