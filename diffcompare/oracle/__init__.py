"""The oracle: what the true derivative is, and how far a method's value is from it."""

from diffcompare.oracle.precision import DIGITS
from diffcompare.oracle.reference import Reference, first_order_matrix, from_jacobian
from diffcompare.oracle.score import MAX_DIGITS, Score, Verdict, judge, score
from diffcompare.oracle.selection import reference
from diffcompare.oracle.sympy_mpmath import forget

__all__ = [
    "DIGITS",
    "MAX_DIGITS",
    "Reference",
    "Score",
    "Verdict",
    "first_order_matrix",
    "forget",
    "from_jacobian",
    "judge",
    "reference",
    "score",
]
