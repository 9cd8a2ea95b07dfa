"""How many threads the timed libraries may use: torch's intra-op pool, NumPy's BLAS and
OpenMP pools (threadpoolctl), and JAX's (where it is imported later).

A timed run uses one thread by default, as ADBench and GradBench fix theirs: on a shared
machine a second thread is as likely to fight another process for a core as to help. On
this project's 2-core machine torch's gradient at n >= 1e5 took half the time with two
threads while the other core was idle (benchmarks/harness.py) and 10-150 times as long
while it was busy (issue 32): a time that depends on the neighbours is no measurement.
Every row records the count it ran with.
"""

from __future__ import annotations

import os
import sys

# read by OpenMP, BLAS and XLA when they start: a worker process spawned after ``limit``
# starts its pools at the same size
_ENVIRONMENT = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_HELD: list = []  # threadpoolctl's limiter, kept alive: the limit lasts while it does
_BEFORE: dict = {}  # what the first limit found: torch's count and the environment


def limit(n: int | None) -> int | None:
    """Limit every pool to n threads (None: leave them as they are); returns the count
    torch now uses, or n without torch. Environment variables are set too, for the pools
    of processes started from here and for JAX, which reads XLA_FLAGS when imported."""
    if n is None:
        return current()
    if n < 1:
        raise ValueError(f"a thread count is at least 1, got {n}")
    if not _BEFORE:
        _BEFORE.update({name: os.environ.get(name) for name in (*_ENVIRONMENT, "XLA_FLAGS")})
        _BEFORE["torch"] = current()
    for name in _ENVIRONMENT:
        os.environ[name] = str(n)
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_cpu_multi_thread_eigen={'false' if n == 1 else 'true'} "
                f"intra_op_parallelism_threads={n}"
            ).strip()
    try:
        from threadpoolctl import threadpool_limits

        _HELD[:] = [threadpool_limits(limits=n)]
    except ImportError:  # threadpoolctl is a dependency; a bare install may lack it
        pass
    try:
        import torch
    except ImportError:
        return n
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return torch.get_num_threads()


def release() -> None:
    """Put back what ``limit`` changed: a notebook's session keeps its own thread count."""
    if not _BEFORE:
        return
    before = dict(_BEFORE)
    _BEFORE.clear()
    for limiter in _HELD:
        limiter.restore_original_limits()
    _HELD.clear()
    torch_threads = before.pop("torch")
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if torch_threads is not None:
        import torch

        torch.set_num_threads(torch_threads)


def current() -> int | None:
    """torch's intra-op thread count, where torch is installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def pools() -> list[dict]:
    """What threadpoolctl sees: each native pool's library, API and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("user_api", "internal_api", "num_threads")
    return [{k: p.get(k) for k in keep} for p in threadpool_info()]
