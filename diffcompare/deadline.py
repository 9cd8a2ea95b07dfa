"""A wall-clock limit on a block of Python code, by SIGALRM (Unix, main thread).

The signal interrupts Python code between bytecodes, which is where SymPy and user
cases spend their time; a single long call into C (one huge NumPy operation) is
interrupted only when it returns. Elsewhere (Windows, other threads) the block
runs unlimited and ``Deadline.enforced`` says so.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from diffcompare import interrupt


class TimedOut(BaseException):  # noqa: N818 — not an Exception: `except Exception` must not swallow it
    """The block ran past its deadline."""

    def __init__(self, seconds: float, own: bool = True):
        super().__init__(f"ran past the time limit of {seconds:g} s")
        self.seconds = seconds
        self.own = own  # False: the block's own limit had time left; an outer one ran out


_LIMITS: list[float] = []  # the seconds of the deadlines around the running code


def passes(exc: BaseException) -> bool:
    """The run's own control flow, which no cell may catch: its time limit, the user's
    Ctrl-C. Anything else a case raises (SystemExit, its own KeyboardInterrupt) is the
    cell's error."""
    return isinstance(exc, TimedOut) or interrupt.by_user(exc)


def enforced() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def left() -> float | None:
    """Seconds until the innermost running deadline fires; None: none is running."""
    if not _LIMITS or not enforced():
        return None
    return signal.getitimer(signal.ITIMER_REAL)[0]


@contextmanager
def deadline(seconds: float | None):
    """Raise TimedOut inside the block once it has run ``seconds``; None: no limit.

    Nested in another deadline, it keeps the outer one: the block is stopped by
    whichever comes first, and the outer's time left is re-armed on the way out (spent,
    it fires at once), so an inner limit never stretches the outer."""
    if seconds is None or not enforced():
        yield
        return

    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    own = not outer or seconds <= outer
    shown = seconds if own else _LIMITS[-1] if _LIMITS else outer

    def expire(signum, frame):
        raise TimedOut(shown, own)

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds if own else outer)
    _LIMITS.append(seconds)
    try:
        yield
    finally:
        _LIMITS.pop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
