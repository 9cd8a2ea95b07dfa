"""What SymPy does differently while a case is traced: float constants keep their exact
binary value, and a comparison of a traced value with == or != is refused.

By default SymPy turns a Python float into a 53-bit Float and folds constants at 53 bits
as it builds the expression (``2 * (10.1 * x)`` becomes ``20.199999999999999 * x``), so a
"50-digit" reference would be off by an ulp of the folded constant. Here each float enters
at PRECISION bits: exactly the float the case wrote, with folds far below 1e-50.

``if r != 0`` on a symbol compares structures, not values (a symbol is never 0), so the
trace would take one branch silently; ``<`` already fails in SymPy. Both are refused in the
case's own code, and the trace-free oracle evaluates such a case on values instead.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

import numpy as np
import sympy
from sympy.core.basic import Basic

from diffcompare.errors import Unsupported
from diffcompare.form.code import code

# the module, not the function sympy.core exports under the same name
sympify_module = importlib.import_module("sympy.core.sympify")

PRECISION = 256  # bits: 77 digits, beyond the oracle's 50


def _exact(a):
    if isinstance(a, np.floating) and np.isfinite(a):
        p, q = a.as_integer_ratio()
        return sympy.Float(sympy.Rational(p, q), precision=PRECISION)
    return _numpy_types(a)


_numpy_types = sympify_module._convert_numpy_types


@contextlib.contextmanager
def tracing(fn):
    """Around the call of a case's ``fn`` on symbols."""
    found = code(fn)
    files = {found.co_filename} if found is not None else set()
    converters = sympify_module._sympy_converter
    eq, ne, before = Basic.__eq__, Basic.__ne__, converters[float]

    def guarded(compare, symbol):
        def method(self, other):
            if sys._getframe(1).f_code.co_filename in files and (
                self.free_symbols or getattr(other, "free_symbols", None)
            ):
                raise Unsupported(
                    f"SymPy cannot trace a comparison on values ({symbol} on a traced "
                    "value compares expressions, not numbers)"
                )
            return compare(self, other)

        return method

    converters[float] = lambda x: sympy.Float(x, precision=PRECISION)
    sympify_module._convert_numpy_types = _exact
    Basic.__eq__, Basic.__ne__ = guarded(eq, "=="), guarded(ne, "!=")
    try:
        yield
    finally:
        converters[float] = before
        sympify_module._convert_numpy_types = _numpy_types
        Basic.__eq__, Basic.__ne__ = eq, ne
