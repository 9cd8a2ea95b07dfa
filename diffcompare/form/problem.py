"""A case bound to one operator and one dtype: the flat view every method works on."""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np

from diffcompare.errors import CaseError, Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.namespace import NumpyNamespace
from diffcompare.form.registry import Case

DTYPES = ("float64", "float32")


@dataclass(frozen=True, eq=False)
class Problem:
    case: Case
    operator: str
    dtype: str
    theta: np.ndarray  # the differentiated inputs, flattened, in dtype
    constants: dict  # the other inputs; floats cast to dtype
    out_shape: tuple[int, ...]
    tangent: np.ndarray | None  # v for jvp / hvp, in dtype
    cotangent: np.ndarray | None  # u for vjp, in dtype
    seed: int | None
    step: float | None  # --step override, else None
    undefined: str = ""  # why f has no derivative at this point ('' if it has one)

    @property
    def n(self) -> int:
        return self.theta.size

    @functools.cached_property  # asked in every timed call of a stencil
    def m(self) -> int:
        return int(np.prod(self.out_shape, dtype=int))

    @functools.cached_property
    def value_shape(self) -> tuple[int, ...]:
        return ops.value_shape(self.operator, self.n, self.m)

    @property
    def np_dtype(self):
        return np.dtype(self.dtype)

    def split(self, theta) -> dict:
        """Named inputs from a flat vector (any array type with slicing and reshape)."""
        return self.splitter()(theta)

    def parts(self) -> list[tuple[str, int, int, tuple[int, ...]]]:
        """(name, start, stop, shape) of each differentiated input within theta."""
        parts, start = [], 0
        for key in self.case.wrt:
            a = self.case.inputs[key]
            parts.append((key, start, start + a.size, a.shape))
            start += a.size
        return parts

    def splitter(self):
        """``split`` with its slices worked out once: what a timed call runs. One input
        that is all of theta is theta itself (a slice would cost reverse mode a zero-filled
        copy of the gradient on every call), unreshaped where it is a vector (a reshape to
        the same shape is one more node in torch's graph, and 2-3 µs a call)."""
        parts = self.parts()
        if len(parts) == 1:
            key, _, _, shape = parts[0]
            if len(shape) == 1:
                return lambda theta: {key: theta}
            return lambda theta: {key: theta.reshape(shape)}
        return lambda theta: {key: theta[a:b].reshape(shape) for key, a, b, shape in parts}

    def numpy_function(self, xp=None):
        """F(theta) in NumPy, returning a flat array (0-d for a scalar output)."""
        xp = xp or NumpyNamespace()
        fn, constants, split = self.case.fn, self.constants, self.splitter()
        flat = () if self.out_shape == () else (self.m,)

        def f(theta):
            out = np.asarray(fn(**split(theta), **constants, xp=xp))
            return out if out.shape == flat else out.reshape(-1 if flat else ())

        return f


def output_shape(case: Case) -> tuple[int, ...]:
    """The shape of the case's output (see ``output``)."""
    return output(case)[0]


