"""A case traced into SymPy, and its derivatives as sparse lists of expressions.

Shared by the ``sympy`` method (which compiles the entries to NumPy) and the
oracle (which evaluates them with mpmath at 50 digits): one derivation, two
independent evaluations.
"""

from __future__ import annotations

import functools
import operator
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import sympy

from diffcompare.errors import Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.registry import Case
from diffcompare.symbolic import opcount, template
from diffcompare.symbolic.guard import tracing


@dataclass(frozen=True, eq=False)
class Trace:
    wrt: tuple[sympy.Symbol, ...]  # flat, in the order of Problem.theta
    constants: dict[str, np.ndarray]  # name -> object array of symbols (or the raw int)
    constant_symbols: tuple[sympy.Symbol, ...]  # flat, in input order
    outputs: tuple[sympy.Expr, ...]  # flat
    seconds: float


@dataclass(frozen=True, eq=False)
class Derivation:
    trace: Trace
    operator: str
    shape: tuple[int, ...]
    entries: tuple[tuple[tuple[int, ...], sympy.Expr], ...]  # nonzero entries only
    tangent: tuple[sympy.Symbol, ...]
    cotangent: tuple[sympy.Symbol, ...]
    seconds: float  # trace + differentiation
    # a sum of repeated terms (diffcompare.symbolic.template): its templates' derivatives, which
    # add to ``entries`` (then the derivative of the other terms only)
    parts: tuple = ()
    structure: str = ""

    @property
    def args(self) -> list:
        """Argument lists of the compiled function: theta, constants, tangent, cotangent."""
        return [
            list(self.trace.wrt),
            list(self.trace.constant_symbols),
            list(self.tangent),
            list(self.cotangent),
        ]

    def cse(self, exprs: list) -> tuple:
        """sympy.cse of the entries, found once: lambdify's ``cse=`` for both the oracle
        (mpmath) and the sympy method (NumPy), which print the same expressions (cse of a
        large derivative costs seconds). exprs: the entries' expressions, as lambdify
        passes them."""
        if [e for _, e in self.entries] != exprs:
            raise ValueError("cse of expressions that are not this derivation's entries")
        return self._cse[0]

    @property
    def cse_seconds(self) -> float:
        """What finding it cost (found now if not yet): part of the sympy method's
        compile time, whichever of the two found it first."""
        return self._cse[1]

    @functools.cached_property
    def _cse(self) -> tuple:
        start = time.perf_counter()
        found = sympy.cse([e for _, e in self.entries])
        return found, time.perf_counter() - start

    @functools.cached_property  # once per derivation
    def ops_count(self) -> int:
        """sympy.count_ops of the entries and the templates' derivatives: the tree's size
        (each occurrence of a shared subexpression counts), found by
        diffcompare.symbolic.opcount."""
        parts = [d for p in self.parts for d in p.derivatives]
        return opcount.count([e for _, e in self.entries] + parts)


class Symbols(np.ndarray):
    """An object array of SymPy expressions whose comparisons are elementwise relations
    (NumPy's own object comparison asks each relation for its truth value, so
    ``xp.where(x < 1, ...)`` on a vector was refused as control flow). Arrays computed
    from it keep the type; an ``if`` on one element is still control flow."""

    def _relation(self, other, op):
        return np.frompyfunc(op, 2, 1)(np.asarray(self, dtype=object), other).view(Symbols)

    def __lt__(self, other):
        return self._relation(other, operator.lt)

    def __le__(self, other):
        return self._relation(other, operator.le)

    def __gt__(self, other):
        return self._relation(other, operator.gt)

    def __ge__(self, other):
        return self._relation(other, operator.ge)


def _symbols(name: str, value: np.ndarray) -> np.ndarray:
    if value.ndim == 0:
        return np.array(sympy.Symbol(name, real=True), dtype=object)
    flat = [sympy.Symbol(f"{name}_{i}", real=True) for i in range(value.size)]
    return np.array(flat, dtype=object).reshape(value.shape).view(Symbols)


def structure(case: Case) -> tuple:
    """What a trace depends on: the function, what is differentiated, the inputs' shapes
    and the values of those that are not floats (float inputs become symbols). Two cases
    alike in it (a check() of the same function at another point) share one derivation."""
    return (
        case.fn,
        case.backend,
        case.wrt,
        tuple(
            (k, v.shape, v.dtype.str, None if v.dtype.kind == "f" else v.tobytes())
            for k, v in case.inputs.items()
        ),
    )


