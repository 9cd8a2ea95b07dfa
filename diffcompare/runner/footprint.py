"""A worker's real memory, watched from outside: what it holds resident, anonymous,
file-mapped and shared pages alike (/proc/PID/status, VmRSS).

RLIMIT_DATA, the worker's own limit, counts private memory only: shared memory
(``Tensor.share_memory_()``, ``multiprocessing.shared_memory``), a mapped file or pinned
host memory pass it by. ``Watch`` polls the resident size of the process it is given
and kills it (SIGKILL) past its limit, then says what it saw.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable


def resident(pid: int | str = "self") -> int | None:
    """Bytes resident in memory (VmRSS), or None where /proc cannot tell (not Linux, gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class Watch:
    """One thread that, while armed with (the pid's getter, limit), kills that process
    once its resident memory passes the limit; ``disarm`` tells the bytes it saw if it
    did. The getter is asked at every look: a worker replaced meanwhile is watched too."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.target: tuple[Callable[[], int | None], int] | None = None
        self.seen: int | None = None
        self.stopped = False
        self.wake = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self._loop, daemon=True, name="diffcompare-memory").start()

    def arm(self, pid: Callable[[], int | None], limit: int) -> None:
        with self.lock:
            self.target, self.seen = (pid, limit), None
        self.wake.set()

    def stop(self) -> None:
        """End the thread (the runner is closed)."""
        with self.lock:
            self.target, self.stopped = None, True
        self.wake.set()

    def disarm(self) -> int | None:
        """Stop watching; the resident bytes of a process it killed, or None."""
        with self.lock:
            self.target = None
            return self.seen

    def _loop(self) -> None:
        while not self.stopped:
            with self.lock:
                target = self.target
            if target is None:
                self.wake.wait()
                self.wake.clear()
                continue
            pid = target[0]()
            now = None if pid is None else resident(pid)
            if now is not None and now > target[1]:
                with self.lock:
                    if self.target == target:  # not disarmed meanwhile
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                        self.target, self.seen = None, now
                continue
            time.sleep(self.interval)