def output(case: Case) -> tuple[tuple[int, ...], str]:
    """Evaluate the case once in float64 NumPy: its output's shape, and why f has no
    derivative at the point ('' when it is real and finite there). An output that is no
    array of real numbers (a list, None, text, complex or integer values, nothing at
    all) or a case that changes its inputs in place is refused here, with the reason."""
    # writable: let a mutation show; in the dtype the function runs in (a float32 module's)
    inputs = {
        k: v.astype(case.runs_in[0]) if v.dtype.kind == "f" else v.copy()
        for k, v in case.inputs.items()
    }
    with np.errstate(all="ignore"):  # an overflow is the method rows' business, not this one's
        out = case.fn(**inputs, xp=NumpyNamespace())
    where = f"case {case.name!r} ({case.source})"
    for k, v in inputs.items():
        if not np.array_equal(v, case.inputs[k].astype(v.dtype), equal_nan=True):
            raise CaseError(
                f"{where} changes its input {k!r} in place; "
                f"differentiate a copy ({k} = {k}.copy()) or build a new array"
            )
    if isinstance(out, (list, tuple)):
        raise CaseError(
            f"{where} returned a {type(out).__name__}; "
            "return a number or an array (xp.stack([...]) for several outputs)"
        )
    values = np.asarray(out)
    kind = values.dtype.kind
    if kind == "c":
        raise CaseError(
            f"{where} returns complex numbers ({values.dtype}); diffcompare differentiates "
            "real functions: return the real and imaginary parts as two outputs"
        )
    if kind in "iub":
        raise CaseError(
            f"{where} returns {values.dtype} values, not floats: an integer output has no "
            "derivative to compare (a constant? return a float, e.g. 0.0 * x + 1.0)"
        )
    if kind != "f":
        what = "None" if out is None else f"a {type(out).__name__} ({values.dtype})"
        raise CaseError(f"{where} returns {what}; return a number or an array of numbers")
    if values.size == 0:
        raise CaseError(f"{where} returns an empty array {values.shape}: nothing to differentiate")
    undefined = ""
    if not np.all(np.isfinite(values)):
        bad = int(np.sum(~np.isfinite(values)))
        undefined = (
            f"f is not real and finite at this point ({bad} of {values.size} outputs nan or "
            "inf in float64): no derivative is defined there, whatever a method returns"
        )
    return np.shape(out), undefined


def check_reference(case: Case, out_shape: tuple[int, ...]) -> None:
    """reference= must give (output size) x (numbers differentiated) numbers."""
    with np.errstate(all="ignore"):
        raw = case.reference(**case.inputs)
    m = int(np.prod(out_shape, dtype=int))
    parts = raw if len(case.wrt) > 1 and isinstance(raw, (tuple, list)) else (raw,)
    got = sum(int(np.size(p)) for p in parts)
    if got != m * case.n:
        raise CaseError(
            f"case {case.name!r} ({case.source}): reference= gives {got} numbers; the first "
            f"derivative of its {m} output(s) by {case.n} input number(s) has {m * case.n}"
        )


def operators_for(case: Case, out_shape: tuple[int, ...]) -> tuple[str, ...]:
    scalar_in = case.n == 1 and all(case.inputs[k].ndim == 0 for k in case.wrt)
    return ops.applicable(scalar_in, out_shape == ())


def _seed(case: Case, seed: int) -> int:
    # stable across runs and processes, unlike hash()
    return zlib.crc32(f"{seed}:{case.name}".encode())


def bind(
    case: Case,
    operator: str,
    dtype: str,
    out_shape: tuple[int, ...],
    seed: int = 0,
    step: float | None = None,
    undefined: str = "",
) -> Problem:
    if operator not in operators_for(case, out_shape):
        raise Unsupported(f"{operator} does not apply to this case's shapes")
    np_dtype = np.dtype(dtype)
    theta = np.concatenate([case.inputs[k].reshape(-1) for k in case.wrt]).astype(np_dtype)
    constants = {
        k: (v.astype(np_dtype) if v.dtype.kind == "f" else (v.item() if v.ndim == 0 else v))
        for k, v in case.inputs.items()
        if k not in case.wrt
    }
    rng = np.random.default_rng(_seed(case, seed))
    m = int(np.prod(out_shape, dtype=int))
    tangent = rng.standard_normal(theta.size) if operator in ops.NEEDS_TANGENT else None
    cotangent = rng.standard_normal(m) if operator in ops.NEEDS_COTANGENT else None
    return Problem(
        case=case,
        operator=operator,
        dtype=dtype,
        theta=theta,
        constants=constants,
        out_shape=tuple(out_shape),
        tangent=None if tangent is None else tangent.astype(np_dtype),
        cotangent=None if cotangent is None else cotangent.astype(np_dtype),
        seed=seed if (tangent is not None or cotangent is not None) else None,
        step=step,
        undefined=undefined,
    )
