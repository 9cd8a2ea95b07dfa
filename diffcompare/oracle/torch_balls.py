"""Torch code on the oracles' numbers: a tensor subclass whose elements are tape Vars.

A case written in torch (torch ops, an ``nn.Module``'s loss, a custom
``autograd.Function``) is called with ``Balls`` tensors. Every aten op it reaches goes
through ``__torch_dispatch__`` and is computed on NumPy object arrays of Vars (Arb balls
for the certified oracle, 50-digit numbers for ``mpmath-ad``), so the oracle's tape
records the forward itself and differentiates it: a user's wrong ``backward`` is measured
against the truth, never used. Parameters and other plain tensors enter as exact constants.

The ops covered are the common ones (elementwise math, matmul/addmm/bmm, reductions,
views and indexing, cat, softmax and log_softmax, logsumexp, layer norm, mse and
cross-entropy, where, relu/gelu/silu/softplus, 1-D and 2-D convolution): an op outside
them raises Unsupported naming it, and the reference falls back to two float64 methods.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.oracle.mp_namespace import MpNamespace, _total
from diffcompare.oracle.tape import TAPE, Var, apply, constant

XP = MpNamespace()


def call(fn, inputs: dict, constants: dict, dtype: str) -> np.ndarray:
    """fn (torch code) on Balls tensors of the inputs; its output as an object array."""
    import torch

    kind = getattr(torch, dtype)
    args = {k: _wrap(np.asarray(v, dtype=object), kind) for k, v in inputs.items()}
    for k, v in constants.items():
        if isinstance(v, np.ndarray) and v.dtype == object:
            args[k] = _wrap(v, kind)
        elif isinstance(v, Var):
            args[k] = _wrap(np.asarray(v, dtype=object), kind)
        elif isinstance(v, np.ndarray):
            args[k] = torch.as_tensor(v)
        else:
            args[k] = v
    out = fn(**args)  # grad mode as the user has it: under no_grad, modules take fused paths
    if isinstance(out, balls_type()):
        return out.balls
    if isinstance(out, torch.Tensor):  # it does not depend on the inputs
        return _lift(out)
    raise Unsupported(f"the torch case returns a {type(out).__name__}, not a tensor")


@functools.cache
def balls_type():
    """The Balls tensor type (made on first use: importing torch costs seconds)."""
    import torch

    class Balls(torch.Tensor):
        """A tensor whose elements are the oracle's Vars (``balls``, a NumPy array)."""

        balls: np.ndarray

        @staticmethod
        def __new__(cls, balls: np.ndarray, dtype):
            t = torch.Tensor._make_wrapper_subclass(
                cls, balls.shape, dtype=dtype, device="cpu", requires_grad=False
            )
            t.balls = balls
            return t

        __torch_function__ = torch._C._disabled_torch_function_impl

        def __repr__(self):
            return f"Balls({self.balls!r})"

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = func.overloadpacket.__name__
            inplace = name.endswith("_") and not name.endswith("__") and name not in OPS
            impl = OPS.get(name[:-1] if inplace else name)
            if impl is None:
                raise Unsupported(f"the oracle does not cover torch's {func} on its numbers")
            kind = next(a.dtype for a in _flat(args, kwargs) if isinstance(a, Balls))
            out = impl(*_unwrap(args), **_unwrap(kwargs))
            if inplace:
                target = args[0]
                if not isinstance(target, Balls):
                    raise Unsupported(
                        f"torch's in-place {func} writes the oracle's numbers into a plain "
                        "tensor: not covered"
                    )
                target.balls = np.broadcast_to(
                    np.asarray(out, dtype=object), target.balls.shape
                ).copy()
                return target
            return _rewrap(out, kind)

    return Balls


def _flat(args, kwargs):
    for a in (*args, *kwargs.values()):
        if isinstance(a, (list, tuple)):
            yield from a
        else:
            yield a


def _wrap(balls: np.ndarray, kind):
    import torch

    if balls.dtype != object:
        return torch.as_tensor(balls)
    flat = balls.ravel()
    if flat.size and all(isinstance(e, (bool, np.bool_)) for e in flat):
        return torch.as_tensor(balls.astype(bool))
    return balls_type()(balls, kind)


