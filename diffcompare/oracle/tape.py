"""Reverse-mode AD over mpmath: the case's own Python runs on ``Var``s, which record a tape.

Each ``Var`` holds its value at 50 digits (an mpmath number, or a ``Dual`` of them for a
second order) and, beside it, a *shadow*: the same operation in the run's floating-point
dtype. The shadow is how the oracle sees which way the float program goes: a comparison
whose exact and floating-point answers differ (a value within rounding of a threshold)
follows the float program's branch, and the tape notes it, so a reference is never taken
silently on a branch the methods did not take.

The value may be an mpmath number (the ``mpmath-ad`` oracle) or an Arb ball (the
certified ``arb`` oracle): the tape's ``exact`` says which type a constant enters as. On
balls a comparison is decided only where the balls say so for certain; one they cannot
decide raises ``Imprecise`` (the precision rises), and at the last precision follows the
float program's branch, noted.

A kink (an abs of 0, a max of two equal values) is noted only where it reaches an output:
an abs in a loop's stopping test, 0 after convergence, changes no derivative.
"""

from __future__ import annotations

import math
import operator

import mpmath
import numpy as np
from flint import arb

from diffcompare.errors import Undefined
from diffcompare.oracle.dual import FUNCTIONS, Dual, Imprecise, call, value


class Tape:
    """The operations of one evaluation, in order, each with its parents' partials."""

    def __init__(self, dtype: str, exact=mpmath.mpf, final: bool = True):
        self.dtype = np.dtype(dtype).type
        self.exact = exact  # a float or int as the oracle's number type (mpf, or arb)
        self.final = final  # balls: the last precision, where an undecided branch is followed
        self.parents: list[tuple] = []  # node i: ((parent index, partial), ...)
        self.notes: list[str] = []  # what the reference should say (kinks, branches)
        self.kinks: list[tuple[int, str]] = []  # (node, note): said if the node reaches out
        self.doubts: list[tuple[int, str]] = []  # (node, what): Imprecise if it reaches out

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def kink(self, var: Var, text: str) -> None:
        self.kinks.append((var.i, text))

    def reach(self, outputs: list) -> None:
        """Note the kinks the outputs depend on (the others are in a stopping test, or a
        branch's condition: no derivative passes through them)."""
        if not self.kinks and not self.doubts:
            return
        seen = bytearray(len(self.parents))
        for y in outputs:
            if isinstance(y, Var) and y.i >= 0:
                seen[y.i] = 1
        parents = self.parents
        for i in range(len(parents) - 1, -1, -1):
            if seen[i]:
                for j, _ in parents[i]:
                    seen[j] = 1
        for i, text in self.kinks:
            if i >= 0 and seen[i]:
                self.note(text)
        for i, text in self.doubts:
            if seen[i]:
                if not self.final:
                    raise Imprecise(text)
                self.note(f"{text} reaches an output: its sign follows the float program's")

    def gradient(self, seeds: dict[int, object], upto: int) -> list:
        """Adjoints of every node for the output adjoints ``seeds``: one backward sweep."""
        adj: list = [0] * len(self.parents)
        for i, s in seeds.items():
            adj[i] = adj[i] + s
        parents = self.parents
        for i in range(max(seeds, default=-1), -1, -1):
            a = adj[i]
            if (a.__class__ is int and a == 0) or not parents[i]:  # no partial reached it
                continue
            for j, d in parents[i]:
                adj[j] = adj[j] + a * d
        return adj[:upto]

    def magnitude(self, seeds: dict[int, object], upto: int) -> list[float]:
        """The same sweep over absolute values: for each input, the sum of |the terms| its
        derivative adds up (the chain rule's products along every path), in float64. Where
        terms cancel (a gradient near a minimum) it stays large while the value is small."""
        adj = [0.0] * len(self.parents)
        for i, s in seeds.items():
            adj[i] += abs(float(value(s)))
        parents = self.parents
        for i in range(max(seeds, default=-1), -1, -1):
            a = adj[i]
            if a == 0.0 or not parents[i]:
                continue
            for j, d in parents[i]:
                adj[j] += a * abs(float(value(d)))
        return adj[:upto]


TAPE: list[Tape] = []  # the tape being recorded (one at a time: an evaluation is serial)


class Traced(TypeError):
    """A traced value met code that needs a plain float (math.exp, float(), a float array)."""


def node(v, f, parents: tuple = ()) -> Var:
    tape = TAPE[-1]
    var = Var(v, f, len(tape.parents))
    tape.parents.append(parents)
    return var


def const(c):
    """(exact value, shadow) of a constant: a float or int at its exact binary value."""
    if isinstance(c, (bool, np.bool_)):
        c = int(c)
    if isinstance(c, (int, np.integer)):
        return TAPE[-1].exact(int(c)), c
    if isinstance(c, (float, np.floating)):
        return TAPE[-1].exact(float(c)), c
    if isinstance(c, (mpmath.mpf, arb, Dual)):
        return c, TAPE[-1].dtype(float(value(c)))
    raise Traced(f"a traced value met a {type(c).__name__} ({c!r:.40})")


