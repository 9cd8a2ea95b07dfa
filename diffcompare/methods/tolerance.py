"""The relative error each method is allowed, from its scheme's theoretical error."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def eps(dtype: str) -> float:
    return float(np.finfo(np.dtype(dtype)).eps)


def tolerance(scheme_order: int | None, dtype: str, derivative_order: int) -> float:
    """The relative error a method is allowed: 100 x its theoretical error.

    An exact method (scheme_order None) gets 100 eps. A stencil of accuracy order p
    balances truncation h^p against round-off eps/h^k (k the derivative order), so its
    best error is about eps^(p / (p + k)).
    """
    e = eps(dtype)
    if scheme_order is None:
        return 100 * e
    return 100 * e ** (scheme_order / (scheme_order + derivative_order))
