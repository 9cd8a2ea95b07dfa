"""Where a run happened: versions, CPU, threads, GPU, time, git commit."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from importlib import metadata


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    """DIFFCOMPARE_GIT_COMMIT where set (a copied tree's own .git may be stale), else HEAD."""
    if os.environ.get("DIFFCOMPARE_GIT_COMMIT"):
        return os.environ["DIFFCOMPARE_GIT_COMMIT"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=os.path.dirname(os.path.abspath(__file__)),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def describe(with_torch: bool = True) -> dict:
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": _version("numpy"),
        "sympy": _version("sympy"),
        "mpmath": _version("mpmath"),
        "torch": _version("torch"),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "gpu": None,
    }
    from diffcompare.runner.threads import pools

    env["thread_pools"] = pools()
    if with_torch:
        import torch

        env["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            env["gpu"] = torch.cuda.get_device_name(0)
    return env