def floating(c) -> bool:
    """A float or an array of floats: what ``constant`` turns into constant Vars."""
    return isinstance(c, (float, np.floating)) or (
        isinstance(c, np.ndarray) and c.dtype.kind == "f"
    )


def constant(c):
    """A float, or an array of floats, as constant Vars at their exact values (no partial
    reaches them; the shadow is the value in the run's dtype); anything else as it is."""
    if not floating(c):
        return c
    tape = TAPE[-1]
    if not isinstance(c, np.ndarray):
        return Var(tape.exact(float(c)), tape.dtype(c), -1)
    out = np.empty(c.shape, dtype=object)
    for k, x in np.ndenumerate(c):
        out[k] = Var(tape.exact(float(x)), tape.dtype(x), -1)
    return out if out.ndim else out[()]


NEGATION = {
    operator.lt: operator.ge,
    operator.le: operator.gt,
    operator.gt: operator.le,
    operator.ge: operator.lt,
    operator.eq: operator.ne,
    operator.ne: operator.eq,
}


def decide(op, a, b, floating: bool) -> bool:
    """op(a, b) on exact values; on balls, True or False only where the balls prove it.
    An undecided one raises Imprecise, or at the last precision follows ``floating``."""
    if not isinstance(a, arb) and not isinstance(b, arb):
        return bool(op(a, b))
    if op(a, b):
        return True
    if NEGATION[op](a, b):
        return False
    tape = TAPE[-1]
    if not tape.final:
        raise Imprecise(f"{_symbol(op)} between overlapping balls")
    tape.note(
        f"a comparison the balls cannot decide at the oracle's highest precision "
        f"({_symbol(op)}): the oracle follows the floating-point branch ({floating})"
    )
    return floating


def sign(x, shadow) -> int:
    """-1, 0 or 1: the exact value's sign (on a ball: where proven, else as ``decide``)."""
    if decide(operator.gt, x, 0, bool(shadow > 0)):
        return 1
    if decide(operator.lt, x, 0, bool(shadow < 0)):
        return -1
    return 0


SHADOW = {
    "sigmoid": lambda f: 1 / (1 + np.exp(-f)),
    "softplus": lambda f: np.log1p(np.exp(f)),
    "erf": lambda f: type(f)(math.erf(f)),
    "lgamma": lambda f: type(f)(math.lgamma(f)),
}


def apply(name: str, x) -> Var:
    """FUNCTIONS[name] of a Var (or a constant), recorded with its partial."""
    if not isinstance(x, Var):
        v, f = const(x)
        x = Var(v, f, -1)
    shadow = SHADOW.get(name) or getattr(np, name)
    links = () if x.i < 0 else ((x.i, FUNCTIONS[name][1](x.v)),)
    return node(call(name, x.v), shadow(x.f), links)


