"""stop_gradient as a SymPy function: the symbolic side of xp.stop_gradient (detach)."""

from __future__ import annotations

import sympy


class StopGradient(sympy.Function):
    """stop_gradient(x): evaluates to x, differentiates to zero."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _eval_derivative(self, s):
        return sympy.S.Zero  # without differentiating the argument (a Max would swell first)

    def _eval_evalf(self, prec):
        return self.args[0]._eval_evalf(prec)
