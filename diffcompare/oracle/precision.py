"""The oracles' working precision: 50 digits, doubled until two evaluations agree.

A derivative that cancels (e^x/(e^x + 1) at x = 800: terms near 1 leave 1e-348) is noise
at 50 digits, and an oracle that reported it would break its promise. So each oracle
evaluates at 50 digits and again at 100; where the two differ by more than AGREEMENT
(relative, normwise), the precision doubles until two successive evaluations agree.
Everything an evaluation converts (inputs, constants, directions) is converted inside
its own precision, whatever a case may have set mpmath's global precision to.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
import numpy as np

from diffcompare.errors import Undefined, Unsupported

DIGITS = 50
MAX_DIGITS = 1600
AGREEMENT = 1e-30


def settle(at: Callable[[int], tuple[np.ndarray, object]]) -> tuple[np.ndarray, object, int]:
    """(values, extra, digits) from ``at(digits)`` -> (values, extra), once two successive
    precisions agree; ``extra`` is the finer evaluation's (its notes, say)."""
    digits = DIGITS
    values, _ = at(digits)
    while True:
        again, notes = at(2 * digits)
        if apart(values, again) <= AGREEMENT:
            return again, notes, 2 * digits
        values, digits = again, 2 * digits
        if digits >= MAX_DIGITS:
            raise Unsupported(f"the oracle does not settle below {MAX_DIGITS} digits")


def apart(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max |b|, at the finer precision."""
    with mpmath.workdps(MAX_DIGITS):
        a = [mpmath.mpmathify(x) for x in np.asarray(a, dtype=object).ravel()]
        b = [mpmath.mpmathify(x) for x in np.asarray(b, dtype=object).ravel()]
        if not all(isinstance(x, mpmath.mpf) and mpmath.isfinite(x) for x in a + b):
            return 0.0  # not real or not finite at any precision: double_double says so
        scale = max((abs(x) for x in b), default=mpmath.mpf(0))
        worst = max((abs(x - y) for x, y in zip(a, b)), default=mpmath.mpf(0))
        return float(worst / scale) if scale else float(worst)


def double_double(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """hi + lo: the value to about 32 digits in two float64s."""
    hi, lo = np.zeros(values.shape), np.zeros(values.shape)
    with mpmath.workdps(MAX_DIGITS):
        for index, v in np.ndenumerate(values):
            v = mpmath.mpmathify(v)
            if not isinstance(v, mpmath.mpf):
                raise Undefined(f"the derivative is not real at this point: {v}")
            if not mpmath.isfinite(v):
                raise Undefined("the derivative is not defined at this point")
            h = float(v)
            if not math.isfinite(h):
                raise Undefined(
                    f"the derivative is beyond float64's range here ({mpmath.nstr(v, 3)})"
                )
            hi[index], lo[index] = h, float(v - h)
    return hi, lo


def exact(a) -> list:
    """Float inputs as mpmath numbers at their exact binary value."""
    return [mpmath.mpf(float(x)) for x in np.asarray(a, dtype=np.float64).ravel()]
