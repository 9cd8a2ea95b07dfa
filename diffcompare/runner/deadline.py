"""A wall-clock limit on a block of Python code, by SIGALRM (Unix, main thread).

The signal interrupts Python code between bytecodes, which is where SymPy and user
cases spend their time; a single long call into C (one huge NumPy operation) is
interrupted only when it returns. Elsewhere (Windows, other threads) the block
runs unlimited and ``Deadline.enforced`` says so.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class TimedOut(BaseException):  # noqa: N818 — not an Exception: `except Exception` must not swallow it
    """The block ran past its deadline."""

    def __init__(self, seconds: float):
        super().__init__(f"ran past the time limit of {seconds:g} s")
        self.seconds = seconds


def enforced() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float | None):
    """Raise TimedOut inside the block once it has run ``seconds``; None: no limit."""
    if seconds is None or not enforced():
        yield
        return

    def expire(signum, frame):
        raise TimedOut(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
