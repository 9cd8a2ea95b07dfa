"""A case written in torch (torch ops, an nn.Module's loss, a custom autograd.Function),
bridged so that every method can call it as it calls any case.

The bridge takes what each method passes (tensors from torch and torch-forward; NumPy
arrays, float or complex, from finite differences and the complex step) and gives the
torch function tensors of the same dtype on the CPU, handing NumPy back what it returns.
SymPy cannot trace torch code and says so; the oracles run it on their own numbers through
a tensor subclass (``oracle.torch_balls``), calling the function this bridge wraps.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import numpy as np

from diffcompare.errors import Unsupported

NAMESPACES_THAT_CANNOT = {
    "sympy": "the case is written in torch: SymPy cannot trace it",
    "mpmath": "the case is written in torch: there is no 50-digit oracle for torch code",
}


def takes_tensors(fn: Callable, inputs: dict) -> bool:
    """Whether fn, given tensors of its inputs, returns a tensor (and so is torch code)."""
    return bool(runs_in(fn, inputs))


def runs_in(fn: Callable, inputs: dict) -> tuple[str, ...]:
    """The dtypes in which fn, given tensors of its inputs, returns a tensor: both, or
    float32 alone for a float32 nn.Module (its weights meet float64 inputs with an error)."""
    try:
        import torch
    except ImportError:
        return ()
    found = []
    for dtype in ("float64", "float32"):
        args = {
            k: torch.as_tensor(np.asarray(v, dtype=dtype) if np.asarray(v).dtype.kind == "f" else v)
            for k, v in inputs.items()
        }
        try:
            with torch.no_grad():
                if isinstance(fn(**args), torch.Tensor):
                    found.append(dtype)
        except Exception:
            continue
    return tuple(found)


def bridge(fn: Callable) -> Callable:
    """fn as a case's function: any backend's arrays in, the same backend's out."""
    takes_xp = "xp" in inspect.signature(fn).parameters

    @functools.wraps(fn)
    def bridged(xp=None, **inputs):
        import torch

        name = getattr(xp, "name", "numpy")
        if name in NAMESPACES_THAT_CANNOT:
            raise Unsupported(NAMESPACES_THAT_CANNOT[name])
        extra = {"xp": xp} if takes_xp else {}
        if name == "torch" or any(isinstance(v, torch.Tensor) for v in inputs.values()):
            return fn(**inputs, **extra)
        tensors = {
            k: torch.as_tensor(np.asarray(v).view(np.ndarray) if isinstance(v, np.ndarray) else v)
            for k, v in inputs.items()
        }
        out = fn(**tensors, **extra)
        return out.detach().cpu().resolve_conj().numpy() if isinstance(out, torch.Tensor) else out

    bridged.__diffcompare_backend__ = "torch"
    return bridged
