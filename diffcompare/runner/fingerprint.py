"""The case files a run loads, each by its sha256, kept beside the run: ``--resume``
of a run whose case file changed since would mix rows of two versions of a function in
one results.json, so it refuses."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from diffcompare.errors import UsageError

NAME = "run-files.json"


def write(folder: Path, specs: list[str]) -> None:
    (Path(folder) / NAME).write_text(json.dumps(of(specs)))


def of(specs: list[str]) -> dict[str, str]:
    """sha256 of each case file a run loads (a module name: the file it imports), by its
    absolute path (a resumed run's arguments are anchored: the same keys)."""
    found = {}
    for spec in specs:
        path = Path(spec)
        if not path.is_file():
            try:
                module = importlib.util.find_spec(spec)
            except (ImportError, ValueError):
                continue
            if module is None or not module.origin or not Path(module.origin).is_file():
                continue
            path = Path(module.origin)
        found[str(path.resolve())] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def unchanged(folder: Path, specs: list[str]) -> None:
    """--resume of a run whose case files changed since would mix rows of two functions
    in one results.json: refuse, in one line (a run from before fingerprints: nothing to
    compare)."""
    try:
        before = json.loads((folder / NAME).read_text())
    except (OSError, ValueError):
        return
    now = of(specs)
    changed = [s for s, h in before.items() if isinstance(h, str) and now.get(s, h) != h]
    if changed:
        raise UsageError(
            f"--resume: {', '.join(changed)} changed since the run in {folder} started "
            "(its rows would mix two versions of the cases); start a new run, or restore it"
        )
