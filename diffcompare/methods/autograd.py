"""Automatic differentiation with PyTorch: reverse mode (``torch``) and forward mode
(``torch-forward``), on the CPU and, where available, CUDA."""

from __future__ import annotations

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.form.problem import Problem
from diffcompare.form.torch_namespace import TorchNamespace
from diffcompare.methods.method import Prepared
from diffcompare.methods.tolerance import tolerance


def available_devices() -> tuple[str, ...]:
    import torch

    return ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)


def resolve_devices(asked: list[str]) -> list[str]:
    """The devices asked for (default: every available one); UsageError for others."""
    from diffcompare.errors import UsageError

    here = list(available_devices())
    for d in asked:
        if d not in ("cpu", "cuda"):
            raise UsageError(f"unknown device {d!r}; choose from: cpu, cuda")
        if d not in here:
            raise UsageError(f"device {d!r} is not available here; choose from: {', '.join(here)}")
    return asked or here


def _splitter(problem: Problem):
    """Named inputs from theta by one ``Tensor.split``: in reverse mode a single node
    that puts the inputs' gradients side by side (slices cost backward a zero-filled
    gradient of all of theta each)."""
    parts = problem.parts()
    if len(parts) == 1:
        return problem.splitter()
    sizes = [b - a for _, a, b, _ in parts]
    shapes = [(key, None if len(shape) == 1 else shape) for key, _, _, shape in parts]

    def split(t):
        return {
            key: p if shape is None else p.reshape(shape)
            for (key, shape), p in zip(shapes, t.split(sizes))
        }

    return split


class _Torch:
    family = "automatic"
    backend = "torch"
    devices = ("cpu", "cuda")

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance(None, dtype, derivative_order)

    def prepare(self, problem: Problem, device: str) -> Prepared:
        import torch

        if device == "cuda" and not torch.cuda.is_available():
            raise Unsupported("CUDA is not available on this machine")
        dtype = getattr(torch, problem.dtype)

        def tensor(a):
            return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)

        theta = tensor(problem.theta)
        constants = {
            k: tensor(v) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v
            for k, v in problem.constants.items()
        }
        xp = TorchNamespace()
        fn, scalar, split = problem.case.fn, problem.out_shape == (), _splitter(problem)
        flat = () if scalar else (problem.m,)
        Tensor = torch.Tensor

        def G(inputs: dict, leaf):
            out = fn(**inputs, **constants, xp=xp)
            if not isinstance(out, Tensor):
                out = torch.as_tensor(out, dtype=dtype, device=device)
            # an output that does not depend on the input still has a derivative: zero
            if not out.requires_grad and leaf.requires_grad:
                out = out + 0 * leaf.sum()
            # reshaped only where it must be: a same-shape reshape is a node in the graph
            return out if out.shape == flat else out.reshape(flat)

        def F(t):
            return G(split(t), t)

        inputs = [(key, theta[a:b].reshape(shape)) for key, a, b, shape in problem.parts()]

        def by_inputs():
            """The gradient by each differentiated input, a leaf of its own, as a user's
            code takes it: slices of one flat leaf, or a split of it, cost backward 10-30 %
            on the MLP (a zero-filled gradient of theta per slice, a cat for the split).
            A tuple, put side by side in to_numpy, outside the timed region."""
            leaves = {key: v.detach().requires_grad_(True) for key, v in inputs}
            out = G(leaves, next(iter(leaves.values())))
            return torch.autograd.grad(out, tuple(leaves.values()), materialize_grads=True)

        directions = {
            "tangent": tensor(problem.tangent) if problem.tangent is not None else None,
            # shaped as F's output, which is flat: a (3, 2) cotangent against F's (6,)
            # was an error in every vjp of a matrix output
            "cotangent": (
                tensor(problem.cotangent).reshape(() if scalar else (-1,))
                if problem.cotangent is not None
                else None
            ),
        }
        several = len(inputs) > 1
        compute = self.operator(
            problem.operator, F, theta, **directions, by_inputs=by_inputs if several else None
        )
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

        shape = problem.value_shape
        counters: dict = {}

        def call():
            out = compute()
            if not isinstance(out, tuple) and out.shape != shape:
                out = out.reshape(shape)
            sync()  # CUDA kernels are async: sync inside the timed region or we time the launch
            return out

        def to_numpy(out):  # outside the timed region; a wider dtype is the runner's to flag
            if isinstance(out, tuple):  # by input: side by side, as theta holds them
                parts = [g.detach().cpu().numpy(force=True).reshape(-1) for g in out]
                return np.concatenate(parts).reshape(shape)
            return out.detach().cpu().numpy(force=True)

        def primal():
            with torch.no_grad():
                out = F(theta)
            sync()
            return out

        return Prepared(
            call=call,
            to_numpy=to_numpy,
            primal=primal,
            note=self.notes.get(problem.operator, ""),
            counters=counters,
        )


