"""Which reference a problem is scored against.

In order of preference:
- ``subdifferential``: at a kink the case gives bounds, or ``diffcompare.symbolic.kink``
  finds the subdifferential (an abs's argument 0 or a max's arguments tying: a box, or
  the hull of the pieces' gradients); any value inside is exact;
- ``case``: the case's own ``reference=`` derivative (first-order operators), checked
  against the oracles below: a wrong one is replaced, never trusted;
- ``arb``: the certified oracle, the case's own Python on Arb balls: every value with a
  proven radius below 1e-30 relative. Where it answers it is the reference, unchecked
  (a proof needs no second opinion; tests cross-check it on the built-in suite);
- ``sympy-mpmath``: the SymPy derivative evaluated with mpmath at 50 significant digits,
  checked against ``mpmath-ad`` wherever both run (they must agree to 1e-30);
- ``mpmath-ad``: automatic differentiation over mpmath, the case's own Python run on
  50-digit numbers: the reference wherever SymPy cannot trace the case (control flow on
  values), for first derivatives of more than SYMPY_MAX_N inputs, where the SymPy
  trace would cost minutes, and where SymPy's cross-check runs past CROSS_CHECK_S.
Both evaluate at the exact binary value of the inputs in the run's dtype. The value is
kept as a double-double (hi + lo), so errors near machine precision are measured.
"""

from __future__ import annotations

import math
from dataclasses import replace

import mpmath
import numpy as np

from diffcompare.deadline import TimedOut, deadline
from diffcompare.deadline import left as deadline_left
from diffcompare.errors import Undefined, Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.problem import Problem
from diffcompare.oracle import arb_ad, mpmath_ad, sympy_mpmath
from diffcompare.oracle.reference import Reference, first_order_matrix, from_jacobian
from diffcompare.oracle.score import score


def reference(problem: Problem) -> Reference:
    """The reference for this problem; raises Unsupported when there is none."""
    # at mpmath's default precision, whatever a case left behind (at mp.dps = 5 a float's
    # conversion to mpf, before any working precision is entered, would keep 5 digits)
    with mpmath.workprec(53):
        return _reference(problem)


def _reference(problem: Problem) -> Reference:
    case, op = problem.case, problem.operator
    inputs = {**problem.split(problem.theta.astype(np.float64)), **problem.constants}
    if case.subdifferential is not None and ops.order(op) == 1:
        if op in ("jvp", "vjp"):
            raise Unsupported("a subdifferential bounds derivatives, not directional ones")
        return _subdifferential(problem, case.subdifferential(**inputs))
    ad = _attempt(_ad, problem) if ops.order(op) == 1 else None
    if case.reference is None and ops.order(op) == 1 and _may_kink(ad):
        at_kink = _kink(problem, inputs)
        if at_kink is not None:
            return at_kink
    if case.reference is not None:
        if ops.order(op) != 1:
            raise Unsupported("the case's reference= gives first derivatives only")
        jac = first_order_matrix(problem, case.reference(**inputs))
        value = from_jacobian(problem, jac)
        given = Reference("case", value, np.zeros(value.shape), max_digits=FLOAT64_DIGITS)
        return _checked(problem, given, ad)
    return _oracle(problem, ad)


SYMPY_MAX_N = 1000  # first derivatives: above it, the AD oracle alone (SymPy's trace swells)
# where the AD oracle has a reference, SymPy's trace and derivative only check it: past
# this, the AD oracle's reference stands alone (a user's loop of thousands of operations
# would otherwise cost the cell's whole time limit and leave it unscored). A time, so it
# is generous: the built-in cases' checks take seconds even on a loaded machine, and a
# row's reference kind should not depend on the load (the values agree to 1e-30 anyway)
CROSS_CHECK_S = 30.0
CROSS_CHECK_SHARE = 0.5  # at most this share of the time the problem has left


def _cross_check_budget() -> float:
    """CROSS_CHECK_S, or less where the problem's own limit has less left: the check must
    end before that limit does, or it would cost the AD oracle's reference it checks."""
    remaining = deadline_left()
    return CROSS_CHECK_S if remaining is None else min(CROSS_CHECK_S, CROSS_CHECK_SHARE * remaining)


AGREEMENT = 1e-30  # the two 50-digit oracles, relative: beyond it one of them has a bug
FLOAT64_DIGITS = -math.log10(np.finfo(np.float64).eps)  # all a float64 reference= holds


