"""A case bound to one operator and one dtype: the flat view every method works on."""

from __future__ import annotations

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

    @property
    def n(self) -> int:
        return self.theta.size

    @property
    def m(self) -> int:
        return int(np.prod(self.out_shape, dtype=int))

    @property
    def value_shape(self) -> tuple[int, ...]:
        return ops.value_shape(self.operator, self.n, self.m)

    @property
    def np_dtype(self):
        return np.dtype(self.dtype)

    def split(self, theta) -> dict:
        """Named inputs from a flat vector (any array type with slicing and reshape)."""
        named, start = {}, 0
        for key in self.case.wrt:
            shape = self.case.inputs[key].shape
            size = self.case.inputs[key].size
            # one input that is all of theta is theta itself: a slice would cost reverse
            # mode a zero-filled copy of the gradient on every call
            whole = start == 0 and size == len(theta)
            named[key] = (theta if whole else theta[start : start + size]).reshape(shape)
            start += size
        return named

    def numpy_function(self, xp=None):
        """F(theta) in NumPy, returning a flat array (0-d for a scalar output)."""
        xp = xp or NumpyNamespace()
        fn, constants, scalar = self.case.fn, self.constants, self.out_shape == ()

        def f(theta):
            out = np.asarray(fn(**self.split(theta), **constants, xp=xp))
            return out.reshape(()) if scalar else out.reshape(-1)

        return f


def output_shape(case: Case) -> tuple[int, ...]:
    """Evaluate the case once in float64 NumPy to learn its output's shape; a case that
    returns a list or changes its inputs in place is refused here, with the reason."""
    inputs = {k: v.copy() for k, v in case.inputs.items()}  # writable: let a mutation show
    with np.errstate(all="ignore"):  # an overflow is the method rows' business, not this one's
        out = case.fn(**inputs, xp=NumpyNamespace())
    for k, v in inputs.items():
        if not np.array_equal(v, case.inputs[k], equal_nan=True):
            raise CaseError(
                f"case {case.name!r} ({case.source}) changes its input {k!r} in place; "
                f"differentiate a copy ({k} = {k}.copy()) or build a new array"
            )
    if isinstance(out, (list, tuple)):
        raise CaseError(
            f"case {case.name!r} ({case.source}) returned a {type(out).__name__}; "
            "return a number or an array (xp.stack([...]) for several outputs)"
        )
    return np.shape(out)


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
    )
