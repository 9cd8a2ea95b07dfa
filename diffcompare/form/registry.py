"""Cases: the ``@case`` decorator, the registry, selection and loading of user files."""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diffcompare import interrupt
from diffcompare.errors import CaseError


@dataclass(frozen=True, eq=False)
class Case:
    """One function to differentiate, at one point."""

    name: str
    fn: Callable
    inputs: Mapping[str, np.ndarray]
    wrt: tuple[str, ...]
    tags: tuple[str, ...] = ()
    reference: Callable | None = None
    subdifferential: Callable | None = None
    doc: str = ""
    source: str = ""
    backend: str = "numpy"  # "torch": written in torch, called through form.bridge
    # the dtypes it runs in: float32 alone for a float32 nn.Module (float64 inputs meet its
    # float32 weights with an error); its first is the one its output is probed in
    runs_in: tuple[str, ...] = ("float64", "float32")

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    @property
    def n(self) -> int:
        """How many numbers are differentiated."""
        return int(sum(self.inputs[k].size for k in self.wrt))

    @property
    def constants(self) -> tuple[str, ...]:
        return tuple(k for k in self.inputs if k not in self.wrt)


@dataclass(frozen=True, eq=False)
class Family:
    """A case defined for every size n (``@case(sizes=...)``): sweeps build it at any n."""

    name: str
    fn: Callable
    inputs: Callable[[int], Mapping]
    sizes: tuple[int, ...]  # the sizes registered in the suite
    wrt: Sequence[str] | None = None
    tags: tuple[str, ...] = ()
    reference: Callable | None = None

    def at(self, n: int) -> Case:
        """The case at size n, validated, not registered."""
        return make(
            f"{self.name}_n{n}", self.fn, self.inputs(n), self.wrt, self.tags, self.reference
        )


_REGISTRY: dict[str, Case] = {}
_SIZED: dict[str, Family] = {}


def case(
    inputs: Mapping | Callable[[int], Mapping],
    *,
    wrt: Sequence[str] | None = None,
    tags: Sequence[str] = (),
    reference: Callable | None = None,
    subdifferential: Callable | None = None,
    sizes: Sequence[int] | None = None,
    name: str | None = None,
    backend: str | None = None,
):
    """Register a function as a case.

    ``inputs`` maps each parameter to its value (floats and float arrays are
    differentiable; ints are constants). The function takes those parameters and
    ``xp``, the array namespace (see ``diffcompare.form.namespace``).

    ``wrt`` names the inputs to differentiate (default: every float input).
    ``reference`` is the exact first derivative, a function of the same inputs, for
    functions SymPy cannot trace; ``subdifferential`` returns ``(lower, upper)``
    bounds: at a kink any value between them is right.
    ``sizes`` turns ``inputs`` into a function of n and registers ``name_n{n}`` for
    each n; the decorator then returns the plain function.
    ``backend="torch"`` says the function is written in torch (torch ops, an nn.Module,
    a custom autograd.Function; ``xp`` is then optional): every method calls it through
    ``diffcompare.form.bridge``. A function without ``xp`` that returns a tensor when
    given tensors is taken as torch code too.
    """

    def register(fn: Callable):
        base = name or fn.__name__
        if sizes is None:
            return _add(make(base, fn, inputs, wrt, tags, reference, subdifferential, backend))
        if not callable(inputs):
            raise CaseError(f"case {base!r}: with sizes=, inputs must be a function of n")
        for n in sizes:
            sized = (*tags, "sized")
            _add(make(f"{base}_n{n}", fn, inputs(n), wrt, sized, reference, None, backend))
        _SIZED[base] = Family(base, fn, inputs, tuple(sizes), wrt, (*tags, "sized"), reference)
        return fn

    return register


def _source(fn: Callable) -> str:
    try:
        return f"{inspect.getsourcefile(fn)}:{inspect.getsourcelines(fn)[1]}"
    except (OSError, TypeError):
        return "<unknown>"


def _as_input(where: str, key: str, value) -> np.ndarray:
    try:
        arr = np.array(value)
    except Exception as exc:
        raise CaseError(f"{where}: input {key!r} is not numeric ({exc})") from None
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise CaseError(
            f"{where}: input {key!r} must be a real number or array, "
            f"got {type(value).__name__} of dtype {arr.dtype}"
        )
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise CaseError(f"{where}: input {key!r} is not finite: {value!r}")
    arr.setflags(write=False)
    return arr


def families() -> dict[str, Family]:
    """The sized cases, by base name."""
    return dict(_SIZED)


