"""The certified oracle: the case's own Python run on Arb balls (python-flint) that record
the AD oracle's tape, so every derivative comes with a proven error radius.

A ball is a midpoint and a radius that Arb proves to contain the exact result of every
operation on the balls it came from. The inputs (differentiated or not, the constants
included) enter as exact balls of their binary value in the row's dtype; the tape's
backward sweep (and forward over reverse, for second order) multiplies and adds balls, so
the derivative's balls contain the exact derivative of the program at those inputs.

The precision starts near 50 digits and doubles until the radius is below TARGET,
relative (normwise), or MAX_BITS is reached, when the reference says how many digits are
proven. A comparison the balls cannot decide raises the precision too; at MAX_BITS it
follows the float program's branch, and the reference says so, as ``mpmath-ad`` does.

What it proves, and what not: the derivative of the program as evaluated on balls, on
the branches taken, at the row's inputs. It does not prove that the float program takes
those branches (that is the shadow's business, as in ``mpmath-ad``), nor anything about
code the balls never ran (a torch op ``torch_balls`` does not cover, a constant turned
into a Python float: those cases fall back to the other oracles).
"""

from __future__ import annotations

import math

import numpy as np
from flint import arb, ctx

from diffcompare.errors import Undefined, Unsupported
from diffcompare.form.problem import Problem
from diffcompare.oracle.dual import Imprecise
from diffcompare.oracle.mpmath_ad import Numbers, derivative
from diffcompare.oracle.reference import Reference

KIND = "arb"
START_BITS = 176  # about 53 digits
MAX_BITS = 5632  # about 1700 digits: five doublings
TARGET = 1e-30  # the proven radius sought, relative to the largest entry


def evaluate(problem: Problem) -> Reference:
    """The certified reference; Unsupported where the case cannot run on balls."""
    bits = START_BITS
    while True:
        final = bits >= MAX_BITS
        with ctx.workprec(bits):
            try:
                values, (notes, scale) = derivative(problem, Numbers(arb, final), sizes=True)
            except Imprecise as exc:
                if final:
                    raise Unsupported(f"the balls stay too wide at {bits} bits: {exc}") from None
                bits *= 2
                continue
            balls = np.asarray(values, dtype=object).reshape(problem.value_shape)
            balls = np.vectorize(_ball, otypes=[object])(balls) if balls.size else balls
            relative = _relative_radius(balls)
            if relative <= TARGET or final:
                hi, lo, radius = _split(balls)
                break
        bits *= 2
    notes = list(notes)
    if relative > TARGET:
        digits = -math.log10(relative) if relative > 0 else math.inf
        notes.append(f"proven to {digits:.1f} digits only, at {bits} bits")
    elif bits > START_BITS:
        notes.append(f"certified at {bits} bits")
    return Reference(KIND, hi, lo, note="; ".join(notes), scale=scale, radius=radius)


def _ball(v) -> arb:
    """An entry of the derivative as a ball (an input it does not reach gives int 0)."""
    if isinstance(v, arb):
        if not v.is_finite():
            raise Imprecise("a derivative's ball is not finite")
        return v
    return arb(v)


def _relative_radius(balls: np.ndarray) -> float:
    """max radius / max |midpoint| (the absolute radius where every midpoint is within it)."""
    if balls.size == 0:
        return 0.0
    radius = max(float(b.rad()) for b in balls.ravel())
    size = max(abs(float(b.mid())) for b in balls.ravel())
    return radius / size if size > radius else radius


def _split(balls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hi, lo, radius): the midpoint as a double-double, and a proven bound on
    |exact derivative - (hi + lo)|, rounded up, per entry."""
    hi, lo, radius = (np.zeros(balls.shape) for _ in range(3))
    for index, b in np.ndenumerate(balls):
        h = float(b.mid())
        if not math.isfinite(h):
            raise Undefined(f"the derivative is beyond float64's range here ({b.str(3)})")
        rest = b.mid() - arb(h)
        low = float(rest.mid())
        bound = b.rad() + abs(rest - arb(low))
        hi[index], lo[index] = h, low
        radius[index] = np.nextafter(float(bound.upper()), math.inf)
    return hi, lo, radius
