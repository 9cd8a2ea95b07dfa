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
