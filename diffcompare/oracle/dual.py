"""The elementary functions at 50 digits, on mpmath numbers, on Arb balls and on duals
a + b·ε (ε² = 0).

A dual carries a tangent beside its value: pushed through a function, the tangent is
multiplied by the derivative there (forward mode). Every function here is given with its
derivative written in the same functions, so a dual of a dual's derivative works too:
that is what lets the tape (``tape.py``) take second derivatives, forward over reverse.

A ball (``flint.arb``, python-flint's Arb) is a midpoint and a proven radius: the same
functions on balls (``BALL``) give results whose radius bounds every rounding error, which
is what the certified oracle (``arb_ad``) rests on.
"""

from __future__ import annotations

import mpmath
from flint import arb

from diffcompare.errors import Undefined


class Dual:
    """a + b·ε: a value and its tangent."""

    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a + o.a, self.b + o.b)
        return Dual(self.a + o, self.b)

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a - o.a, self.b - o.b)
        return Dual(self.a - o, self.b)

    def __rsub__(self, o):
        return Dual(o - self.a, -self.b)

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a * o.a, self.a * o.b + self.b * o.a)
        return Dual(self.a * o, self.b * o)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Dual):
            q = self.a / o.a
            return Dual(q, (self.b - q * o.b) / o.a)
        return Dual(self.a / o, self.b / o)

    def __rtruediv__(self, o):
        q = o / self.a
        return Dual(q, -q * self.b / self.a)

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __pow__(self, c):  # a constant exponent; Var ** Var goes through exp and log
        return Dual(self.a**c, c * self.a ** (c - 1) * self.b)


def value(x):
    """The plain number under any number of dual layers."""
    while isinstance(x, Dual):
        x = x.a
    return x


def _psi1(x):
    return call("psi1", x)


def _sqrt_pi(x):
    """√π in x's number type."""
    return arb.const_sqrt_pi() if isinstance(value(x), arb) else mpmath.sqrt(mpmath.pi)


class Imprecise(ArithmeticError):
    """A ball too wide to decide something (a sign, a comparison, a domain): the precision
    must rise. Only the certified oracle raises it."""


# name: (the mpmath function, its derivative written with ``call`` and arithmetic)
FUNCTIONS = {
    "sin": (mpmath.sin, lambda x: call("cos", x)),
    "cos": (mpmath.cos, lambda x: -call("sin", x)),
    "tan": (mpmath.tan, lambda x: 1 + call("tan", x) ** 2),
    "exp": (mpmath.exp, lambda x: call("exp", x)),
    "log": (mpmath.log, lambda x: 1 / x),
    "sqrt": (mpmath.sqrt, lambda x: 1 / (2 * call("sqrt", x))),
    "tanh": (mpmath.tanh, lambda x: 1 - call("tanh", x) ** 2),
    "sinh": (mpmath.sinh, lambda x: call("cosh", x)),
    "cosh": (mpmath.cosh, lambda x: call("sinh", x)),
    "arctan": (mpmath.atan, lambda x: 1 / (1 + x * x)),
    "arcsin": (mpmath.asin, lambda x: 1 / call("sqrt", 1 - x * x)),
    "arccos": (mpmath.acos, lambda x: -1 / call("sqrt", 1 - x * x)),
    "arcsinh": (mpmath.asinh, lambda x: 1 / call("sqrt", 1 + x * x)),
    "log1p": (mpmath.log1p, lambda x: 1 / (1 + x)),
    "expm1": (mpmath.expm1, lambda x: call("exp", x)),
    "sigmoid": (
        lambda x: 1 / (1 + mpmath.exp(-x)),
        lambda x: call("sigmoid", x) * (1 - call("sigmoid", x)),
    ),
    "softplus": (lambda x: mpmath.log1p(mpmath.exp(x)), lambda x: call("sigmoid", x)),
    "erf": (
        mpmath.erf,
        lambda x: 2 / _sqrt_pi(x) * call("exp", -(x * x)),
    ),
    "lgamma": (lambda x: mpmath.log(abs(mpmath.gamma(x))), lambda x: call("psi0", x)),
    "psi0": (lambda x: mpmath.psi(0, x), _psi1),
    "psi1": (lambda x: mpmath.psi(1, x), lambda x: call("psi2", x)),
    "psi2": (lambda x: mpmath.psi(2, x), lambda x: call("psi3", x)),
    "psi3": (lambda x: mpmath.psi(3, x), None),
}


def _log_abs_gamma(x: arb) -> arb:
    return x.lgamma() if x > 0 else abs(x.gamma()).log()


# name: the same function on a ball (its radius bounds the rounding; NaN where the ball
# leaves the domain)
BALL = {
    "sin": arb.sin,
    "cos": arb.cos,
    "tan": arb.tan,
    "exp": arb.exp,
    "log": arb.log,
    "sqrt": arb.sqrt,
    "tanh": arb.tanh,
    "sinh": arb.sinh,
    "cosh": arb.cosh,
    "arctan": arb.atan,
    "arcsin": arb.asin,
    "arccos": arb.acos,
    "arcsinh": arb.asinh,
    "log1p": arb.log1p,
    "expm1": arb.expm1,
    "sigmoid": lambda x: 1 / (1 + (-x).exp()),
    "softplus": lambda x: x.exp().log1p(),
    "erf": arb.erf,
    "lgamma": _log_abs_gamma,
    "psi0": arb.digamma,
    "psi1": lambda x: arb(2).zeta(x),
    "psi2": lambda x: -2 * arb(3).zeta(x),
    "psi3": lambda x: 6 * arb(4).zeta(x),
}


def _ball(name: str, x: arb) -> arb:
    y = BALL[name](x)
    if not y.is_finite():
        if x.is_exact():  # an exact input outside the domain: no precision changes that
            raise Undefined(f"f is not defined at this point ({name} of {x.mid().str(6)})")
        raise Imprecise(f"{name} of a ball that reaches outside its domain ({x.str(6)})")
    return y


def call(name: str, x):
    """FUNCTIONS[name] at x, a number or a dual; Undefined where it is not real."""
    fn, derivative = FUNCTIONS[name]
    if isinstance(x, Dual):
        return Dual(call(name, x.a), derivative(x.a) * x.b)
    if isinstance(x, arb):
        return _ball(name, x)
    if isinstance(x, (int, float)):
        x = mpmath.mpf(x)
    try:
        y = fn(x)
    except (ZeroDivisionError, ValueError):
        raise Undefined(f"f is not defined at this point ({name} of {mpmath.nstr(x, 6)})") from None
    if not isinstance(y, mpmath.mpf):
        raise Undefined(f"f is not real at this point ({name} of {mpmath.nstr(x, 6)})")
    return y
