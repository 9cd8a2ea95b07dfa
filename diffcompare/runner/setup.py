"""What a process does once before its first cell: heavy imports, CUDA's context, each
method's one-time setup."""

from __future__ import annotations

import functools
import gc
import importlib

HEAVY = (
    "sympy",
    "sympy.tensor.tensor",  # imported by SymPy's first Add of three terms or more: 0.05–0.2 s
    "mpmath",
    "torch",
    "torch.func",
    "diffcompare.methods.batch",
    "diffcompare.symbolic.kink",  # the oracle's, on its first reference
    "diffcompare.symbolic.template",
)
_SET_UP: set[str] = set()  # the methods this process has set up


@functools.cache
def _import_heavy() -> None:
    for module in HEAVY:
        try:
            importlib.import_module(module)
        except ImportError:
            pass


def set_up(methods, cuda: bool = False) -> None:
    """What a process does once, outside any time limit: the heavy imports (SymPy's
    first import alone takes about half a second, and a time limit that fires inside an
    import is charged to whichever cell ran first), CUDA's context if asked for (where
    there is one), then each method's one-time library setup (``set_up``, where it has
    one). What fails here is left to fail in the cells, which say why. Then the garbage
    collection those allocations have made due: a full one in a process that holds torch
    and SymPy (0.14 s here), which the first cell's time and time limit would otherwise
    pay."""
    fresh = _import_heavy.cache_info().currsize == 0
    _import_heavy()
    if cuda and _cuda_context.cache_info().currsize == 0:
        fresh = True
        _cuda_context()
    for method in methods:
        if method.name not in _SET_UP and hasattr(method, "set_up"):
            _SET_UP.add(method.name)
            fresh = True
            try:
                method.set_up()
            except Exception:
                pass
    if fresh:
        gc.collect()


@functools.cache
def _cuda_context() -> None:
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.zeros(1, device="cuda")  # creates the context
