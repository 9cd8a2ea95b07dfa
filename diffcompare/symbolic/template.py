"""Sums of a repeated term, found in a traced expression and differentiated once.

Rosenbrock's f = Σᵢ 100(x_{i+1} − x_i²)² + (1 − x_i)² traces to 2(n − 1) SymPy terms
but only two *templates*: 100(s₁ − s₀²)² read at offsets (0, 1), and (1 − s₀)² at (0,).
Each template is differentiated once, by its few slot symbols; slot k of the term
that starts at i reads θ[i + offset_k]. The gradient is then a few vector operations
instead of n scalar expressions, and the Hessian a few scattered diagonals. The same
template derivatives, evaluated term by term in mpmath, give the oracle its 50 digits.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from diffcompare.symbolic import opcount

SLOTS = tuple(sympy.symbols("_s0:32", real=True))
MIN_TERMS = 32  # below this the plain expression is as good
MAX_GROUPS = 16  # more templates than this is no structure worth the name


@dataclass(frozen=True, eq=False)  # not slots: cached_property needs a __dict__
class Group:
    template: sympy.Expr  # in SLOTS[: len(offsets)]
    offsets: tuple[int, ...]  # slot k of a term reads theta[start + offsets[k]]
    starts: np.ndarray  # one start per term (distinct, so each slot's reads are too)

    @property
    def slots(self) -> tuple[sympy.Symbol, ...]:
        return SLOTS[: len(self.offsets)]

    def reads(self) -> list[np.ndarray]:
        return [self.starts + o for o in self.offsets]

    @functools.cached_property
    def slices(self) -> list[slice] | None:
        """The reads as slices (views, not copies) when the starts are evenly spaced."""
        s = self.starts
        step = int(s[1] - s[0])
        if step <= 0 or not np.array_equal(np.diff(s), np.full(len(s) - 1, step)):
            return None
        return [slice(int(s[0]) + o, int(s[-1]) + o + 1, step) for o in self.offsets]


@dataclass(frozen=True, eq=False)
class Structure:
    groups: tuple[Group, ...]
    rest: sympy.Expr  # the terms that fit no group (they go the plain way)
    terms: int  # how many terms the groups cover

    def describe(self) -> str:
        ops = opcount.count(g.template for g in self.groups)
        return (
            f"structured: {len(self.groups)} templates ({ops} operations) cover {self.terms} terms"
        )


def find(expr: sympy.Expr, wrt: Sequence[sympy.Symbol]) -> Structure | None:
    """The templates of a sum over the entries of one vector, or None."""
    terms = sympy.Add.make_args(expr)
    if len(terms) < MIN_TERMS:
        return None
    index_of = {s: i for i, s in enumerate(wrt)}
    buckets: dict[tuple, list] = defaultdict(list)
    rest = []
    for term in terms:
        free = term.free_symbols
        idx = sorted(index_of[s] for s in free if s in index_of)
        if not idx:
            continue  # no derivative
        if len(idx) != len(free) or len(idx) > len(SLOTS):
            rest.append(term)  # reads constants, or too many entries
            continue
        template = term.xreplace({wrt[i]: SLOTS[k] for k, i in enumerate(idx)})
        buckets[(tuple(i - idx[0] for i in idx), template)].append((idx[0], term))
    groups = []
    for (offsets, template), members in buckets.items():
        if len(members) < 2:
            rest += [t for _, t in members]
            continue
        starts = np.array(sorted(s for s, _ in members), dtype=np.intp)
        groups.append(Group(template, offsets, starts))
    covered = sum(len(g.starts) for g in groups)
    if not groups or len(groups) > MAX_GROUPS or covered < len(terms) // 2:
        return None
    return Structure(tuple(groups), sympy.Add(*rest), covered)


@dataclass(frozen=True, eq=False)
class Part:
    """One group's nonzero template derivatives: value at (rows, cols) += d(slots)."""

    group: Group
    derivatives: tuple[sympy.Expr, ...]
    positions: tuple[tuple[int, ...], ...]  # slot indices (k,) or (k, l) per derivative


def parts(structure: Structure, order: int) -> list[Part]:
    """First (order 1) or second (order 2) derivatives of each template."""
    out = []
    for g in structure.groups:
        derivs, positions = [], []
        for k, s in enumerate(g.slots):
            d1 = g.template.diff(s)
            if order == 1:
                if d1 != 0:
                    derivs.append(d1)
                    positions.append((k,))
                continue
            for j in range(k, len(g.slots)):
                d2 = d1.diff(g.slots[j])
                if d2 != 0:
                    derivs.append(d2)
                    positions.append((k, j))
        if derivs:
            out.append(Part(g, tuple(derivs), tuple(positions)))
    return out


@functools.cache
def numpy_part(part: Part):
    from diffcompare.symbolic.lambdify import NUMPY, lambdify

    return lambdify(part.group.slots, list(part.derivatives), NUMPY, cse=True)


def targets(part: Part, points) -> list[tuple]:
    """Where each of the part's derivatives lands: (index into the gradient or Hessian,
    which derivative), the Hessian's off-diagonal entries mirrored."""
    out = []
    for i, (k, *rest) in enumerate(part.positions):
        if not rest:
            out.append((points[k], i))
        else:
            out.append(((points[k], points[rest[0]]), i))
            if rest[0] != k:
                out.append(((points[rest[0]], points[k]), i))
    return out


def adder(parts: Sequence[Part], ndim: int):
    """A function add(theta, out) that adds every part's derivatives into out, the
    gradient (ndim 1) or the Hessian (ndim 2). The reads within one slot are distinct,
    so a plain indexed += is exact; evenly spaced starts read slices (views)."""
    plan = []
    for part in parts:
        g = part.group
        reads = g.slices if g.slices is not None else g.reads()
        points = g.reads() if ndim == 2 else reads
        plan.append((numpy_part(part), reads, targets(part, points)))

    def add(theta: np.ndarray, out: np.ndarray) -> None:
        for f, reads, targets in plan:
            values = f(*[theta[r] for r in reads])
            for where, i in targets:
                out[where] += values[i]

    return add


def mpmath_values(part: Part, theta_mp: list) -> list[tuple[tuple[int, ...], object]]:
    """(index, value) for every term of the part, in mpmath at the working precision."""
    from diffcompare.symbolic.lambdify import MPMATH, lambdify

    f = lambdify(part.group.slots, list(part.derivatives), MPMATH)
    out = []
    for start in part.group.starts.tolist():
        values = f(*(theta_mp[start + o] for o in part.group.offsets))
        for (k, *rest), v in zip(part.positions, values):
            index = tuple(start + part.group.offsets[i] for i in (k, *rest))
            out.append((index, v))
            if rest and rest[0] != k:
                out.append((index[::-1], v))
    return out
