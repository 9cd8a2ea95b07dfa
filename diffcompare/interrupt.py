"""Whose KeyboardInterrupt: the user's Ctrl-C stops a run; one a case raises is its row.

A case can raise anything, ``KeyboardInterrupt`` and ``SystemExit`` included, and that is
the case's error, not a reason to stop. The user's Ctrl-C is a SIGINT to this process:
while ``watching()`` (the runner's loop), the handler marks it before raising, so that
``by_user`` tells the two apart. A worker process ignores SIGINT (its parent handles
Ctrl-C) and calls ``ignore()``: every KeyboardInterrupt there is a case's. Outside both,
a KeyboardInterrupt is taken for the user's, as Python would.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

_state = {"watched": 0, "pressed": False, "ignored": False}


def ignore() -> None:
    """This process takes no Ctrl-C (a worker): SIGINT ignored, every interrupt a case's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state["ignored"] = True


@contextmanager
def watching():
    """Within the block, a SIGINT is marked as the user's before it raises as usual."""
    if _state["ignored"] or threading.current_thread() is not threading.main_thread():
        yield
        return

    def pressed(signum, frame):
        _state["pressed"] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, pressed)
    _state["watched"] += 1
    try:
        yield
    finally:
        _state["watched"] -= 1
        signal.signal(signal.SIGINT, previous)
        if not _state["watched"]:
            _state["pressed"] = False


def by_user(exc: BaseException) -> bool:
    """Is this the user's Ctrl-C (stop everything), not an exception a case raised?"""
    if not isinstance(exc, KeyboardInterrupt) or _state["ignored"]:
        return False
    return _state["pressed"] or not _state["watched"]