def make(
    name, fn, inputs, wrt=None, tags=(), reference=None, subdifferential=None, backend=None
) -> Case:
    """A Case, validated but not registered (for check() and tests)."""
    from diffcompare.form import bridge

    source = _source(fn)
    where = f"case {name!r} ({source})"
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        raise CaseError(f"{where}: a case's name is one line of printable text")
    if not isinstance(inputs, Mapping):
        raise CaseError(f"{where}: inputs must be a dict of name -> value")
    if backend not in (None, "numpy", "torch"):
        raise CaseError(f"{where}: backend must be 'numpy' or 'torch', got {backend!r}")
    params = inspect.signature(fn).parameters
    runs_in = ("float64", "float32")
    if "xp" not in params and backend in (None, "torch"):
        found = bridge.runs_in(fn, inputs)
        if found:
            backend, runs_in = "torch", found
    if "xp" not in params and backend != "torch":
        raise CaseError(
            f"{where}: the function must take an xp= parameter (or be torch code: backend='torch')"
        )
    for key in inputs:
        if key not in params:
            raise CaseError(f"{where}: input {key!r} is not a parameter of {fn.__name__}()")
    for key, p in params.items():
        if key != "xp" and key not in inputs and p.default is inspect.Parameter.empty:
            raise CaseError(f"{where}: parameter {key!r} has no value in inputs")
    values = {k: _as_input(where, k, v) for k, v in inputs.items()}
    floats = tuple(k for k, v in values.items() if v.dtype.kind == "f")
    chosen = floats if wrt is None else tuple(wrt)
    for key in set(chosen):
        if chosen.count(key) > 1:
            raise CaseError(f"{where}: wrt names {key!r} twice")
    for key in chosen:
        if key not in values:
            raise CaseError(f"{where}: wrt names {key!r}, which is not an input")
        if values[key].dtype.kind != "f":
            raise CaseError(f"{where}: wrt input {key!r} is not a float")
    if not chosen:
        ints = [k for k, v in values.items() if v.dtype.kind in "iu"]
        hint = f"; {ints[0]} is an integer: give it as a float (2.0, not 2)" if ints else ""
        raise CaseError(f"{where}: nothing to differentiate (no float inputs){hint}")
    if sum(values[k].size for k in chosen) == 0:
        raise CaseError(f"{where}: nothing to differentiate ({', '.join(chosen)}: no entries)")
    doc = inspect.cleandoc(fn.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    new = Case(
        name=name,
        fn=bridge.bridge(fn) if backend == "torch" else fn,
        backend=backend or "numpy",
        inputs=values,
        wrt=chosen,
        tags=tuple(tags),
        reference=reference,
        subdifferential=subdifferential,
        doc=doc,
        source=source,
        runs_in=runs_in,
    )
    return new  # reference=, a function like the case, is checked where cells run (bounded)


def _add(new: Case) -> Case:
    old = _REGISTRY.get(new.name)
    # the same definition imported twice (a file loaded by path and by name) is one case
    if old is not None and old.source != new.source:
        raise CaseError(
            f"case {new.name!r} ({new.source}): duplicate name, already defined at {old.source}"
        )
    _REGISTRY[new.name] = new
    return new


def unregister(name: str) -> None:
    """Forget a case; a name that is no case but a sized family's base forgets the family
    and its sized cases. A case named like a family (a user's ``rosenbrock`` beside the
    built-in sizes) leaves the family alone."""
    if _REGISTRY.pop(name, None) is not None:
        return
    family = _SIZED.pop(name, None)
    for n in family.sizes if family else ():
        _REGISTRY.pop(f"{name}_n{n}", None)


# built-in themes left out of the default run, each loaded by its tag (--tag gradbench)
THEMES = {"gradbench": "diffcompare_cases.gradbench"}


def builtin() -> None:
    """Import the built-in suite (registers its cases)."""
    importlib.import_module("diffcompare_cases")


def load(spec: str) -> None:
    """Import a case file (a path ending in .py) or a module name; its @case calls register."""
    path = Path(spec)
    if spec.endswith(".py") or path.exists():
        if not path.is_file():
            raise FileNotFoundError(f"case file not found: {spec}")
        mod_name = "diffcompare_user_" + str(abs(hash(str(path.resolve()))))
        if mod_name in sys.modules:
            return
        loader_spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[mod_name] = module
        try:
            with interrupt.watching():  # the user's Ctrl-C, told from the file's own
                loader_spec.loader.exec_module(module)
        except (CaseError, ModuleNotFoundError):  # each names what is wrong already
            del sys.modules[mod_name]
            raise
        except Exception as exc:  # a typo in the file: where, and what, in one line
            del sys.modules[mod_name]
            what = exc.msg if isinstance(exc, SyntaxError) else exc
            raise CaseError(
                f"cannot load cases from {spec}{_line_in(exc, path)}: {type(exc).__name__}: {what}"
            ) from exc
        except BaseException as exc:  # SystemExit, a KeyboardInterrupt the file raises
            del sys.modules[mod_name]
            if interrupt.by_user(exc) or not isinstance(exc, (SystemExit, KeyboardInterrupt)):
                raise  # the user's Ctrl-C; a time limit
            what = f"sys.exit({exc.code!r})" if isinstance(exc, SystemExit) else repr(exc)
            raise CaseError(
                f"cannot load cases from {spec}{_line_in(exc, path)}: it raises {what} at import"
            ) from None
    else:
        importlib.import_module(spec)


def _line_in(exc: Exception, path: Path) -> str:
    """':12', the line of the case file the exception came from ('' if none)."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f":{exc.lineno}"
    here = str(path.resolve())
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == here]
    return f":{frames[-1].lineno}" if frames else ""


def get(name: str) -> Case:
    """The registered case of this name (KeyError if none)."""
    return _REGISTRY[name]


def all_cases() -> list[Case]:
    return sorted(_REGISTRY.values(), key=lambda c: c.name)


def tags() -> list[str]:
    return sorted({t for c in _REGISTRY.values() for t in c.tags})


def select(patterns: Sequence[str] = (), tags: Sequence[str] = ()) -> list[Case]:
    """Cases whose name matches any pattern (exact or glob) and that carry every tag."""
    chosen = []
    for c in all_cases():
        if patterns and not any(p == c.name or fnmatch.fnmatchcase(c.name, p) for p in patterns):
            continue
        if not all(t in c.tags for t in tags):
            continue
        chosen.append(c)
    return chosen