def _ad(problem: Problem) -> Reference:
    """The certified oracle's reference, or where the case cannot run on balls the AD
    oracle's over mpmath (saying why the reference is not certified)."""
    try:
        return arb_ad.evaluate(problem)
    except Undefined:
        raise
    except Exception as exc:
        ref = mpmath_ad.evaluate(problem)
        if problem.case.backend != "numpy":
            return ref
        why = f"not certified: {exc}"
        return replace(ref, note="; ".join(n for n in (ref.note, why) if n))


def _attempt(fn, problem: Problem):
    """fn(problem), or the exception that says why it has no answer (Undefined included)."""
    try:
        return fn(problem)
    except Unsupported as exc:
        return exc
    except Exception as exc:  # the case's own failure on that backend: no answer there
        return Unsupported(f"{type(exc).__name__}: {exc}")


def _may_kink(ad) -> bool:
    """Whether kink.find (a SymPy trace) is worth its cost: the AD oracle saw a kink."""
    return not isinstance(ad, Reference) or "a kink" in ad.note or "a tie" in ad.note


def _oracle(problem: Problem, ad=None) -> Reference:
    """SymPy-mpmath and mpmath-ad, each checking the other where both run."""
    first = ops.order(problem.operator) == 1
    if ad is None:
        ad = _attempt(_ad, problem) if first or _ad_affordable(problem) else None
    if isinstance(ad, Reference) and (
        ad.kind == arb_ad.KIND or (first and problem.n > SYMPY_MAX_N)
    ):
        return ad
    if isinstance(ad, Reference):  # SymPy only cross-checks it: within a budget of its own
        budget = _cross_check_budget()
        try:
            with deadline(budget):
                sym = _attempt(sympy_mpmath.evaluate, problem)
        except TimedOut as exc:
            if not exc.own:  # the problem's own time limit ran out, not the check's
                raise
            note = f"SymPy's cross-check of the AD oracle ran past {budget:.3g} s"
            return replace(ad, note="; ".join(n for n in (ad.note, note) if n))
    else:
        sym = _attempt(sympy_mpmath.evaluate, problem)
    for found in (sym, ad):
        if isinstance(found, Undefined):
            raise found
    if isinstance(sym, Reference) and isinstance(ad, Reference):
        diff = _difference(sym, ad)
        if diff > AGREEMENT:
            raise Unsupported(
                f"the two oracles disagree (SymPy-mpmath and mpmath-ad, max relative "
                f"difference {diff:.2g}): a bug in one of them, so neither is trusted"
            )
        parts = [p for n in (sym.note, ad.note) if n for p in n.split("; ")]
        notes = [p for p in parts if not p.startswith(("a kink", "a tie"))]
        return replace(sym, note="; ".join(dict.fromkeys(notes)), scale=ad.scale)
    if isinstance(sym, Reference):
        return sym
    if isinstance(ad, Reference):
        return ad
    why = "; ".join(str(e) for e in (ad, sym) if isinstance(e, Exception))
    if problem.case.backend == "torch" and isinstance(ad, Exception):
        why = f"the case is written in torch, and {ad}"
    return _agreement(problem, why or "no oracle can evaluate this case")


AGREEING = {"complex-step": 1e-10, "fd-5point": 1e-8}  # Ridders' partners, and how close


def _agreement(problem: Problem, why: str) -> Reference:
    """Where neither 50-digit oracle can follow the function: Ridders' extrapolation in
    float64, where an independent float64 method agrees with it (the complex step, else
    the 5-point stencil); its digits are capped at that agreement, never a 50-digit
    verdict."""
    from diffcompare.methods import by_name

    first = _ridders(problem)
    p64 = at_float64(problem)
    tried = []
    for name, close in AGREEING.items():
        try:
            other = np.asarray(by_name(name).prepare(p64, "cpu").call(), dtype=np.float64)
        except Exception as exc:
            tried.append(f"{name}: {exc}")
            continue
        diff = score(other, first).max_rel_error
        if diff <= close:
            digits = min(-math.log10(max(diff, 1e-14)), 14.0)
            note = (
                f"no 50-digit oracle ({why}); the reference is Ridders' extrapolation in "
                f"float64, which {name} matches to {diff:.1g}: digits capped at {digits:.1f}"
            )
            return replace(first, kind="float64-agreement", note=note, max_digits=digits)
        tried.append(f"{name} differs by {diff:.2g}")
    raise Unsupported(f"{why}; nor do two float64 estimates agree ({'; '.join(tried)})")


def _ad_affordable(problem: Problem) -> bool:
    """A Hessian costs the AD oracle one dual pass per input: checked up to n = 100."""
    return problem.operator != "hessian" or problem.n <= 100


