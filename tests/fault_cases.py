"""Bad cases, one per kind of fault, for tests/test_faults.py (loaded with --cases)."""

import sys
import time

import numpy as np

from diffcompare import case, xnp


@case(inputs={"x": 1.0})
def raises(x, xp=xnp):
    raise ValueError("boom")


@case(inputs={"x": 1.0})
def returns_nan(x, xp=xnp):
    return x * float("nan")


@case(inputs={"x": 1.0})
def returns_inf(x, xp=xnp):
    return xp.exp(x) * float("inf")


@case(inputs={"x": np.array([0.5, 2.0])})
def shape_changes(x, xp=xnp):
    """Its output's length depends on the input's value."""
    return x[: 1 if x[0] > 0.5 else 2] * 2.0


@case(inputs={"x": 1.0})
def returns_list(x, xp=xnp):
    return [x, 2 * x]


@case(inputs={"x": 1.0})
def hangs(x, xp=xnp):
    while True:
        time.sleep(0.01)


@case(inputs={"x": 1.0})
def eats_memory(x, xp=xnp):
    # 128 MiB at a time, left untouched: the memory limit counts address space, and the
    # kernel took 1.7 s to zero a GiB of fresh pages here (once past the 3 s time limit
    # on a loaded machine). Without the limit, tens of TiB go before a MemoryError.
    hoard = []
    try:
        while True:
            hoard.append(np.empty(2**24))
    except MemoryError:
        raise MemoryError(f"refused after {len(hoard) * 128} MiB") from None


@case(inputs={"x": 0.3})
def swells(x, xp=xnp):
    """The logistic map, 40 levels: its SymPy tree has 2^40 leaves."""
    for _ in range(40):
        x = 4 * x * (1 - x)
    return x


@case(inputs={"x": 2.0})
def not_analytic(x, xp=xnp):
    return xp.abs(x) ** 3


@case(inputs={"x": np.array([1.0, 2.0])})
def mutates(x, xp=xnp):
    x[0] = 0.0
    return xp.sum(x * x)


@case(inputs={"x": 1.5})
def branches(x, xp=xnp):
    if x > 1:
        return x**2
    return x


@case(inputs={"x": 0.7}, reference=lambda x: np.cos(x) + 1.0)
def wrong_reference(x, xp=xnp):
    return xp.sin(x)


@case(inputs={"x": 0.7}, reference=lambda x: 2 * x + 0.5)
def wrong_untraceable_reference(x, xp=xnp):
    """SymPy cannot trace the branch; the AD oracle runs it on values and replaces it."""
    if x > 0:
        return x**2
    return -x


@case(inputs={"x": 0.7}, reference=lambda x: 2 * x + 0.5)
def wrong_opaque_reference(x, xp=xnp):
    """A float array of its own: neither oracle can follow it, so extrapolation checks."""
    out = np.zeros(1)
    out[0] = x * x
    return out[0]


@case(inputs={"x": np.array([1.0, 2.0])})
def random(x, xp=xnp):
    """Noise on every call: no method gives the same numbers twice."""
    return xp.sum(x * x) * (1.0 + 1e-3 * np.random.default_rng().standard_normal())


@case(inputs={"x": 1.0})
def interrupts(x, xp=xnp):
    """A KeyboardInterrupt of its own: the case's error, not the user's Ctrl-C."""
    raise KeyboardInterrupt


@case(inputs={"x": 1.0})
def exits(x, xp=xnp):
    sys.exit(0)


@case(inputs={"x": 1.0})
def returns_none(x, xp=xnp):
    return None


@case(inputs={"x": 1.0})
def returns_text(x, xp=xnp):
    return "x squared"


@case(inputs={"x": 1.0})
def returns_complex(x, xp=xnp):
    return x * 1j


@case(inputs={"x": 1.0})
def returns_integer(x, xp=xnp):
    return 3


@case(inputs={"x": np.array([1.0, 2.0])})
def returns_nothing(x, xp=xnp):
    return x[:0]


@case(inputs={"x": 0.5})
def not_real(x, xp=xnp):
    """log(x - 10) at 0.5: complex in complex arithmetic, nan in real."""
    return xp.log(x - 10.0)


@case(inputs={"x": 1.0}, reference=lambda x: [1.0, 2.0])
def reference_of_the_wrong_shape(x, xp=xnp):
    return xp.sin(x)


@case(inputs={"x": 0.5}, reference=lambda x: time.sleep(3600))
def slow_reference(x, xp=xnp):
    """Its reference= never returns: the run's time limit stops it, not the loading."""
    return xp.sin(x)
