"""One run per output folder at a time: a lock (flock) on DIR/.diffcompare.lock, which
holds the pid of the run that has it. The kernel lets go of it when that process ends,
killed or not, so a stale file (a killed run's) locks nothing; a run that ends removes it.
A run that locked a file another has just removed tries again on the new one."""

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
    for _ in range(100):
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
            if not _same(path, f):  # removed by the run that held it: lock the new one
                continue
            f.seek(0)
            f.truncate()
            f.write(f"{os.getpid()}\n")
            f.flush()
            try:
                yield
            finally:
                path.unlink(missing_ok=True)  # while still held: no run is left without it
                fcntl.flock(f, fcntl.LOCK_UN)
            return
    raise UsageError(f"{folder}: its lock file keeps being replaced; try again")


def _same(path: Path, f) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(f.fileno()).st_ino
    except FileNotFoundError:
        return False
