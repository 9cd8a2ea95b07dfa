"""Process-wide state a case can change, checked after every cell and put back.

A case may leave torch's grad mode off, its default dtype at float32, mpmath at five
digits or the working directory elsewhere; every later cell in that process would then
run under it, and no row would say why. ``capture`` takes what the runner's cells rely
on; ``restore`` puts back what differs and names each change, so that the row of the
cell that changed it says so.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np


def _loaded(module: str, read, put):
    """(read, put) of a setting of a library, read as None where it is not imported:
    state no cell has touched."""
    return (
        lambda: read(sys.modules[module]) if module in sys.modules else None,
        lambda v: put(sys.modules[module], v),
    )


def _filters_restore(old) -> None:
    warnings.filters[:] = list(old)
    warnings._filters_mutated()


# what: (read it, set it back)
_STATE = {
    "the working directory": (os.getcwd, os.chdir),
    "NumPy's error state": (
        lambda: tuple(sorted(np.geterr().items())),
        lambda v: np.seterr(**dict(v)),
    ),
    "the warnings filters": (lambda: tuple(warnings.filters), _filters_restore),
    "mpmath's precision": _loaded(
        "mpmath", lambda m: m.mp.prec, lambda m, v: setattr(m.mp, "prec", v)
    ),
    "torch's grad mode": _loaded(
        "torch", lambda t: t.is_grad_enabled(), lambda t, v: t.set_grad_enabled(v)
    ),
    "torch's default dtype": _loaded(
        "torch", lambda t: t.get_default_dtype(), lambda t, v: t.set_default_dtype(v)
    ),
    "torch's anomaly mode": _loaded(
        "torch", lambda t: t.is_anomaly_enabled(), lambda t, v: t.autograd.set_detect_anomaly(v)
    ),
    "torch's deterministic algorithms": _loaded(
        "torch",
        lambda t: t.are_deterministic_algorithms_enabled(),
        lambda t, v: t.use_deterministic_algorithms(v),
    ),
    "torch's thread count": _loaded(
        "torch", lambda t: t.get_num_threads(), lambda t, v: t.set_num_threads(v)
    ),
    "torch's default device": _loaded(
        "torch", lambda t: str(t.get_default_device()), lambda t, v: t.set_default_device(v)
    ),
}


def _read(read):
    try:
        return read()
    except Exception:  # an older torch without that setting: nothing to watch
        return None


def capture() -> dict[str, object]:
    """What the process holds now, of the state above."""
    return {what: _read(read) for what, (read, _) in _STATE.items()}


def _shown(value) -> str:
    if isinstance(value, tuple) and len(value) > 3:
        return f"{len(value)} entries"
    return str(value)


def restore(before: dict[str, object]) -> list[str]:
    """Put back what changed since ``before``; each change in words ('' list if none)."""
    changed = []
    for what, (read, put) in _STATE.items():
        old, now = before.get(what), _read(read)
        if old is None or now == old:
            continue
        try:
            put(old)
            changed.append(f"{what} ({_shown(old)} → {_shown(now)})")
        except Exception as exc:  # cannot be put back: say so, the next cells run under it
            changed.append(f"{what} ({_shown(old)} → {_shown(now)}, not restored: {exc})")
    return changed