def _rewrap(out, kind):
    if isinstance(out, tuple):
        return tuple(_rewrap(o, kind) for o in out)
    if isinstance(out, list):
        return [_rewrap(o, kind) for o in out]
    if isinstance(out, np.ndarray):
        return _wrap(out, kind)
    if isinstance(out, Var):
        return _wrap(np.asarray(out, dtype=object), kind)
    return out


def _lift(t) -> np.ndarray:
    """A plain tensor's values: floats as constant Vars at their exact values
    (tape.constant), ints and flags as they are."""
    values = t.detach().cpu().resolve_conj().numpy()
    return np.asarray(constant(values), dtype=object) if values.dtype.kind == "f" else values


def _unwrap(x):
    import torch

    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(e) for e in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    if isinstance(x, balls_type()):
        return x.balls
    if isinstance(x, torch.Tensor):
        return _lift(x)
    return x


def _obj(x) -> np.ndarray:
    return np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x


def _each(fn):
    def op(x, *args, **kwargs):
        return np.frompyfunc(lambda e: fn(e, *args, **kwargs), 1, 1)(_obj(x))

    return op


def _axes(x: np.ndarray, dim) -> tuple[int, ...]:
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return tuple(range(x.ndim))
    dims = dim if isinstance(dim, (list, tuple)) else [dim]
    return tuple(sorted(d % max(x.ndim, 1) for d in dims))


def _reduce(x, dim, keepdim, fn):
    """fn over the elements along dims (each output element one fn of a list)."""
    x = _obj(x)
    axes = _axes(x, dim)
    if x.ndim == 0:
        return np.asarray(fn([x[()]]), dtype=object)
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    shape = [x.shape[a] for a in rest]
    flat = moved.reshape(int(np.prod(shape, dtype=int)), -1)
    out = np.empty(len(flat), dtype=object)
    for i, row in enumerate(flat):
        out[i] = fn(list(row))
    out = out.reshape(shape)
    if keepdim:
        for a in axes:
            out = np.expand_dims(out, a)
    return out


def _sum(x, dim=None, keepdim=False, dtype=None):
    return _reduce(x, dim, keepdim, _total)


def _mean(x, dim=None, keepdim=False, dtype=None):
    x = _obj(x)
    count = int(np.prod([x.shape[a] for a in _axes(x, dim)], dtype=int)) if x.ndim else 1
    return _reduce(x, dim, keepdim, lambda row: _total(row) / count)


def _amax(x, dim=(), keepdim=False):
    return _reduce(x, dim, keepdim, lambda row: XP.max(np.asarray(row, dtype=object)))


def _amin(x, dim=(), keepdim=False):
    return _reduce(x, dim, keepdim, lambda row: XP.min(np.asarray(row, dtype=object)))


def _logsumexp(x, dim, keepdim=False):
    return _reduce(x, dim, keepdim, lambda row: XP.logsumexp(np.asarray(row, dtype=object)))


def _softmax(x, dim, half_to_float=False):
    x = _obj(x)
    return _exp(x - _logsumexp(x, dim, keepdim=True))


def _log_softmax(x, dim, half_to_float=False):
    x = _obj(x)
    return x - _logsumexp(x, dim, keepdim=True)


def _exp(x):
    return _each(lambda e: apply("exp", e))(x)


def _layer_norm(x, shape, weight=None, bias=None, eps=1e-5):
    x = _obj(x)
    dims = list(range(x.ndim - len(shape), x.ndim))
    mean = _mean(x, dims, keepdim=True)
    centred = x - mean
    var = _mean(centred * centred, dims, keepdim=True)
    rstd = _each(lambda v: 1 / apply("sqrt", v + eps))(var)
    out = centred * rstd
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out, mean, rstd


def _mse(a, b, reduction=1):
    d = _obj(a) - _obj(b)
    return _reduction(d * d, reduction)


def _reduction(x, reduction):
    if reduction == 0:
        return x
    return _mean(x) if reduction == 1 else _sum(x)


