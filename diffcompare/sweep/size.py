"""Time against problem size n, per method: the cheap-gradient principle in a picture.

Finite-difference gradients cost O(n) evaluations of f; reverse mode costs a small
constant times one evaluation; SymPy pays once to derive and compile (plotted apart,
as ``prepare``) and then per evaluation. Each cell has a time limit; after a method
runs past it, its larger sizes are skipped and marked so (ADBench's rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from diffcompare.deadline import TimedOut, deadline
from diffcompare.form.problem import bind, operators_for, output_shape
from diffcompare.form.registry import Family
from diffcompare.methods import by_name
from diffcompare.runner.cell import Cells
from diffcompare.runner.environment import describe
from diffcompare.runner.plan import Plan
from diffcompare.runner.setup import set_up
from diffcompare.runner.threads import limit
from diffcompare.runner.timing import Budget
from diffcompare.sweep.record import Sweep

FAMILIES = ("rosenbrock", "sum_of_squares", "mlp_loss")
SIZES = (10, 100, 1_000, 10_000, 100_000)
METHODS = ("sympy", "fd-central", "complex-step", "torch", "torch-forward")


def sweep(
    families: Sequence[Family],
    sizes: Sequence[int] = SIZES,
    methods: Sequence[str] = METHODS,
    dtype: str = "float64",
    device: str = "cpu",
    timeout: float = 10.0,
    budget: Budget | None = None,
    progress: bool = False,
    threads: int | None = 1,
) -> Sweep:
    # torch is imported here, not inside the first torch cell's prepare time
    environment = describe(with_torch=any(by_name(m).backend == "torch" for m in methods))
    # and the rest of what a run's process does once, outside any cell's time limit
    set_up([by_name(m) for m in methods])
    environment["threads"] = limit(threads)
    points = []
    cells = [(f, m) for f in families for m in methods]
    bar = tqdm(cells, desc="sweep size", unit="curve", disable=not progress or None, leave=False)
    for family, name in bar:
        bar.set_postfix_str(f"{family.name} · {name}")
        method = by_name(name)
        stopped = None  # the size at which this method ran past the limit
        for n in sorted(sizes):
            case = family.at(n)
            point = dict(family=family.name, n=case.n, size=n, method=name, dtype=dtype)
            if stopped is not None:
                points.append({**point, "status": "skipped", "message": stopped})
                continue
            point.update(_cell(case, method, device, dtype, timeout, budget or Budget()))
            if point["status"] == "timeout":
                stopped = f"skipped: n = {case.n} ran past {timeout:g} s"
            points.append(point)
    return Sweep(
        "size",
        "Time against size",
        tuple(points),
        tuple(_table(points)),
        tuple(_findings(points)),
        environment,
        label=",".join(dict.fromkeys(p["family"] for p in points)),
    )


def _cell(case, method, device, dtype, timeout, budget) -> dict:
    """One size of one method, prepared and timed as a run times it (runner.Cells)."""
    cells = Cells(Plan((), (method,), budget=budget))
    try:
        with np.errstate(all="ignore"), deadline(timeout):
            shape = output_shape(case)
            problem = bind(case, operators_for(case, shape)[0], dtype, shape)
            row = cells.cell(problem, method, device, None, "")
    except TimedOut as exc:
        return dict(status="timeout", message=str(exc))
    if row.eval_s is None or row.cost_ratio is None:
        return dict(status=row.status, message=row.message)
    return dict(
        status=row.status,
        message=row.message,
        prepare_s=row.prepare_s,
        eval_s=row.eval_s,
        primal_s=row.primal_s,
        cost_ratio=row.cost_ratio,
        f_evals=row.f_evals,
    )


def _table(points: list[dict]) -> list[dict]:
    """One row per (family, n): each method's time and cost ratio."""
    rows: dict[tuple, dict] = {}
    for p in points:
        row = rows.setdefault((p["family"], p["n"]), {"family": p["family"], "n": p["n"]})
        if p["status"] == "ok":
            row[p["method"]] = p["eval_s"]
            row[f"{p['method']} ratio"] = p["cost_ratio"]
            if p["method"] == "sympy":
                row["sympy prepare"] = p["prepare_s"]
        else:
            row[p["method"]] = p["status"]
    return list(rows.values())


def slope(ns, ts) -> float | None:
    """The exponent k of t ∝ n^k, fitted on log-log axes."""
    ok = [(n, t) for n, t in zip(ns, ts) if t and t > 0]
    if len(ok) < 2:
        return None
    x, y = np.log([n for n, _ in ok]), np.log([t for _, t in ok])
    return float(np.polyfit(x, y, 1)[0])


def _findings(points: list[dict]) -> list[str]:
    out = []
    keys = sorted({(p["family"], p["method"]) for p in points}, key=str)
    for family, method in keys:
        mine = [p for p in points if (p["family"], p["method"]) == (family, method)]
        ok = [p for p in mine if p["status"] == "ok"]
        if len(ok) < 2:
            continue
        k = slope([p["n"] for p in ok], [p["eval_s"] for p in ok])
        r = slope([p["n"] for p in ok], [p["cost_ratio"] for p in ok])
        last = ok[-1]
        out.append(
            f"{family} · {method}: time ∝ n^{k:.2f}, cost ratio ∝ n^{r:.2f} "
            f"(×{last['cost_ratio']:.3g} at n = {last['n']})"
        )
    return out
