"""One run per output folder at a time: a lock (flock) on DIR/.diffcompare.lock, which
holds the pid of the run that has it. The kernel lets go of it when that process ends,
killed or not, so a stale file locks nothing."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from diffcompare.errors import UsageError

NAME = ".diffcompare.lock"


@contextmanager
def held(folder: str | Path):
    """Within the block this process alone writes the folder; another run's attempt
    is a UsageError naming this one's pid."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    path = Path(folder) / NAME
    with path.open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            pid = f.read().strip() or "unknown"
            raise UsageError(
                f"{folder} is being written by another diffcompare run (pid {pid}); "
                "wait for it to finish or choose another --out"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
