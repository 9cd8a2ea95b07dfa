"""SymPy expressions compiled to NumPy or mpmath functions."""

from __future__ import annotations

import math

import numpy as np
import sympy


def _dirac_delta(x, k=0):
    # zero away from the kink, undefined (here: infinite) on it
    return math.inf if x == 0 else 0.0


# names lambdify cannot print on its own, for both the numpy and mpmath modules
PRINT_NAMES = {"StopGradient": lambda a: a, "DiracDelta": _dirac_delta}


# lambdify's NumPy namespace, given as the module: named "numpy", lambdify runs
# `from numpy import *` once, which imports numpy.f2py and more (0.1 s of every run).
# The name "numpy" is there too: SymPy 1.13.0 prints Max as amax(numpy.asarray(...)).
def _polygamma(n, x):
    from scipy import special  # imported on first use: lgamma's derivatives alone need it

    return special.polygamma(n, x)


NUMPY = [{**PRINT_NAMES, "numpy": np, "polygamma": _polygamma}, np]
MPMATH = [PRINT_NAMES, "mpmath"]  # the oracle's: 50 digits


def lambdify(args, exprs, modules, cse=False):
    """sympy.lambdify without its search for implemented functions (``use_imps``): a
    traced case holds none, and the search walks every tree, a shared subtree again at
    each occurrence (about 2 s of mlp_loss_n16's Hessian)."""
    return sympy.lambdify(args, exprs, modules=modules, cse=cse, use_imps=False)