def _nll(x, target, weight=None, reduction=1, ignore_index=-100):
    x = _obj(x)
    target = np.asarray(target)
    if x.ndim == 1:
        x, target = x[None, :], target.reshape(1)
    terms, weights = [], []
    for i, t in enumerate(target.reshape(-1)):
        if t == ignore_index:
            continue
        w = 1 if weight is None else weight[t]
        terms.append(-x[i, t] * w)
        weights.append(w)
    total = _total(terms) if terms else _total([0])
    if reduction == 1:
        out = total / _total(weights) if weight is not None else total / max(len(terms), 1)
    elif reduction == 2:
        out = total
    else:
        raise Unsupported("nll_loss without reduction is not covered on the oracle's numbers")
    return np.asarray(out, dtype=object), np.asarray(
        _total(weights) if weights else 0, dtype=object
    )


def _softplus(x, beta=1, threshold=20):
    def one(e):
        return e if e * beta > threshold else apply("softplus", e * beta) / beta

    return _each(one)(x)


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        k = apply("sqrt", 2 / _pi())

        def one(e):
            return 0.5 * e * (1 + apply("tanh", k * (e + 0.044715 * e**3)))

    else:
        root = apply("sqrt", 2)

        def one(e):
            return 0.5 * e * (1 + apply("erf", e / root))

    return _each(one)(x)


def _pi():
    import mpmath
    from flint import arb

    return Var(arb.pi() if TAPE[-1].exact is arb else +mpmath.pi, math.pi, -1)


def _relu(x):
    return XP.maximum(_obj(x), 0)


def _where(cond, a, b):
    return np.where(np.asarray(cond, dtype=bool), _obj(a), _obj(b))


def _compare(op):
    def fn(a, b):
        out = np.frompyfunc(lambda x, y: bool(op(x, y)), 2, 1)(_obj(a), _obj(b))
        return np.asarray(out, dtype=bool)

    return fn


def _shape(x, size):
    size = list(size)
    if -1 in size:
        known = int(np.prod([s for s in size if s != -1], dtype=int))
        size[size.index(-1)] = _obj(x).size // max(known, 1)
    return size


def _expand(x, size, implicit=False):
    x = _obj(x)
    size = [x.shape[i - (len(size) - x.ndim)] if s == -1 else s for i, s in enumerate(size)]
    return np.broadcast_to(x, size).copy()


def _slice(x, dim=0, start=None, end=None, step=1):
    index = [slice(None)] * _obj(x).ndim
    index[dim] = slice(start, end, step)
    return _obj(x)[tuple(index)]


def _select(x, dim, index):
    return np.take(_obj(x), index, axis=dim)


def _index(x, indices):
    index = tuple(slice(None) if i is None else np.asarray(i) for i in indices)
    return _obj(x)[index]


def _squeeze(x, dim=None):
    x = _obj(x)
    if dim is None:
        return np.squeeze(x)
    dims = [d % max(x.ndim, 1) for d in (dim if isinstance(dim, (list, tuple)) else [dim])]
    return np.squeeze(x, axis=tuple(d for d in dims if x.ndim and x.shape[d] == 1))


def _cat(tensors, dim=0):
    parts = [_obj(t) for t in tensors if _obj(t).size or _obj(t).ndim > 1]
    return np.concatenate(parts, axis=dim)


def _split(x, size, dim=0):
    x = _obj(x)
    cuts = list(range(size, x.shape[dim], size))
    return list(np.split(x, cuts, axis=dim))


def _split_sizes(x, sizes, dim=0):
    return list(np.split(_obj(x), np.cumsum(sizes)[:-1], axis=dim))


def _detach(x):
    return XP.stop_gradient(_obj(x))


def _addmm(bias, a, b, beta=1, alpha=1):
    return beta * _obj(bias) + alpha * (_obj(a) @ _obj(b))


