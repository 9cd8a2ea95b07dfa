"""results.jsonl: every row appended and flushed as it finishes, so that a run killed
midway loses nothing already computed, and ``diffcompare run --resume DIR`` computes
only the rest. The final results.json is written apart, atomically, at the end."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from diffcompare.errors import Damaged
from diffcompare.runner.result import Result

NAME = "results.jsonl"


class Journal:
    def __init__(self, folder: Path, fresh: bool):
        self.path = Path(folder) / NAME
        cut = not fresh and self.path.exists() and not self.path.read_bytes().endswith(b"\n")
        self.file = self.path.open("w" if fresh else "a", encoding="utf-8")
        if cut and self.path.stat().st_size:
            self.file.write("\n")  # a line cut short by a kill stays alone on its line

    def append(self, row: Result) -> None:
        self.file.write(json.dumps(row.to_dict()) + "\n")
        self.file.flush()  # the OS has it now: a killed process does not lose it

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read(folder: Path) -> dict[tuple, Result]:
    """The finished rows by key; a last line cut short by a kill is ignored."""
    rows, damaged = {}, []
    path = Path(folder) / NAME
    with path.open(encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = Result.from_dict(json.loads(line))
        except (ValueError, TypeError, RecursionError):
            if number < len(lines):  # a whole line; the last, cut short by a kill, is no news
                damaged.append(number)
            continue
        rows[row.key] = row
    if damaged:
        shown = ", ".join(map(str, damaged[:5])) + (" …" if len(damaged) > 5 else "")
        warnings.warn(
            f"skipped {len(damaged)} damaged line(s) of {path} (line {shown}): "
            "their rows are computed again",
            Damaged,
            stacklevel=2,
        )
    return rows
