"""Expression swell: how large f and f′ grow as SymPy trees, with and without cse.

Three families, each a function of one size parameter:

* the logistic map lₙ₊₁ = 4lₙ(1 − lₙ) after n steps (Baydin et al. 2018, JMLR, fig. 2):
  lₙ appears twice in lₙ₊₁, so the tree doubles with each level;
* a nested composition sin(cos(sin(…x…))) of depth n: the chain rule multiplies
  n factors, each a copy of an inner prefix, so f′ grows quadratically;
* the n-factor product x₁x₂…xₙ: each of the n partial derivatives is a product of
  n − 1 factors, n(n − 1) leaves in all.

Sizes are SymPy's ``count_ops`` (tree operations, the printed size); "with cse" counts
the operations of ``cse``'s replacements plus its reduced expression (the DAG).
The logistic map's derivative is also evaluated in float64, as derived and after
``expand``, against a 50-digit evaluation of the unexpanded form: expanding turns
a short product into a polynomial of degree 2ⁿ whose terms cancel catastrophically.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import sympy

from diffcompare.runner.environment import describe
from diffcompare.sweep.record import Sweep
from diffcompare.sweep.size import slope
from diffcompare.symbolic import opcount

x = sympy.Symbol("x", real=True)
AT = 0.3  # (3/10 in the 50-digit evaluation) where the logistic map's derivative is evaluated


def logistic(n: int):
    """lₙ with l₀ = x."""
    l_ = x
    for _ in range(n):
        l_ = 4 * l_ * (1 - l_)
    return (l_,), (x,)


def nested(n: int):
    """sin(cos(sin(…x…))), n functions deep."""
    f = x
    for i in range(n):
        f = (sympy.sin if i % 2 == 0 else sympy.cos)(f)
    return (f,), (x,)


def product(n: int):
    """x₁ x₂ … xₙ."""
    xs = sympy.symbols(f"x1:{n + 1}", real=True)
    return (sympy.Mul(*xs),), xs


STUDIES: dict[str, tuple[Callable, tuple[int, ...]]] = {
    "logistic map": (logistic, tuple(range(1, 9))),
    "nested sin/cos": (nested, (1, 2, 4, 8, 16, 32)),
    "n-factor product": (product, (2, 4, 8, 16, 32, 64)),
}


def _ops_cse(exprs) -> int:
    replacements, reduced = sympy.cse(list(exprs))
    return opcount.count([e for _, e in replacements] + list(reduced))


def measure(study: str, n: int) -> dict:
    build, _ = STUDIES[study]
    fs, xs = build(n)
    grads = [f.diff(v) for f in fs for v in xs]
    point = dict(
        study=study,
        n=n,
        f_ops=opcount.count(fs),
        df_ops=opcount.count(grads),
        f_ops_cse=_ops_cse(fs),
        df_ops_cse=_ops_cse(grads),
    )
    if study == "logistic map":
        point.update(_expanded_error(n, grads[0]))
    return point


def _expanded_logistic_derivative(n: int) -> sympy.Expr:
    """expand(lₙ′), built by polynomial arithmetic (sympy.expand on the tree takes
    minutes at depth 8; the polynomial is the same)."""
    p = sympy.Poly(x, x)
    for _ in range(n):
        p = 4 * p * (1 - p)
    return p.diff(x).as_expr()


def _expanded_error(n: int, d: sympy.Expr) -> dict:
    """float64 relative error of lₙ′ at AT, as derived and expanded, against 50 digits."""
    import mpmath

    with mpmath.workdps(50):
        truth = sympy.lambdify(x, d, modules="mpmath")(mpmath.mpf(3) / 10)
        out = {}
        for label, e in (("derived", d), ("expanded", _expanded_logistic_derivative(n))):
            value = sympy.lambdify(x, e, modules="math")(AT)
            out[f"{label}_error"] = float(abs(mpmath.mpf(value) - truth) / abs(truth))
    return out


def sweep(studies=tuple(STUDIES)) -> Sweep:
    points = [measure(s, n) for s in studies for n in STUDIES[s][1]]
    return Sweep(
        "swell",
        "Expression swell",
        tuple(points),
        tuple(_table(points)),
        tuple(_findings(points)),
        describe(with_torch=False),
    )


def _table(points: list[dict]) -> list[dict]:
    keys = ("study", "n", "f_ops", "df_ops", "f_ops_cse", "df_ops_cse")
    return [
        {
            **{k: p[k] for k in keys},
            **{k: p[k] for k in ("derived_error", "expanded_error") if k in p},
        }
        for p in points
    ]


def growth_per_level(ns, sizes) -> float:
    """The factor by which size grows per level, fitted on a log scale: size ∝ g^n."""
    return float(math.exp(np.polyfit(ns, np.log(sizes), 1)[0]))


def _findings(points: list[dict]) -> list[str]:
    out = []
    by = {
        s: [p for p in points if p["study"] == s] for s in dict.fromkeys(p["study"] for p in points)
    }
    if "n-factor product" in by:
        ps = by["n-factor product"][-3:]  # the asymptotic exponent: the largest sizes
        k = slope([p["n"] for p in ps], [p["df_ops"] for p in ps])
        kc = slope([p["n"] for p in ps], [p["df_ops_cse"] for p in ps])
        out.append(
            f"n-factor product: f′ without cse grows as n^{k:.2f} (fitted over n = "
            f"{ps[0]['n']}…{ps[-1]['n']}; quadratic: {'yes' if abs(k - 2) < 0.15 else 'no'}); "
            f"with cse as n^{kc:.2f}: cse shares no partial products, reverse mode does"
        )
    if "logistic map" in by:
        ps = by["logistic map"][-4:]  # the asymptotic rate: the deepest levels
        g = growth_per_level([p["n"] for p in ps], [p["df_ops"] for p in ps])
        gf = growth_per_level([p["n"] for p in ps], [p["f_ops"] for p in ps])
        gc = growth_per_level([p["n"] for p in ps], [p["df_ops_cse"] for p in ps])
        last = by["logistic map"][-1]
        out.append(
            f"logistic map: f grows ×{gf:.2f} per level and f′ ×{g:.2f} per level without cse "
            f"(geometric; fitted over depth {ps[0]['n']}…{ps[-1]['n']}), ×{gc:.2f} with cse"
        )
        out.append(
            f"logistic map at depth {last['n']}, x = {AT}: f′ as derived has relative error "
            f"{last['derived_error']:.1e} in float64; expanded, {last['expanded_error']:.1e}"
        )
    if "nested sin/cos" in by:
        ps = by["nested sin/cos"][-3:]
        k = slope([p["n"] for p in ps], [p["df_ops"] for p in ps])
        kc = slope([p["n"] for p in ps], [p["df_ops_cse"] for p in ps])
        out.append(
            f"nested sin/cos: f′ grows as n^{k:.2f} without cse and n^{kc:.2f} with cse "
            f"(fitted over n = {ps[0]['n']}…{ps[-1]['n']})"
        )
    return out
