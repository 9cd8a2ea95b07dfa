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
    passed: bool | None = None  # None where unscored, or where the reference cannot tell
    # pass | fail | cannot tell | pass, scaled (under one correct digit, passed on the size
    # of the terms the derivative sums): oracle.verdict
    verdict: str = ""
    reference_error: float | None = None  # the reference's own error bound, relative
    taylor_slope: float | None = None  # the Taylor remainder's slope (2: a right gradient)
    taylor_passed: bool | None = None  # the Taylor test's verdict, which needs no oracle
    rtol: float | None = None
    reference: str = "none"
    value: list | float | None = None
    reference_value: list | float | None = None
    prepare_s: float | None = None
    first_call_s: float | None = None  # the first call after preparing, alone
    eval_s: float | None = None
    eval_iqr_s: float | None = None
    eval_min_s: float | None = None
    repeats: int | None = None
    primal_s: float | None = None
    cost_ratio: float | None = None
    cost_model: str = ""  # the method's model of cost_ratio ("2n = 20", "≤ 5"): methods.cost
    off_model: bool | None = None  # cost_ratio over 4x its model (or a count's quarter)
    noisy: bool | None = None  # the timing's IQR above timing.NOISY of its median
    threads: int | None = None  # torch's (and BLAS's) thread count in the timed cell
    host: str = ""  # the machine the cell ran on (a Dask cluster's rows name theirs)
    f_evals: int | None = None
    step: float | None = None
    seed: int | None = None
    tags: tuple[str, ...] = ()
    traceback: str = ""

    def __repr__(self) -> str:
        """One line: where, the verdict, the why (pytest prints this on a failure)."""
        where = f"{self.case} {self.operator} · {self.method} · {self.device} {self.dtype}"
        if self.status != "ok":
            what = self.status
        elif self.digits is None:
            what = "ok, unscored"
        else:
            what = f"{self.digits:.1f} digits, {self.verdict or 'unjudged'}"
        said = f" · {self.message[:80]}{'…' if len(self.message) > 80 else ''}"
        return f"Result({where}: {what}{said if self.message else ''})"

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
        if not isinstance(d, dict):
            raise ValueError(f"a row is a {type(d).__name__}, not an object")
        kw = {k: (_decode(v) if k in numeric else v) for k, v in d.items() if k in names}
        missing = [f.name for f in fields(cls) if f.name in _REQUIRED and f.name not in kw]
        if missing:
            raise ValueError(f"a row lacks {', '.join(missing)}")
        for f in fields(cls):
            if f.name in kw and not _CHECKS[str(f.type)](kw[f.name]):
                raise ValueError(f"a row's {f.name} is {kw[f.name]!r:.40}, not {f.type}")
        if kw["status"] not in STATUSES:
            raise ValueError(f"a row's status is {kw['status']!r:.40}, not one of {STATUSES}")
        kw["tags"] = tuple(kw.get("tags", ()))
        return cls(**kw)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _numbers(v, depth: int = 0) -> bool:
    """A number or nested lists of numbers (the values of a derivative)."""
    if isinstance(v, list):
        return depth < 8 and all(_numbers(x, depth + 1) for x in v)
    return _number(v)


# each field's type, as written above, and what a value read from JSON must be for it
_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "int | None": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "float | None": lambda v: v is None or _number(v),
    "bool | None": lambda v: v is None or isinstance(v, bool),
    "list | float | None": lambda v: v is None or _numbers(v),
    "tuple[str, ...]": lambda v: (
        isinstance(v, (list, tuple)) and all(isinstance(t, str) for t in v)
    ),
}
_REQUIRED = ("case", "operator", "method", "family", "device", "dtype", "n", "status")


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
        """Raises ValueError, saying what is wrong, for anything but a results file."""
        try:
            data = json.loads(text)
        except RecursionError:
            raise ValueError("nested too deep to be a results file") from None
        if not isinstance(data, dict):
            raise ValueError(f"it holds a {type(data).__name__}, not an object")
        for key, kind in (("results", list), ("environment", dict), ("cases", dict)):
            if not isinstance(data.get(key, {} if key == "cases" else None), kind):
                raise ValueError(f"its {key!r} is not a {kind.__name__}")
        rows = tuple(Result.from_dict(r) for r in data["results"])
        cases = data.get("cases", {})
        if not all(isinstance(v, str) for v in cases.values()):
            raise ValueError("its 'cases' are not all descriptions")
        return cls(data["environment"], rows, cases)

    @classmethod
    def load(cls, path: str | Path) -> Results:
        return cls.from_json(Path(path).read_text())