class Reverse(_Torch):
    """Reverse mode: ``torch.autograd`` (the course's ``backward()``)."""

    name = "torch"
    notes = {
        "jvp": "reverse mode: J v by the double-vjp trick",
        "hessian": "reverse-over-reverse",
        "hvp": "reverse-over-reverse",
        "second_derivative": "reverse-over-reverse",
    }

    @staticmethod
    def operator(op, F, theta, tangent, cotangent, by_inputs=None):
        """by_inputs: the gradient by each input (several inputs), else by theta."""
        import torch
        from torch.autograd import functional as AF

        def gradient():
            if by_inputs is not None:
                return by_inputs()
            t = theta.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(F(t), t)
            return g

        def second_derivative():
            t = theta.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(F(t), t, create_graph=True)
            if not g.requires_grad:  # f' does not depend on x: f'' = 0
                return torch.zeros_like(t)
            (h,) = torch.autograd.grad(g, t)
            return h

        return {
            "derivative": gradient,
            "gradient": gradient,
            "second_derivative": second_derivative,
            "jacobian": lambda: AF.jacobian(F, theta),
            "jvp": lambda: AF.jvp(F, theta, tangent)[1],
            "vjp": lambda: AF.vjp(F, theta, cotangent)[1],
            "hessian": lambda: AF.hessian(F, theta),
            "hvp": lambda: AF.vhp(F, theta, tangent)[1],  # H symmetric: v^T H = (H v)^T
        }[op]


def _row_times(u, jac):
    jac = jac.reshape(-1, jac.shape[-1] if jac.ndim else 1)
    return u.reshape(-1).to(jac.dtype) @ jac


class Forward(_Torch):
    """Forward mode: ``torch.func.jvp`` / ``jacfwd``."""

    name = "torch-forward"
    notes = {
        "vjp": "forward mode has no vjp: u^T J from the full Jacobian (N JVPs)",
        "hessian": "forward-over-reverse",
        "hvp": "forward-over-reverse",
        "second_derivative": "forward-over-forward",
    }

    @staticmethod
    def set_up() -> None:
        """A process's first jvp loads torch's decompositions, its first grad transform
        torch._dynamo: about a second together, which no cell's time limit should pay.
        Loading them scripts them with ``torch.jit``, which torch deprecates, and says so
        once per process: a DeprecationWarning in 2.13, a FutureWarning, printed to every
        user, in 2.14. It is torch's own call, with nothing in it for the user to change."""
        import warnings

        import torch
        from torch.func import grad, jvp

        x = torch.zeros(1, dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="`torch.jit.script` is deprecated")
            jvp(grad(lambda t: torch.sin(t).sum()), (x,), (torch.ones_like(x),))

    @staticmethod
    def operator(op, F, theta, tangent, cotangent, by_inputs=None):
        import torch
        from torch.func import grad, jacfwd, jacrev, jvp

        one = torch.ones_like(theta)

        def second_derivative():
            return jvp(lambda t: jvp(F, (t,), (one,))[1], (theta,), (one,))[1]

        return {
            "derivative": lambda: jvp(F, (theta,), (one,))[1],
            "gradient": lambda: jacfwd(F)(theta),
            "jacobian": lambda: jacfwd(F)(theta),
            "jvp": lambda: jvp(F, (theta,), (tangent,))[1],
            "vjp": lambda: _row_times(cotangent, jacfwd(F)(theta)),
            "second_derivative": second_derivative,
            "hessian": lambda: jacfwd(jacrev(F))(theta),
            "hvp": lambda: jvp(grad(F), (theta,), (tangent,))[1],
        }[op]
