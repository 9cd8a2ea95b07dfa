"""What a second derivative costs against the first: the Hessian of a sized case, five
ways, against n, beside the gradient.

A gradient costs a few calls of f whatever n (reverse mode). A Hessian has n² entries, so
each way of getting it pays for n of something:

- ``torch.autograd.functional.hessian``: the library's own call (n vjps of the gradient,
  one after another: ``vectorize=False`` is its default);
- a loop of n backward passes through the gradient's graph (``retain_graph=True``), the
  way the course's ``backward()`` would do it by hand;
- ``vmap`` of ``grad``: ``torch.func.jacrev(torch.func.grad(f))``, the same n vjps in one
  batched pass;
- ``jacfwd`` of ``grad``: forward over reverse, n jvps of the gradient in one batch
  (``torch.func.hessian``);
- SymPy: derive the n² entries once (``prepare``), then evaluate them.

Each is a cell as a run makes it (``runner.Cells``): scored against the 50-digit oracle,
its call timed in alternation with f. After a way runs past the limit, its larger sizes
are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from diffcompare import oracle
from diffcompare.deadline import TimedOut, deadline
from diffcompare.errors import Undefined, Unsupported
from diffcompare.form.problem import bind, output_shape
from diffcompare.form.registry import Family
from diffcompare.methods import by_name
from diffcompare.methods.autograd import Reverse
from diffcompare.runner.cell import Cells
from diffcompare.runner.environment import describe
from diffcompare.runner.plan import Plan
from diffcompare.runner.setup import set_up
from diffcompare.runner.threads import limit
from diffcompare.runner.timing import Budget
from diffcompare.sweep.record import Sweep
from diffcompare.sweep.size import slope

SIZES = (4, 16, 64, 256)
GRADIENT = "torch gradient"


def _functional(F, theta):
    """torch.autograd.functional.hessian(f, x)"""
    from torch.autograd.functional import hessian

    return hessian(F, theta)


def _backward_loop(F, theta):
    """g = grad(f(x), x, create_graph=True), then grad(g[i], x, retain_graph=True) for each i"""
    import torch

    t = theta.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(F(t), t, create_graph=True)
    if not g.requires_grad:  # f' does not depend on x: H = 0
        return torch.zeros(t.numel(), t.numel(), dtype=t.dtype)
    rows = [torch.autograd.grad(g[i], t, retain_graph=True)[0] for i in range(t.numel())]
    return torch.stack(rows)


def _vmap_grad(F, theta):
    """torch.func.jacrev(torch.func.grad(f))(x): vmap over the vjps of grad"""
    from torch.func import grad, jacrev

    return jacrev(grad(F))(theta)


def _jacfwd_grad(F, theta):
    """torch.func.jacfwd(torch.func.grad(f))(x): forward over reverse"""
    from torch.func import grad, jacfwd

    return jacfwd(grad(F))(theta)


class Way(Reverse):
    """torch's reverse mode with the Hessian computed one given way (a method for one study)."""

    def __init__(self, name: str, hessian: Callable):
        self.name = name
        self._hessian = hessian
        self.notes = {"hessian": (hessian.__doc__ or "").strip()}

    def operator(self, op, F, theta, tangent, cotangent, by_inputs=None):
        return lambda: self._hessian(F, theta)


WAYS = {
    "torch hessian()": _functional,
    "n backward passes": _backward_loop,
    "vmap of grad": _vmap_grad,
    "jacfwd of grad": _jacfwd_grad,
}


def _reference(problem) -> tuple:
    """(the oracle's reference, ""), or (None, why) where it has none: the rows are then
    unscored and say why, as a run's are."""
    try:
        return oracle.reference(problem), ""
    except (Unsupported, Undefined) as exc:
        return None, f"no reference: {exc}"


