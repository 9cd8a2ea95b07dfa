"""diffcompare: differentiate a function three ways and score each against an oracle."""

from diffcompare.checker import UndecidedCheck, check
from diffcompare.errors import CaseError, Unsupported
from diffcompare.form.namespace import NumpyNamespace
from diffcompare.form.registry import Case, case
from diffcompare.library import compare, run, select
from diffcompare.results import Results
from diffcompare.runner.result import Result
from diffcompare.taylor import TaylorTest, taylor_test

xnp = NumpyNamespace()
# NumPy plus norm and stop_gradient: a default for xp= in cases

__all__ = [
    "Case",
    "CaseError",
    "Result",
    "Results",
    "TaylorTest",
    "UndecidedCheck",
    "Unsupported",
    "case",
    "check",
    "compare",
    "run",
    "select",
    "taylor_test",
    "xnp",
]