def _shared(build):
    """build(case, *args), cached on (structure(case), *args) rather than on the case."""
    found: dict = {}

    @functools.wraps(build)
    def cached(case: Case, *args):
        try:
            key = (structure(case), *args)
            hash(key)
        except TypeError:  # an unhashable callable: no sharing
            return build(case, *args)
        if key not in found:
            found[key] = build(case, *args)
        return found[key]

    cached.cache_clear = found.clear
    return cached


@_shared
def trace(case: Case) -> Trace:
    from diffcompare.form.sympy_namespace import SympyNamespace

    start = time.perf_counter()
    symbolic = {k: _symbols(k, v) for k, v in case.inputs.items() if v.dtype.kind == "f"}
    # every float input becomes symbols (constants too, so their exact values reach the
    # oracle as arguments); ints stay numbers; scalars are passed bare, not as 0-d arrays
    args = {k: symbolic.get(k, v) for k, v in case.inputs.items()}
    args = {k: v.item() if v.ndim == 0 else v for k, v in args.items()}
    try:
        with tracing(case.fn):
            out = case.fn(**args, xp=SympyNamespace())
    except TypeError as exc:
        if "truth value of Relational" in str(exc):
            raise Unsupported(
                f"SymPy cannot trace Python control flow on values (an if/while on a symbol: {exc})"
            ) from None
        if "convert expression to float" in str(exc) or "has no callable" in str(exc):
            raise Unsupported(  # math.exp(symbol), np.exp on an object array of symbols
                f"SymPy cannot trace a value through a function outside xp (math, NumPy): {exc}"
            ) from None
        raise
    except AttributeError as exc:
        raise Unsupported(f"SymPy cannot trace this case: {exc}") from None
    outputs = tuple(sympy.sympify(e) for e in np.asarray(out, dtype=object).ravel())
    wrt = tuple(s for k in case.wrt for s in symbolic[k].ravel())
    constants = {k: v for k, v in symbolic.items() if k not in case.wrt}
    constant_symbols = tuple(
        s for k in case.constants if k in constants for s in constants[k].ravel()
    )
    return Trace(wrt, constants, constant_symbols, outputs, time.perf_counter() - start)


class Differentiator:
    """expr.diff(s), remembering the derivatives and free symbols of subexpressions.

    Sums, products and powers are differentiated here, term by term, by the product rule
    and by the power rule, as SymPy's own Add, Mul and Pow derivatives do (the same
    expressions, built the same way); functions by SymPy. Each subexpression's
    derivative is found once and then looked up: a Hessian differentiates the gradient's
    entries, of which the residual of an MLP's loss is a factor, and SymPy, which
    differentiated it again for each entry, also recomputes a subtree's free symbols at
    every level it descends.
    """

    def __init__(self):
        self._free: dict = {}
        self._diff: dict = {}

    def free_symbols(self, e: sympy.Expr) -> set:
        found = self._free.get(e)
        if found is None:
            found = self._free[e] = e.free_symbols
        return found

    def __call__(self, e: sympy.Expr, s: sympy.Symbol) -> sympy.Expr:
        key = (e, s)
        d = self._diff.get(key)
        if d is None:
            d = self._diff[key] = self._derivative(e, s)
        return d

    def _derivative(self, e: sympy.Expr, s: sympy.Symbol) -> sympy.Expr:
        if s not in self.free_symbols(e):
            return sympy.S.Zero
        if isinstance(e, sympy.Add):
            return sympy.Add(*(self(a, s) for a in e.args))
        if isinstance(e, sympy.Mul):
            args = e.args
            return sympy.Add(
                *(sympy.Mul(*args[:k], self(a, s), *args[k + 1 :]) for k, a in enumerate(args))
            )
        if type(e) is sympy.Pow:
            # SymPy's Pow rule, b**p * (p' log(b) + b' p / b). With a constant power its
            # log term is 0 * log(b), which is 0 (log(b) is infinite only for b = 0, and
            # then b**p is no Pow): it is left out, as building log(b) and asking its
            # assumptions took most of a Rosenbrock n = 1000 jvp's 7 s.
            base, power = e.args
            dpower = self(power, s)
            quotient = self(base, s) * power / base
            if dpower == 0:
                return e * quotient
            return e * (dpower * sympy.log(base) + quotient)
        return e.diff(s)


