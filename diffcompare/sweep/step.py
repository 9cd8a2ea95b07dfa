"""Error against step size: the V-curve of finite differences, beside its theory.

A stencil of accuracy order p, weights w and denominator d has truncation error
a·h^p with a = c_p·|f^(p+1)(x)| (c = 1/2, 1/6, 1/30 for forward, central, 5-point), and
round-off error b/h. Each evaluation of f is off by about u|f| (u = ε/2, the unit
round-off) and those errors are independent, so b = ‖w‖₂ u |f| / d: the usual
probabilistic model (Higham, *Accuracy and Stability*, §2.8); the worst-case bound
Σ|wᵢ| u|f|/d is about three times larger. The error a·h^p + b/h is smallest at

    h* = (b / (p a))^(1/(p+1)),   E* = (1 + 1/p) b / h*,

which is √ε, ε^(1/3), ε^(1/5) for forward, central, 5-point when f and its derivatives
are of order one. The complex step subtracts nothing, so it has no round-off term.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from diffcompare import oracle
from diffcompare.errors import Unsupported
from diffcompare.form.problem import bind, operators_for, output_shape
from diffcompare.form.registry import Case
from diffcompare.methods import by_name, tolerance
from diffcompare.runner.environment import describe
from diffcompare.sweep.record import Sweep

SCHEMES = ("fd-forward", "fd-central", "fd-5point", "complex-step")
STEPS = tuple(10.0 ** (-k / 2) for k in range(2, 33))  # 1e-1 ... 1e-16, half decades
ORDER = {"fd-forward": 1, "fd-central": 2, "fd-5point": 4}
TRUNCATION = {"fd-forward": 1 / 2, "fd-central": 1 / 6, "fd-5point": 1 / 30}  # c_p


def theory(case: Case, scheme: str, dtype: str) -> tuple[float, float] | None:
    """(h*, relative E*) from the case's own derivatives, for a scalar function of one
    variable; None where the formula does not apply."""
    if scheme not in ORDER or case.n != 1:
        return None
    from diffcompare.symbolic.expression import trace

    try:
        t = trace(case)
    except Unsupported:
        return None
    if len(t.outputs) != 1:
        return None
    p = ORDER[scheme]
    (x,) = t.wrt
    at = {x: float(np.ravel(case.inputs[case.wrt[0]])[0])}
    at.update(
        zip(
            t.constant_symbols, (float(v) for k in case.constants for v in np.ravel(case.inputs[k]))
        )
    )
    f = t.outputs[0]
    try:
        f0, f1, fp = (abs(float(e.evalf(30, subs=at))) for e in (f, f.diff(x), f.diff(x, p + 1)))
    except TypeError:  # no real number there: DiracDelta(0), a kink's second derivative
        return None
    if f1 == 0 or fp == 0 or f0 == 0 or not math.isfinite(fp):
        return None
    stencil = by_name(scheme).stencil
    a = TRUNCATION[scheme] * fp
    b = float(np.linalg.norm(stencil.weights)) * tolerance.eps(dtype) / 2 * f0 / stencil.denominator
    h = (b / (p * a)) ** (1 / (p + 1))
    return h, (1 + 1 / p) * b / h / f1


def _first_operator(case: Case) -> tuple[str, tuple]:
    shape = output_shape(case)
    return operators_for(case, shape)[0], shape


def sweep(
    cases: Sequence[Case],
    schemes: Sequence[str] = SCHEMES,
    dtypes: Sequence[str] = ("float64", "float32"),
    steps: Sequence[float] = STEPS,
) -> Sweep:
    points, table = [], []
    with np.errstate(all="ignore"):
        for case in cases:
            op, shape = _first_operator(case)
            for dtype in dtypes:
                reference = oracle.reference(bind(case, op, dtype, shape))
                for scheme in schemes:
                    method = by_name(scheme)
                    curve = []
                    for h in steps:
                        point = dict(case=case.name, dtype=dtype, scheme=scheme, h=h)
                        try:
                            prepared = method.prepare(bind(case, op, dtype, shape, step=h), "cpu")
                            value = np.asarray(prepared.to_numpy(prepared.call()), np.float64)
                            error = oracle.score(value, reference).max_rel_error
                            point.update(step=float(prepared.step), error=error, status="ok")
                        except Unsupported as exc:
                            point.update(status="unsupported", message=str(exc))
                        points.append(point)
                        if point["status"] == "ok" and math.isfinite(point["error"]):
                            curve.append(point)
                    table.append(_best(case, dtype, scheme, curve))
    return Sweep(
        "step",
        "Error against step size",
        tuple(points),
        tuple(table),
        tuple(_findings(table) + _kinks(cases)),
        describe(with_torch=False),
        label=",".join(c.name for c in cases),
    )


def _kinks(cases: Sequence[Case]) -> list[str]:
    from diffcompare.symbolic import kink

    return [
        f"{case.name}: {found.at} is a kink ({'; '.join(found.where)}): no Taylor expansion "
        "there, so no truncation term to balance and no theory for the V"
        for case in cases
        if (found := kink.find(case)) is not None
    ]


def _best(case: Case, dtype: str, scheme: str, curve: list[dict]) -> dict:
    row = dict(case=case.name, dtype=dtype, scheme=scheme)
    if not curve:
        return {**row, "best_h": None, "best_error": None}
    lowest = min(curve, key=lambda p: (p["error"], -p["step"]))
    row.update(lowest_h=lowest["step"], lowest_error=lowest["error"])
    fitted = fit_v(curve, ORDER.get(scheme))
    best_h, best_error = fitted if fitted else (lowest["step"], lowest["error"])
    row.update(best_h=best_h, best_error=best_error, fitted=fitted is not None)
    th = theory(case, scheme, dtype)
    if th is not None:
        h, e = th
        row.update(
            theory_h=h,
            theory_error=e,
            h_ratio=best_h / h,
            error_ratio=best_error / e if e > 0 else None,
            within=bool(1 / 3 <= best_h / h <= 3 and 1 / 10 <= best_error / e <= 10),
        )
    return row


def fit_v(curve: list[dict], p: int | None) -> tuple[float, float] | None:
    """The bottom of the V: fit E(h) = A h^p + B / h to the measured errors (least squares
    on log E, over the points between exact and useless) and return (h*, E(h*)).

    The lowest measured point alone is a poor estimate: round-off is noise, and one
    step of the grid can land on a lucky cancellation several times below the curve."""
    if p is None:
        return None
    pts = [(c["step"], c["error"]) for c in curve if 0 < c["error"] < 1e-2]
    if len(pts) < 4:
        return None
    from scipy.optimize import least_squares

    h = np.array([q[0] for q in pts])
    e = np.log(np.array([q[1] for q in pts]))

    def residual(v):
        return np.logaddexp(v[0] + p * np.log(h), v[1] - np.log(h)) - e

    # start from the two straight arms: A from the largest step, B from the smallest
    start = [e[np.argmax(h)] - p * np.log(h.max()), e[np.argmin(h)] + np.log(h.min())]
    fit = least_squares(residual, start)
    a, b = np.exp(fit.x)
    best = (b / (p * a)) ** (1 / (p + 1))
    if not h.min() <= best <= h.max():
        return None
    return float(best), float(a * best**p + b / best)


def _findings(table: list[dict]) -> list[str]:
    out = []
    for r in table:
        if r.get("theory_h") is None:
            continue
        verdict = "matches" if r["within"] else "does not match"
        out.append(
            f"{r['case']} {r['dtype']} {r['scheme']}: best h = {r['best_h']:.2g} "
            f"(the fitted V; lowest point {r['lowest_h']:.2g}) "
            f"(theory {r['theory_h']:.2g}, ×{r['h_ratio']:.2f}), best error "
            f"{r['best_error']:.2g} (theory {r['theory_error']:.2g}, ×{r['error_ratio']:.2f}): "
            f"{verdict} theory (h within 3×, error within 10×)"
        )
    return out
