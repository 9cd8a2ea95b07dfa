"""A second process that draws scatter figures beside this one, on a second core.

It can start long before there is anything to draw: it imports matplotlib while this
process imports torch and SymPy, then waits, blocked on a pipe, through the run, so it
never draws while timings are taken. ``share`` hands it the results; from then on both
processes take the cases one at a time from a shared counter, so whichever is free
draws the next figure and neither waits for the other. ``images`` is what it drew, or
None if it failed (the caller draws whatever is missing itself). ``close`` ends it
without waiting for its interpreter's teardown: its files are written once it has
answered."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from pathlib import Path

SHARED_FROM = 16  # scatter figures from which a helper is worth its start (about 0.7 s)
LOCK_S = 5.0  # a counter held this long belongs to a process that died holding it
ANSWER_S = 60.0  # once this process has drawn its share: the helper's last figure, or a hang


def cores() -> int:
    """The cores this process may run on (macOS has no affinity: all of them)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worth_it(figures: int) -> bool:
    """Whether a helper pays for its start: dozens of figures, and a second core."""
    return figures >= SHARED_FROM and cores() > 1


class Counter:
    """A number shared by two processes: each ``next`` returns one the other did not get;
    None once the lock cannot be had (the other process died holding it)."""

    def __init__(self, context):
        self.value = context.Value("i", 0)

    def next(self) -> int | None:
        lock = self.value.get_lock()
        if not lock.acquire(timeout=LOCK_S):
            return None
        try:
            i = self.value.value
            self.value.value = i + 1
        finally:
            lock.release()
        return i


def taken(cases: list[str], counter: Counter) -> Iterator[str]:
    """The cases one process draws: each one the other has not taken first."""
    while (i := counter.next()) is not None and i < len(cases):
        yield cases[i]


class Helper:
    """The parent's side: start it, share the results, draw what it leaves, collect."""

    def __init__(self):
        context = multiprocessing.get_context("spawn")  # no fork after torch's threads
        self.counter = Counter(context)
        self.conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs, self.counter), name="diffcompare-drawing", daemon=True
        )
        self.process.start()
        theirs.close()
        self.sender: threading.Thread | None = None  # sends the results, once shared

    def share(self, results, cases: list[str], folder: Path) -> None:
        """Start drawing: the helper takes cases from the counter until none is left.
        Sent from a thread: a helper still importing (one started just now) would
        otherwise hold this process up until it reads (0.5 s for the default suite)."""

        def send():
            try:
                self.conn.send((results, cases, folder))
            except OSError:  # it died; images() says so
                pass

        self.sender = threading.Thread(target=send, name="diffcompare-share", daemon=True)
        self.sender.start()

    def taken(self, cases: list[str]) -> Iterator[str]:
        return taken(cases, self.counter)

    def images(self) -> dict[str, Path] | None:
        """The files it drew, by figure name; None if it failed, died or hangs."""
        if self.sender is None:
            return None
        try:
            if not self.conn.poll(ANSWER_S):
                return None
            status, value = self.conn.recv()
        except (EOFError, OSError):
            return None
        return value if status == "ok" else None

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        if self.sender is not None:  # a send to a process just killed fails at once
            self.sender.join()
        self.conn.close()
        # the last reference: its semaphore is unlinked now, not left for the resource
        # tracker to find (and warn of) after the console entry's os._exit
        self.counter = None


def _serve(conn, counter: Counter) -> None:
    """In the helper process: import now, wait for the results, draw what it takes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from diffcompare.report import plots

    try:
        results, cases, folder = conn.recv()
    except EOFError:  # closed with nothing to draw
        return
    try:
        conn.send(("ok", plots.save_scatter(results, taken(cases, counter), folder)))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
