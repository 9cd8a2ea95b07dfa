"""The results record: one Result per (case, operator, method, device, dtype) cell.

``Results`` round-trips through JSON (``results.json``, the contract the reports read).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

STATUSES = ("ok", "unsupported", "error", "timeout", "nan")
FAMILIES = ("symbolic", "numeric", "automatic", "user")  # "user": check()'s hand-written derivative
MAX_VALUES = 16  # value / reference_value are kept for outputs of up to this many numbers


@dataclass(frozen=True)
class Result:
    case: str
    operator: str
    method: str
    family: str
    device: str
    dtype: str
    n: int
    status: str
    message: str = ""
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    max_scaled_error: float | None = None
    digits: float | None = None
    passed: bool | None = None
    rtol: float | None = None
    reference: str = "none"
    value: list | float | None = None
    reference_value: list | float | None = None
    prepare_s: float | None = None
    eval_s: float | None = None
    eval_iqr_s: float | None = None
    eval_min_s: float | None = None
    repeats: int | None = None
    primal_s: float | None = None
    cost_ratio: float | None = None
    f_evals: int | None = None
    step: float | None = None
    seed: int | None = None
    tags: tuple[str, ...] = ()
    traceback: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What identifies a cell of a run: (case, operator, method, device, dtype)."""
        return (self.case, self.operator, self.method, self.device, self.dtype)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["tags"] = list(self.tags)
        # JSON has no NaN or infinity: write them as strings and read them back
        return {k: _encode(v) for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> Result:
        numeric = {f.name for f in fields(cls) if "float" in str(f.type) or "list" in str(f.type)}
        names = {f.name for f in fields(cls)}
        kw = {k: (_decode(v) if k in numeric else v) for k, v in d.items() if k in names}
        kw["tags"] = tuple(kw.get("tags", ()))
        return cls(**kw)


def _encode(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, list):
        return [_encode(x) for x in v]
    return v


def _decode(v):
    if v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v


@dataclass(frozen=True)
class Results:
    environment: dict
    rows: tuple[Result, ...] = field(default_factory=tuple)
    cases: dict = field(default_factory=dict)  # case name -> its one-line description

    def to_json(self) -> str:
        return json.dumps(
            {
                "environment": self.environment,
                "results": [r.to_dict() for r in self.rows],
                "cases": self.cases,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = json.loads(text)
        rows = tuple(Result.from_dict(r) for r in data["results"])
        return cls(data["environment"], rows, data.get("cases", {}))

    @classmethod
    def load(cls, path: str | Path) -> Results:
        return cls.from_json(Path(path).read_text())