def _norm(x, ord=2, dim=None, keepdim=False, dtype=None):
    x = _obj(x)
    if ord == 2:
        return _each(lambda e: apply("sqrt", e))(_sum(x * x, dim, keepdim))
    if ord == 1:
        return _sum(XP.abs(x), dim, keepdim)
    raise Unsupported(f"vector_norm of order {ord} is not covered on the oracle's numbers")


def _convolution(x, w, bias, stride, padding, dilation, transposed, output_padding, groups):
    x, w = _obj(x), _obj(w)
    if transposed or groups != 1 or x.ndim not in (3, 4):
        raise Unsupported("only plain 1-D and 2-D convolutions are covered on the oracle's numbers")
    d = x.ndim - 2
    pad = [(0, 0), (0, 0), *[(p, p) for p in padding]]
    x = np.pad(x, pad, constant_values=0)
    kernel = w.shape[2:]
    sizes = [
        (x.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(d)
    ]
    out = np.empty((x.shape[0], w.shape[0], *sizes), dtype=object)
    for position in np.ndindex(*sizes):
        window = [slice(None), slice(None)]
        for i, p in enumerate(position):
            start = p * stride[i]
            window.append(slice(start, start + dilation[i] * (kernel[i] - 1) + 1, dilation[i]))
        patch = x[tuple(window)]  # (N, C, *kernel)
        axes = list(range(1, patch.ndim))
        out[(slice(None), slice(None), *position)] = np.tensordot(patch, w, axes=(axes, axes))
    if bias is not None:
        out = out + _obj(bias).reshape((1, -1) + (1,) * d)
    return out


def _batch_norm(x, weight, bias, mean, var, training, momentum=0.1, eps=1e-5):
    """Batch norm: by the batch's statistics when training, else the running ones."""
    x = _obj(x)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        dims = [0, *range(2, x.ndim)]
        mean = _mean(x, dims, keepdim=True)
        var = _mean((x - mean) * (x - mean), dims, keepdim=True)
    else:
        mean, var = _obj(mean).reshape(shape), _obj(var).reshape(shape)
    rstd = _each(lambda v: 1 / apply("sqrt", v + eps))(var)
    out = (x - mean) * rstd
    if weight is not None:
        out = out * _obj(weight).reshape(shape)
    if bias is not None:
        out = out + _obj(bias).reshape(shape)
    return out, np.ravel(mean), np.ravel(rstd)


def _batch_norm_eval(x, weight, bias, mean, var, momentum, eps):
    return _batch_norm(x, weight, bias, mean, var, False, momentum, eps)


def _max_pool2d(x, kernel, stride=(), padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """Max pooling over windows (no padding, no dilation, floor mode), with the indices
    of the maxima in the float program's values."""
    x = _obj(x)
    stride = list(stride) or list(kernel)
    if any(padding) or any(d != 1 for d in dilation) or ceil_mode:
        raise Unsupported("max pooling with padding, dilation or ceil_mode is not covered")
    height, width = x.shape[-2:]
    rows = (height - kernel[0]) // stride[0] + 1
    cols = (width - kernel[1]) // stride[1] + 1
    out = np.empty((*x.shape[:-2], rows, cols), dtype=object)
    where = np.zeros(out.shape, dtype=np.int64)
    for lead in np.ndindex(*x.shape[:-2]):
        for i in range(rows):
            for j in range(cols):
                r0, c0 = i * stride[0], j * stride[1]
                window = x[(*lead, slice(r0, r0 + kernel[0]), slice(c0, c0 + kernel[1]))]
                out[(*lead, i, j)] = XP.max(window)
                k = int(
                    np.argmax([float(e.f) if isinstance(e, Var) else e for e in window.ravel()])
                )
                where[(*lead, i, j)] = (r0 + k // kernel[1]) * width + c0 + k % kernel[1]
    return out, where


def _attention(q, k, v, dropout_p=0.0, is_causal=False, attn_mask=None, scale=None, **kw):
    """softmax(q kᵀ · scale + mask) v, row by row; and each row's logsumexp."""
    q, k, v = _obj(q), _obj(k), _obj(v)
    if dropout_p:
        raise Unsupported("attention with dropout is random: not covered")
    if scale is None:
        scale = 1 / apply("sqrt", q.shape[-1])
    logits = (q @ np.swapaxes(k, -1, -2)) * scale
    if attn_mask is not None:
        mask = np.asarray(attn_mask)
        if mask.dtype == bool:
            raise Unsupported("a boolean attention mask is not covered")
        logits = logits + _obj(attn_mask)
    out = np.empty((*logits.shape[:-1], v.shape[-1]), dtype=object)
    lse = np.empty(logits.shape[:-1], dtype=object)
    for index in np.ndindex(*logits.shape[:-1]):
        row = logits[index]
        allowed = row[: index[-1] + 1] if is_causal else row
        total = XP.logsumexp(allowed)
        weights = np.asarray([apply("exp", e - total) for e in allowed], dtype=object)
        lead = index[:-1]
        out[index] = weights @ v[lead][: len(weights)]
        lse[index] = total
    return out, lse


def _max(x, dim=None, keepdim=False):
    """max of all (a number), or along dim: (values, indices of the float program's)."""
    if dim is None:
        return np.asarray(XP.max(_obj(x)), dtype=object)
    return _along(x, dim, keepdim, XP.max, np.argmax)


def _min(x, dim=None, keepdim=False):
    if dim is None:
        return np.asarray(XP.min(_obj(x)), dtype=object)
    return _along(x, dim, keepdim, XP.min, np.argmin)


def _along(x, dim, keepdim, pick, index):
    x = _obj(x)
    values = _reduce(x, dim, keepdim, lambda row: pick(np.asarray(row, dtype=object)))
    shadows = np.vectorize(lambda e: float(e.f) if isinstance(e, Var) else float(e))(x)
    where = index(shadows, axis=dim)
    return values, np.expand_dims(where, dim) if keepdim else where


def _div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        raise Unsupported(f"division with rounding_mode={rounding_mode!r} has no derivative")
    return _obj(a) / _obj(b)


def _leaky_relu(x, slope=0.01):
    return _each(lambda e: e if e > 0 else slope * e)(x)


def _scalar(x):
    """.item() or bool() of a tensor: a flag may pass (a comparison's), a value may not."""
    value = _obj(x)[()]
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return value
    raise Unsupported(
        "the case turns a tensor into a Python number (.item(), float()): the oracle cannot "
        "follow a value out of the tensor"
    )


def _to(x, *args, **kwargs):
    return _obj(x)


def _full_like(x, value, **kwargs):
    return np.full(_obj(x).shape, value, dtype=object)


def _unary(name):
    return _each(lambda e: apply(name, e))


OPS = {
    # elementwise
    "add": lambda a, b, alpha=1: _obj(a) + alpha * _obj(b) if alpha != 1 else _obj(a) + _obj(b),
    "sub": lambda a, b, alpha=1: _obj(a) - alpha * _obj(b) if alpha != 1 else _obj(a) - _obj(b),
    "rsub": lambda a, b, alpha=1: _obj(b) - alpha * _obj(a),
    "mul": lambda a, b: _obj(a) * _obj(b),
    "div": _div,
    "neg": lambda x: -_obj(x),
    "reciprocal": lambda x: 1 / _obj(x),
    "pow": lambda a, b: _obj(a) ** _obj(b),
    "abs": lambda x: XP.abs(_obj(x)),
    "rsqrt": _each(lambda e: 1 / apply("sqrt", e)),
    "square": lambda x: _obj(x) * _obj(x),
    "maximum": lambda a, b: XP.maximum(_obj(a), _obj(b)),
    "minimum": lambda a, b: XP.minimum(_obj(a), _obj(b)),
    "clamp": lambda x, min=None, max=None: _clamp(x, min, max),
    "clamp_min": lambda x, m: XP.maximum(_obj(x), m),
    "clamp_max": lambda x, m: XP.minimum(_obj(x), m),
    "where": _where,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "gelu": _gelu,
    "silu": _each(lambda e: e * apply("sigmoid", e)),
    "softplus": _softplus,
    "gt": _compare(lambda a, b: a > b),
    "lt": _compare(lambda a, b: a < b),
    "ge": _compare(lambda a, b: a >= b),
    "le": _compare(lambda a, b: a <= b),
    "eq": _compare(lambda a, b: a == b),
    "ne": _compare(lambda a, b: a != b),
    # reductions
    "sum": _sum,
    "mean": _mean,
    "amax": _amax,
    "max": _max,
    "min": _min,
    "amin": _amin,
    "logsumexp": _logsumexp,
    "linalg_vector_norm": _norm,
    "_softmax": _softmax,
    "_log_softmax": _log_softmax,
    "native_layer_norm": _layer_norm,
    "mse_loss": _mse,
    "nll_loss_forward": _nll,
    # linear algebra
    "mm": lambda a, b: _obj(a) @ _obj(b),
    "bmm": lambda a, b: _obj(a) @ _obj(b),
    "mv": lambda a, b: _obj(a) @ _obj(b),
    "dot": lambda a, b: XP.dot(_obj(a), _obj(b)),
    "addmm": _addmm,
    "convolution": _convolution,
    # shapes, views, indexing
    "view": lambda x, size: _obj(x).reshape(_shape(x, size)),
    "_unsafe_view": lambda x, size: _obj(x).reshape(_shape(x, size)),
    "reshape": lambda x, size: _obj(x).reshape(_shape(x, size)),
    "t": lambda x: _obj(x).T,
    "transpose": lambda x, a, b: np.swapaxes(_obj(x), a, b),
    "permute": lambda x, dims: np.transpose(_obj(x), dims),
    "expand": _expand,
    "unsqueeze": lambda x, dim: np.expand_dims(_obj(x), dim % (_obj(x).ndim + 1)),
    "squeeze": _squeeze,
    "select": _select,
    "slice": _slice,
    "index": _index,
    "embedding": lambda weight, indices, *args, **kwargs: _obj(weight)[np.asarray(indices)],
    "cat": _cat,
    "stack": lambda tensors, dim=0: np.stack([_obj(t) for t in tensors], axis=dim),
    "split": _split,
    "split_with_sizes": _split_sizes,
    "unsafe_split": _split,
    "unsafe_split_with_sizes": _split_sizes,
    "native_batch_norm": _batch_norm,
    "_native_batch_norm_legit": _batch_norm,
    "_native_batch_norm_legit_no_training": _batch_norm_eval,
    "max_pool2d_with_indices": _max_pool2d,
    "_scaled_dot_product_flash_attention_for_cpu": _attention,
    "unbind": lambda x, dim=0: [np.take(_obj(x), i, axis=dim) for i in range(_obj(x).shape[dim])],
    "clone": lambda x, memory_format=None: _obj(x).copy(),
    "alias": lambda x: _obj(x),
    "detach": _detach,
    "_to_copy": _to,
    "lift_fresh": lambda x: _obj(x),
    "zeros_like": lambda x, **kw: _full_like(x, 0),
    "ones_like": lambda x, **kw: _full_like(x, 1),
    "full_like": lambda x, value, **kw: _full_like(x, value),
    "fill": lambda x, value: _full_like(x, value),
    "zero": lambda x: _full_like(x, 0),
    "copy": lambda x, src, non_blocking=False: np.broadcast_to(_obj(src), _obj(x).shape).copy(),
    "_local_scalar_dense": _scalar,
    "log2": _each(lambda e: apply("log", e) / apply("log", 2)),
    "log10": _each(lambda e: apply("log", e) / apply("log", 10)),
    "is_nonzero": lambda x: bool(_obj(x)[()]),
}
for _name in "sin cos tan exp log sqrt tanh sinh cosh sigmoid log1p expm1 erf lgamma".split():
    OPS[_name] = _unary(_name)
for _torch, _ours in {
    "atan": "arctan",
    "asin": "arcsin",
    "acos": "arccos",
    "asinh": "arcsinh",
}.items():
    OPS[_torch] = _unary(_ours)


def _clamp(x, lo, hi):
    x = _obj(x)
    if lo is not None:
        x = XP.maximum(x, lo)
    if hi is not None:
        x = XP.minimum(x, hi)
    return x
