"""The record of one study: its points, a summary table and findings, as JSON."""

from __future__ import annotations

import json
import math
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from diffcompare.errors import Damaged

KINDS = ("step", "size", "second", "swell", "checkers")


def _encode(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def file_name(name: str) -> str:
    """A file name from a name a user chose (a case's, a formula's): ASCII letters,
    digits, - and _ only; where that changed the name, or capitals would meet on a
    case-blind file system, a short hash of it keeps "a|b", "a/b" and "A_b" apart."""
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "_" for c in name)
    if safe == name and name == name.lower():
        return safe
    return f"{safe[:80]}-{zlib.crc32(name.encode('utf-8')):08x}"


def _decode(v):
    return float(v) if v in ("nan", "inf", "-inf") else v


@dataclass(frozen=True)
class Sweep:
    kind: str  # step | size | second | swell | checkers
    title: str
    points: tuple[dict, ...]  # one dict per measured point, flat and JSON-friendly
    table: tuple[dict, ...]  # the summary rows (e.g. the best step beside theory)
    findings: tuple[str, ...] = ()  # sentences the data supports, computed from it
    environment: dict = field(default_factory=dict)
    label: str = ""  # what was studied (case or formula names): two studies, two files

    @property
    def stem(self) -> str:
        """sweep_KIND_LABEL, made a file name: its JSON's and markdown's, the report's anchor."""
        return file_name(f"sweep_{self.kind}_{self.label}" if self.label else f"sweep_{self.kind}")

    @property
    def filename(self) -> str:
        return f"{self.stem}.json"

    @property
    def figures(self) -> list[str]:
        """The names of its figures (report.plots draws them): one per case or family."""
        key = {"step": "case", "size": "family", "second": "family"}.get(self.kind)
        if key is None:
            return [f"sweep_{self.kind}"]
        return [f"sweep_{self.kind}_{v}" for v in dict.fromkeys(p[key] for p in self.points)]

    def to_json(self) -> str:
        def rows(items):
            return [{k: _encode(v) for k, v in d.items()} for d in items]

        return json.dumps(
            {
                "kind": self.kind,
                "title": self.title,
                "points": rows(self.points),
                "table": rows(self.table),
                "findings": list(self.findings),
                "environment": self.environment,
                "label": self.label,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Sweep:
        d = json.loads(text)
        if d.get("kind") not in KINDS:
            raise ValueError(f"unknown sweep kind {d.get('kind')!r}")

        def rows(items):
            return tuple({k: _decode(v) for k, v in r.items()} for r in items)

        return cls(
            d["kind"],
            d["title"],
            rows(d["points"]),
            rows(d["table"]),
            tuple(d.get("findings", ())),
            d.get("environment", {}),
            str(d.get("label", "")),
        )

    @classmethod
    def load(cls, path: str | Path) -> Sweep:
        return cls.from_json(Path(path).read_text())


def found_in(folder: str | Path) -> list[Sweep]:
    """The sweeps saved in a folder, in the order step, size, swell (then by name)."""
    folder = Path(folder)
    found = []
    for path in (p for k in KINDS for p in sorted(folder.glob(f"sweep_{k}*.json"))):
        try:
            found.append(Sweep.load(path))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            warnings.warn(f"skipped {path}, which is damaged ({exc})", Damaged, stacklevel=2)
    return found