def _cell(problem, method, reference: tuple, timeout: float, budget: Budget) -> dict:
    cells = Cells(Plan((), (method,), budget=budget))
    try:
        with np.errstate(all="ignore"), deadline(timeout):
            row = cells.cell(problem, method, "cpu", *reference)
    except TimedOut as exc:
        return dict(status="timeout", message=str(exc))
    out = dict(status=row.status, message=row.message, digits=row.digits, passed=row.passed)
    if row.eval_s is not None:
        out.update(eval_s=row.eval_s, primal_s=row.primal_s, cost_ratio=row.cost_ratio)
        out.update(prepare_s=row.prepare_s)
    return out


def sweep(
    families: Sequence[Family],
    sizes: Sequence[int] = SIZES,
    dtype: str = "float64",
    timeout: float = 10.0,
    budget: Budget | None = None,
    threads: int | None = 1,
    sympy: bool = True,
) -> Sweep:
    environment = describe(with_torch=True)
    set_up([by_name("torch"), *([by_name("sympy")] if sympy else [])])
    environment["threads"] = limit(threads)
    budget = budget or Budget()
    ways = [(GRADIENT, by_name("torch"), "gradient")]
    ways += [(name, Way(name, fn), "hessian") for name, fn in WAYS.items()]
    if sympy:
        ways.append(("sympy", by_name("sympy"), "hessian"))
    points = []
    for family in families:
        stopped: dict[str, str] = {}
        for n in sorted(sizes):
            case = family.at(n)
            shape = output_shape(case)
            if shape != ():
                raise ValueError(f"sweep second: {family.name} is not a scalar function")
            problems = {op: bind(case, op, dtype, shape) for op in ("gradient", "hessian")}
            references = {op: _reference(p) for op, p in problems.items()}
            for name, method, op in ways:
                point = dict(family=family.name, n=case.n, way=name, operator=op, dtype=dtype)
                if name in stopped:
                    points.append({**point, "status": "skipped", "message": stopped[name]})
                    continue
                point.update(_cell(problems[op], method, references[op], timeout, budget))
                if point["status"] == "timeout":
                    stopped[name] = f"skipped: n = {case.n} ran past {timeout:g} s"
                points.append(point)
    return Sweep(
        "second",
        "A second derivative against the first",
        tuple(points),
        tuple(_table(points)),
        tuple(_findings(points)),
        environment,
        label=",".join(f.name for f in families),
    )


def _table(points: list[dict]) -> list[dict]:
    """One row per (family, n): the gradient's time, each way's time and its ratio to it."""
    rows: dict[tuple, dict] = {}
    gradient = {(p["family"], p["n"]): p.get("eval_s") for p in points if p["way"] == GRADIENT}
    for p in points:
        row = rows.setdefault((p["family"], p["n"]), {"family": p["family"], "n": p["n"]})
        if p.get("eval_s") is None:
            row[p["way"]] = p["status"]
            continue
        row[p["way"]] = p["eval_s"]
        base = gradient.get((p["family"], p["n"]))
        if p["way"] != GRADIENT and base:
            row[f"{p['way']} ÷ gradient"] = p["eval_s"] / base
        if p["way"] == "sympy":
            row["sympy prepare"] = p["prepare_s"]
    return list(rows.values())


def _findings(points: list[dict]) -> list[str]:
    out = []
    for family in dict.fromkeys(p["family"] for p in points):
        mine = [p for p in points if p["family"] == family]
        for way in dict.fromkeys(p["way"] for p in mine):
            ok = [p for p in mine if p["way"] == way and p.get("eval_s") is not None]
            if len(ok) < 2:
                continue
            k = slope([p["n"] for p in ok], [p["eval_s"] for p in ok])
            r = slope([p["n"] for p in ok], [p["cost_ratio"] for p in ok if p["cost_ratio"]])
            last = ok[-1]
            worst = min((p["digits"] for p in ok if p["digits"] is not None), default=None)
            digits = f", at least {worst:.1f} correct digits" if worst is not None else ""
            ratio = f", cost ratio ∝ n^{r:.2f}" if r is not None else ""
            out.append(
                f"{family} · {way}: time ∝ n^{k:.2f}{ratio} "
                f"({last['eval_s']:.3g} s at n = {last['n']}){digits}"
            )
    return out