class Var:
    """A number on the tape; Python arithmetic, comparisons and NumPy's object ufuncs work."""

    __slots__ = ("v", "f", "i")

    def __init__(self, v, f, i: int):
        self.v, self.f, self.i = v, f, i

    def _binary(self, o, fn, partials, swap=False):
        if isinstance(o, np.ndarray):
            return NotImplemented
        if isinstance(o, Var):
            ov, of, oi = o.v, o.f, o.i
        else:
            (ov, of), oi = const(o), -1
        a, b = (ov, self.v) if swap else (self.v, ov)
        fa, fb = (of, self.f) if swap else (self.f, of)
        ia, ib = (oi, self.i) if swap else (self.i, oi)
        y = fn(a, b)
        da, db = partials(a, b, y)
        links = tuple((i, d) for i, d in ((ia, da), (ib, db)) if i >= 0)
        return node(y, fn(fa, fb), links)

    # the hot paths (Rosenbrock at n = 1e5 makes a million of them) are written out
    def __add__(self, o):
        if isinstance(o, Var):
            return node(self.v + o.v, self.f + o.f, ((self.i, 1), (o.i, 1)))
        if isinstance(o, np.ndarray):
            return NotImplemented  # NumPy's, elementwise, each element a Var again
        v, f = const(o)
        return node(self.v + v, self.f + f, ((self.i, 1),))

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Var):
            return node(self.v - o.v, self.f - o.f, ((self.i, 1), (o.i, -1)))
        if isinstance(o, np.ndarray):
            return NotImplemented
        v, f = const(o)
        return node(self.v - v, self.f - f, ((self.i, 1),))

    def __rsub__(self, o):
        v, f = const(o)
        return node(v - self.v, f - self.f, ((self.i, -1),))

    def __mul__(self, o):
        if isinstance(o, Var):
            return node(self.v * o.v, self.f * o.f, ((self.i, o.v), (o.i, self.v)))
        if isinstance(o, np.ndarray):
            return NotImplemented
        v, f = const(o)
        return node(self.v * v, self.f * f, ((self.i, v),))

    __rmul__ = __mul__

    def __truediv__(self, o):
        return self._binary(o, operator.truediv, lambda a, b, y: (1 / b, -y / b))

    def __rtruediv__(self, o):
        return self._binary(o, operator.truediv, lambda a, b, y: (1 / b, -y / b), swap=True)

    def __pow__(self, o):
        if _whole(o):  # the common x**2: no conversions, no log
            k = int(o)
            if k == 2:
                return node(self.v * self.v, self.f**o, ((self.i, 2 * self.v),))
            partial = k * self.v ** (k - 1) if k else 0
            return node(self.v**k, self.f**o, ((self.i, partial),))
        if isinstance(o, np.ndarray):
            return NotImplemented
        if isinstance(o, Var):
            return self._binary(o, _power, _power_partials)
        c, f = const(o)  # a constant exponent: c x^(c-1), no log
        y = _power(self.v, c)
        return node(y, self.f**f, ((self.i, c * _power(self.v, c - 1)),))

    def __rpow__(self, o):
        return self._binary(o, _power, _power_partials, swap=True)

    def __neg__(self):
        return node(-self.v, -self.f, ((self.i, -1),))

    def __pos__(self):
        return self

    def __abs__(self):
        x = value(self.v)
        if isinstance(x, arb) and not (x > 0 or x < 0 or x == 0):
            # a ball around 0 (a converged loop's step, say): |x| is enclosed by ±x with
            # the midpoint's sign, but the partial is in doubt: only if it reaches an output
            s = -1 if x.mid() < 0 else 1
            y = node(self.v * s, abs(self.f), ((self.i, s),))
            TAPE[-1].doubts.append((y.i, "abs of a value the balls cannot tell from 0"))
            return y
        s = sign(x, self.f)
        y = node(self.v * s, abs(self.f), ((self.i, s),))
        if s == 0:
            TAPE[-1].kink(y, "a kink: abs of 0 (scored with abs'(0) = 0)")
        return y

    def _compare(self, o, op):
        if isinstance(o, np.ndarray):
            return NotImplemented
        ov, of = (o.v, o.f) if isinstance(o, Var) else const(o)
        a, b = value(self.v), value(ov)
        floating = bool(op(self.f, of))
        exact = decide(op, a, b, floating)
        if op not in (operator.eq, operator.ne) and decide(operator.eq, a, b, False):
            TAPE[-1].note(f"a tie: {_symbol(op)} between two equal values (a kink, or a jump)")
        if exact != floating:
            TAPE[-1].note(
                "a comparison lies within rounding of its threshold: the oracle follows the "
                f"floating-point branch ({_symbol(op)} is {floating} in the run's dtype, "
                f"{exact} at 50 digits)"
            )
        return floating

    def __bool__(self):
        return self._compare(0, operator.ne)

    __hash__ = object.__hash__

    def __float__(self):
        raise Traced(
            "a traced value was turned into a plain float (float(), math.*, or a float array)"
        )

    __int__ = __index__ = __complex__ = __float__

    def __repr__(self):
        x = value(self.v)
        return f"Var({x.str(12) if isinstance(x, arb) else mpmath.nstr(x, 12)})"


def _whole(o) -> bool:
    if isinstance(o, bool):
        return False
    return isinstance(o, int) or (isinstance(o, float) and o.is_integer())


def _symbol(op) -> str:
    return {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}[op.__name__]


def _power(a, b):
    if not isinstance(a, NUMBERS) and not isinstance(b, NUMBERS):
        return a**b  # the shadow: the float program's own power
    if _integer(b):
        return a ** _int(value(b))
    if isinstance(b, Dual) or isinstance(a, Dual):
        return call("exp", b * call("log", a))
    if a < 0:
        raise Undefined(f"f is not real at this point (a negative number to the power {b})")
    if a == 0 and b < 0:
        raise Undefined("f is not defined at this point (0 to a negative power)")
    return a**b


NUMBERS = (mpmath.mpf, arb, Dual)


def _int(x) -> int:
    return int(x.unique_fmpz()) if isinstance(x, arb) else int(x)


def _integer(b) -> bool:
    if isinstance(b, Dual):
        return False
    x = value(b)
    return x.is_integer() if isinstance(x, arb) else x == int(x)


def _power_partials(a, b, y):
    """Both partials of a^b, each a Var: b a^(b-1) and a^b log a."""
    return b * _power(a, b - 1), y * call("log", a)


for _op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
    setattr(Var, f"__{_op.__name__}__", lambda self, o, _op=_op: self._compare(o, _op))

for _name in FUNCTIONS:  # np.sin(object array) calls x.sin(), and so on
    if not _name.startswith("psi"):
        setattr(Var, _name, lambda self, _n=_name: apply(_n, self))
