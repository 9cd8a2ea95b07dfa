"""Studies over a parameter: the step size, the problem size, the depth of an expression.

Each study returns a ``Sweep`` (the record the plots and the HTML report read), saved as
``sweep_<kind>.json`` beside ``results.json``.
"""

from diffcompare.sweep.record import Sweep

__all__ = ["Sweep"]