def gradient(
    expr: sympy.Expr, wrt: dict, first: int = 0, diff: Differentiator | None = None
) -> dict:
    """Nonzero partial derivatives, term by term: each term only by its own symbols
    (those at position ``first`` or later).

    Differentiating a sum of n terms by each of n symbols walks n^2 terms; here each
    term is differentiated only by the few symbols it contains. wrt maps each symbol to
    its position, which orders the result: a set's order changes with the hash seed,
    and with it cse's choices and the compiled code's rounding (up to 0.6 digits of a
    float32 gradient changed from one process to the next). ``diff``, shared by the
    calls of one derivation, remembers the derivatives of subexpressions they share.
    """
    diff = diff or Differentiator()
    parts = defaultdict(list)
    for term in sympy.Add.make_args(expr):
        for s in diff.free_symbols(term) & wrt.keys():
            if wrt[s] < first:
                continue
            d = diff(term, s)
            if d != 0:
                parts[s].append(d)
    return {s: sympy.Add(*parts[s]) for s in sorted(parts, key=wrt.__getitem__)}


def _entries(index_of: dict, grads: dict, prefix: tuple = ()):
    return [((*prefix, index_of[s]), e) for s, e in grads.items() if e != 0]


@_shared
def derive(case: Case, operator: str) -> Derivation:
    t = trace(case)
    infinite = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)
    if any(e.has(*infinite) for e in t.outputs):
        raise Unsupported("the function is not finite here: SymPy simplifies it to nan or ∞")
    start = time.perf_counter()
    index_of = {s: i for i, s in enumerate(t.wrt)}
    n, m = len(t.wrt), len(t.outputs)
    tangent = tuple(sympy.symbols(f"_v0:{n}", real=True)) if operator in ops.NEEDS_TANGENT else ()
    cotangent = (
        tuple(sympy.symbols(f"_u0:{m}", real=True)) if operator in ops.NEEDS_COTANGENT else ()
    )
    entries: list = []
    structure = None
    diff = Differentiator()  # shared: the calls below differentiate common factors
    if operator in ("gradient", "hessian"):
        structure = template.find(t.outputs[0], t.wrt)
    f = structure.rest if structure else t.outputs[0]
    if operator == "derivative":
        entries = [((), d) for d in gradient(t.outputs[0], index_of, diff=diff).values()]
    elif operator == "second_derivative":
        (s,) = t.wrt
        d = diff(diff(t.outputs[0], s), s)
        entries = [((), d)] if d != 0 else []
    elif operator == "gradient":
        entries = _entries(index_of, gradient(f, index_of, diff=diff))
    elif operator == "jacobian":
        for k, y in enumerate(t.outputs):
            entries += _entries(index_of, gradient(y, index_of, diff=diff), (k,))
    elif operator == "hessian":  # the upper triangle, mirrored: half the derivatives
        for s, g in gradient(f, index_of, diff=diff).items():
            i = index_of[s]
            for (j,), e in _entries(index_of, gradient(g, index_of, first=i, diff=diff)):
                entries += [((i, j), e), ((j, i), e)] if j != i else [((i, j), e)]
        entries.sort(key=lambda entry: entry[0])
    elif operator == "hvp":
        g = gradient(t.outputs[0], index_of, diff=diff)
        directional = sympy.Add(*(e * tangent[index_of[s]] for s, e in g.items()))
        entries = _entries(index_of, gradient(directional, index_of, diff=diff))
    elif operator == "jvp":
        for k, y in enumerate(t.outputs):
            g = gradient(y, index_of, diff=diff)
            e = sympy.Add(*(d * tangent[index_of[s]] for s, d in g.items()))
            if e != 0:
                entries.append(((k,), e))
    elif operator == "vjp":
        parts = defaultdict(list)
        for k, y in enumerate(t.outputs):
            for s, d in gradient(y, index_of, diff=diff).items():
                parts[s].append(cotangent[k] * d)
        entries = _entries(index_of, {s: sympy.Add(*v) for s, v in parts.items()})
    else:
        raise ValueError(f"unknown operator {operator!r}")
    parts = tuple(template.parts(structure, ops.order(operator))) if structure else ()
    seconds = t.seconds + time.perf_counter() - start
    return Derivation(
        t,
        operator,
        ops.value_shape(operator, n, m),
        tuple(entries),
        tangent,
        cotangent,
        seconds,
        parts,
        structure.describe() if structure else "",
    )
