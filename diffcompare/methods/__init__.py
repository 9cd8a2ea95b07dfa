"""Methods: each turns a Problem into a prepared derivative callable.

The built-in methods are one literal list, ``METHODS``, below; the ``Method`` protocol
they follow is in ``diffcompare.methods.method``.
"""

from __future__ import annotations

from diffcompare.methods.method import Method


def _builtin() -> list:
    from diffcompare.methods import jax_ad
    from diffcompare.methods.autograd import Forward, Reverse
    from diffcompare.methods.compiled import Compiled
    from diffcompare.methods.finite_diff import (
        BACKWARD,
        CENTRAL,
        FIVE_POINT,
        FORWARD,
        ComplexStep,
        FiniteDifference,
        Richardson,
    )
    from diffcompare.methods.peers import Numdifftools, ScipyDifferentiate, Symengine
    from diffcompare.methods.symbolic import Sympy

    return [
        Sympy(),
        FiniteDifference("fd-forward", FORWARD),
        FiniteDifference("fd-backward", BACKWARD),
        FiniteDifference("fd-central", CENTRAL),
        FiniteDifference("fd-5point", FIVE_POINT),
        Richardson(),
        ComplexStep(),
        Reverse(),
        Forward(),
        Compiled(),
        jax_ad.Reverse(),
        jax_ad.Forward(),
        Symengine(),
        Numdifftools(),
        ScipyDifferentiate(),
    ]


METHODS: list = _builtin()


def _default() -> tuple[str, ...]:
    """The methods a run uses unless told: the three families' own, and JAX beside torch
    where the 'jax' extra is installed (the other peers are asked for by name)."""
    import importlib.util

    ours = (
        "sympy",
        "fd-forward",
        "fd-backward",
        "fd-central",
        "fd-5point",
        "fd-richardson",
        "complex-step",
        "torch",
        "torch-forward",
    )
    return ours + (("jax", "jax-forward") if importlib.util.find_spec("jax") else ())


DEFAULT = _default()


def by_name(name: str) -> Method:
    for m in METHODS:
        if m.name == name:
            return m
    raise KeyError(name)


def names() -> list[str]:
    return [m.name for m in METHODS]
