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


def _torch():
    return sys.modules.get("torch")  # only where already imported: state no cell touched


def _mpmath():
    return sys.modules.get("mpmath")


def _filters_restore(old) -> None:
    warnings.filters[:] = list(old)
    warnings._filters_mutated()


# what: (read it, set it back), each read returning None where its library is not loaded
_STATE = {
    "the working directory": (os.getcwd, os.chdir),
    "NumPy's error state": (
        lambda: tuple(sorted(np.geterr().items())),
        lambda v: np.seterr(**dict(v)),
    ),
    "the warnings filters": (lambda: tuple(warnings.filters), _filters_restore),
    "mpmath's precision": (
        lambda: _mpmath().mp.prec if _mpmath() else None,
        lambda v: setattr(_mpmath().mp, "prec", v),
    ),
    "torch's grad mode": (
        lambda: _torch().is_grad_enabled() if _torch() else None,
        lambda v: _torch().set_grad_enabled(v),
    ),
    "torch's default dtype": (
        lambda: _torch().get_default_dtype() if _torch() else None,
        lambda v: _torch().set_default_dtype(v),
    ),
    "torch's anomaly mode": (
        lambda: _torch().is_anomaly_enabled() if _torch() else None,
        lambda v: _torch().autograd.set_detect_anomaly(v),
    ),
    "torch's deterministic algorithms": (
        lambda: _torch().are_deterministic_algorithms_enabled() if _torch() else None,
        lambda v: _torch().use_deterministic_algorithms(v),
    ),
    "torch's thread count": (
        lambda: _torch().get_num_threads() if _torch() else None,
        lambda v: _torch().set_num_threads(v),
    ),
    "torch's default device": (
        lambda: str(_torch().get_default_device()) if _torch() else None,
        lambda v: _torch().set_default_device(v),
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
