"""results.json, results.csv and summary.md, each written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path

from diffcompare.report.tables import summary
from diffcompare.result import Result, Results


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside path, then rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for reading
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def to_csv(results: Results) -> str:
    names = [f.name for f in fields(Result) if f.name != "traceback"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in results.rows:
        d = r.to_dict()
        for k in ("value", "reference_value", "tags"):
            d[k] = "" if d[k] is None else json.dumps(d[k])
        writer.writerow(d)
    return buf.getvalue()


def write(results: Results, out: str | Path) -> dict[str, Path]:
    """Write every file of a run into the folder out; returns their paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": folder / "results.json",
        "csv": folder / "results.csv",
        "summary": folder / "summary.md",
    }
    atomic_write(paths["json"], results.to_json())
    atomic_write(paths["csv"], to_csv(results))
    atomic_write(paths["summary"], summary(results))
    return paths
