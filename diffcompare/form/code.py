"""The code object behind a case's function, whatever callable the user passed: a
function, a bound method, a functools.partial, or an object with ``__call__``."""

from __future__ import annotations

import functools
from types import CodeType


def code(fn) -> CodeType | None:
    """fn's code object, or None where it has none (a builtin, a C extension's callable)."""
    for _ in range(8):  # a partial of a partial of a callable object...
        if isinstance(fn, functools.partial):
            fn = fn.func
            continue
        found = getattr(fn, "__code__", None)
        if isinstance(found, CodeType):
            return found
        if not callable(fn):
            return None
        fn = type(fn).__call__  # an object's: its class's __call__ (a plain function)
    return None