def _difference(a: Reference, b: Reference) -> float:
    """max |a - b| / max |a| between two double-doubles."""
    d = np.abs((a.hi - b.hi) + (a.lo - b.lo))
    scale = float(np.max(np.abs(a.hi))) if a.hi.size else 0.0
    worst = float(np.max(d)) if d.size else 0.0
    return worst / scale if scale > 0 else worst


def _kink(problem: Problem, inputs: dict) -> Reference | None:
    """At a kink the case does not declare: its subdifferential (a box where each kink is
    in one variable, else a hull), or where that cannot be told, SymPy's convention; the
    rows say which."""
    from diffcompare.symbolic import kink

    found = kink.find(problem.case, inputs)
    if found is None:
        return None
    where = f"a kink: {'; '.join(found.where)}"
    if not found.region() or problem.operator in ("jvp", "vjp"):
        ref = sympy_mpmath.evaluate(problem)
        return replace(ref, note=f"{where}; scored against SymPy's sign(0) = 0, H(0) = 1/2")
    return _subdifferential(
        problem,
        [np.asarray(p) for p in found.bounds or found.vertices],
        note=f"{where}; any value in {found.region()} is right",
        hull=found.vertices is not None,
    )


def _subdifferential(problem: Problem, points, note: str = "", hull: bool = False) -> Reference:
    """From first derivatives as a case gives them: a box's two corners, or (hull) the
    vertices of a polytope."""
    arrays = np.stack([from_jacobian(problem, first_order_matrix(problem, p)) for p in points])
    return Reference(
        "subdifferential",
        arrays.min(axis=0),
        np.zeros(arrays.shape[1:]),
        arrays.max(axis=0),
        note=note,
        vertices=arrays if hull else None,
    )


AGREE = {
    "arb": 1e-10,
    "sympy-mpmath": 1e-10,
    "mpmath-ad": 1e-10,
    "ridders": 1e-6,
    "float64-agreement": 1e-6,
}  # how close a reference= must be to each check
CHECKED_BY = {
    "arb": "the certified oracle's derivative",
    "sympy-mpmath": "SymPy's derivative",
    "mpmath-ad": "the AD oracle's derivative",
    "ridders": "Ridders' extrapolation",
    "float64-agreement": "Ridders' extrapolation (confirmed by a second float64 method)",
}


WHOSE = {"arb": "the certified oracle's", "sympy-mpmath": "SymPy's", "mpmath-ad": "the AD oracle's"}


def _checked(problem: Problem, given: Reference, ad=None) -> Reference:
    """A case's own reference, checked against the function: against the oracles where
    one can evaluate the case (then a wrong reference is replaced by the oracle's, and
    the rows say so), else against Ridders' extrapolation in float64 (then a wrong
    reference leaves the rows without one: neither can be trusted)."""
    try:
        check = _oracle(problem, ad)
    except Exception:
        try:
            check = _ridders(problem)
        except Exception:
            return given
    diff = score(given.hi, check).max_rel_error
    if diff <= AGREE[check.kind]:
        return given
    what = (
        f"the case's reference= disagrees with {CHECKED_BY[check.kind]} of the function "
        f"(max relative difference {diff:.2g})"
    )
    if check.kind in WHOSE:  # 50 digits or more: it replaces a wrong one
        whose = WHOSE[check.kind]
        return replace(
            check, note="; ".join(n for n in (what, check.note) if n) + f"; scored against {whose}"
        )
    raise Unsupported(what)


def at_float64(problem: Problem) -> Problem:
    """The problem in float64 at the row's own point: a float32 row's inputs, constants
    and directions rounded to float32 and then held exactly in float64 (a float64
    estimate at the float64 point would be off by the inputs' rounding, up to 1e-7)."""

    def wide(a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            return a.astype(np.float64)
        return float(a) if isinstance(a, np.floating) else a

    return replace(
        problem,
        dtype="float64",
        theta=wide(problem.theta),
        constants={k: wide(v) for k, v in problem.constants.items()},
        tangent=None if problem.tangent is None else wide(problem.tangent),
        cotangent=None if problem.cotangent is None else wide(problem.cotangent),
    )


def _ridders(problem: Problem) -> Reference:
    from diffcompare.methods import by_name

    p64 = at_float64(problem)
    value = np.asarray(by_name("fd-richardson").prepare(p64, "cpu").call(), dtype=np.float64)
    return Reference("ridders", value, np.zeros(value.shape))
