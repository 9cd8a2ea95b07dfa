"""The operation count of SymPy expressions: ``sympy.count_ops``'s figure, each distinct
subexpression counted once and reused wherever it recurs.

count_ops walks the tree: a subexpression shared by many entries of a derivative (the
residual inside every entry of an MLP's Hessian) is walked again at every occurrence,
which made counting the figure slower than deriving it (mlp_loss_n16's Hessian: 7.6 s
to count, 2.3 s to derive; benchmarks/opcount.py). Its total is a sum over the tree's
nodes of what each node adds, and what a node adds, like the children it goes on to,
depends on that node alone; so the count of a subexpression is the same wherever it
occurs, and is found once here.
``_node`` is count_ops's own loop body (SymPy 1.13, 1.14) for ``visual=False``. The two
agreed on all 304 built-in derivations; tests compare them on each branch and on the
derivations that take a moment.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy
from sympy.concrete.summations import Sum
from sympy.core.function import Derivative, _coeff_isneg
from sympy.core.operations import LatticeOp
from sympy.integrals.integrals import Integral
from sympy.simplify.radsimp import fraction

ONE = sympy.S.One
MINUS_ONE = sympy.S.NegativeOne
E = sympy.S.Exp1


def count(exprs: Iterable[sympy.Basic]) -> int:
    """sum(sympy.count_ops(e) for e in exprs), with shared subexpressions counted once."""
    memo: dict[sympy.Basic, int] = {}
    total = 0
    for e in exprs:
        e = sympy.sympify(e)
        if isinstance(e, sympy.Expr) and not e.is_Relational:
            total += _tree(e, memo)
        else:  # relations, booleans, containers: count_ops's other branches, as they are
            total += int(sympy.count_ops(e))
    return total


def _tree(root: sympy.Basic, memo: dict[sympy.Basic, int]) -> int:
    """The count of root's tree: what each node adds, plus its children's counts."""
    local: dict[sympy.Basic, tuple[int, tuple]] = {}
    stack = [root]
    while stack:
        a = stack[-1]
        if a in memo:
            stack.pop()
            continue
        if a not in local:
            local[a] = _node(a)
        weight, children = local[a]
        pending = [c for c in children if c not in memo]
        if pending:
            stack.extend(pending)
            continue
        memo[a] = weight + sum(memo[c] for c in children)
        stack.pop()
    return memo[root]


def _node(a: sympy.Basic) -> tuple[int, tuple]:
    """What count_ops adds for node a, and the nodes it goes on to count."""
    weight = 0
    if a.is_Rational:
        if a is not ONE:
            return int(a.p < 0) + int(a.q != 1), ()  # -1/3 = NEG + DIV
    elif a.is_Mul or a.is_MatMul:
        if _coeff_isneg(a):
            weight += 1  # NEG
            a = a.as_two_terms()[1] if a.args[0] is MINUS_ONE else -a
        n, d = fraction(a)
        if n.is_Integer:
            return weight + 1 + int(bool(n < 0)), (d,)  # DIV (and NEG)
        if d is not ONE:
            return weight + 1, (n,) if d.is_Integer else (d, n)  # DIV
    elif a.is_Add or a.is_MatAdd:
        children = []
        negative = 0
        for i, ai in enumerate(a.args):
            if _coeff_isneg(ai):
                negative += 1
                children.append(-ai)
            else:
                children.append(ai)
            weight += int(i > 0)  # SUB or ADD
        if negative == len(a.args):
            weight += 1  # -x - y = NEG + SUB
        # -x + y = SUB, counted as the ADD it replaces
        return weight, tuple(children)
    if a.is_Pow and a.exp is MINUS_ONE:
        return weight + 1, (a.base,)  # DIV
    if a == E:
        return weight + 1, ()  # EXP
    if a.is_Pow and a.base == E:
        return weight + 1, (a.exp,)  # EXP
    if a.is_Mul or isinstance(a, LatticeOp):
        weight += len(a.args) - 1
    elif a.args and (a.is_Pow or a.is_Function or isinstance(a, (Derivative, Integral, Sum))):
        weight += 1
    return weight, () if a.is_Symbol else tuple(a.args)
