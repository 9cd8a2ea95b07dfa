"""How far a method's value is from the reference: normwise errors and digits."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from diffcompare.oracle.reference import Reference

MAX_DIGITS = 17.0


@dataclass(frozen=True)
class Score:
    max_abs_error: float
    max_rel_error: float
    digits: float
    max_scaled_error: float | None = None  # max |v - r| / max(|r|, the terms' size)


@dataclass(frozen=True)
class Verdict:
    verdict: str  # pass | fail | cannot tell | pass, scaled
    passed: bool | None  # None: cannot tell
    why: str = ""  # said in the row where the verdict is not a plain pass or fail


def judge(s: Score, rtol: float, ref: Reference) -> Verdict:
    """Pass, fail, or cannot tell. The measured error is within the reference's own error
    of the true one, so a row passes only where it would pass against the exact
    derivative, fails only where it would fail against it, and otherwise the reference
    cannot tell (a float64 estimate good to 12 digits judging a tolerance of 2e-14).
    The error is measured against the size of the terms the derivative sums, where the
    oracle knows it: a small answer made of large terms is no method's fault, but such a
    pass with under one correct digit says so."""
    error = s.max_rel_error if s.max_scaled_error is None else s.max_scaled_error
    if math.isnan(error):
        return Verdict("fail", False)
    slack = ref.error
    if error - slack > rtol:
        return Verdict("fail", False)
    if error + slack > rtol:
        why = (
            f"cannot tell: the reference ({ref.kind}) is good to {slack:.1g} only, not below "
            f"this method's tolerance {rtol:.1g}; a 50-digit oracle would resolve it"
        )
        return Verdict("cannot tell", None, why)
    if s.max_rel_error > 0.1 and s.max_scaled_error is not None:
        why = (
            f"passes on the scaled error only: {s.digits:.1f} correct digits, but the "
            f"error is {s.max_scaled_error:.1g} of the terms the derivative sums"
        )
        return Verdict("pass, scaled", True, why)
    return Verdict("pass", True)


def score(value: np.ndarray, ref: Reference) -> Score:
    """Normwise errors: max|v - r| and max|v - r| / max|r| (absolute when r = 0)."""
    v = np.asarray(value, dtype=np.float64)
    r = ref.nearest(v)
    lo = ref.lo if ref.upper is None else 0.0
    err = np.abs((v - r) - lo)  # v - r is exact when they agree to a few bits
    max_abs = float(np.max(err)) if err.size else 0.0
    scale = float(np.max(np.abs(r))) if np.size(r) else 0.0
    rel = max_abs / scale if scale > 0 else max_abs
    scaled = None
    if ref.scale is not None and ref.upper is None:
        size = max(scale, float(np.max(ref.scale)) if np.size(ref.scale) else 0.0)
        scaled = max_abs / size if size > 0 else max_abs
    if math.isnan(rel):
        return Score(max_abs, rel, float("nan"), scaled)
    cap = min(MAX_DIGITS, ref.max_digits)  # never more digits than the reference holds
    digits = cap if rel == 0 else min(cap, max(0.0, -math.log10(rel)))
    return Score(max_abs, rel, digits, scaled)
