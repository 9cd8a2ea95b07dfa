"""A formula typed on the command line, turned into a case without executing anything.

The text is parsed with Python's ``ast`` and checked against a whitelist (numbers, the
declared variables, + - * / ** and unary minus, calls of the documented functions); the
case's function then walks the checked tree with ``xp``, so the same formula runs on
NumPy, torch and SymPy. Nothing is ever ``eval``-ed, not even by SymPy's parser.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import warnings

from diffcompare.errors import UsageError

FUNCTIONS = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "tanh": "tanh",
    "abs": "abs",
    "max": "maximum",
}
# the course's activations and min, written in the vocabulary above (so every backend,
# the oracle and the kink analysis see the formula as if it had been typed out)
COMPOSED = {
    "relu": lambda xp, a: xp.maximum(a, 0),
    "sigmoid": lambda xp, a: 1 / (1 + xp.exp(-a)),
    "softplus": lambda xp, a: xp.log(1 + xp.exp(a)),
    "min": lambda xp, a, b: -xp.maximum(-a, -b),
}
CALLABLE = (*FUNCTIONS, *COMPOSED)
ARITY = {"max": 2, "min": 2}  # the others take one argument
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _refuse(text: str, why: str):
    raise UsageError(f"refused {text!r}: {why}")


def check(text: str, variables: set[str]) -> ast.Expression:
    """The parsed tree, or UsageError naming what is not allowed."""
    if len(text) > 2000:
        _refuse(text[:40] + "…", "longer than 2000 characters")
    try:
        with warnings.catch_warnings():  # a parser's warning (an odd escape) refuses too
            warnings.simplefilter("error")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        _refuse(text, f"not a formula ({exc.msg})")
    except Warning as exc:
        _refuse(text, f"not a formula ({type(exc).__name__}: {exc})")
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINARY:
            continue
        if isinstance(node, (ast.UnaryOp,)) and isinstance(node.op, (ast.USub, ast.UAdd)):
            continue
        if isinstance(node, (ast.USub, ast.UAdd)):
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
                _refuse(text, f"operator {type(node.op).__name__} is not allowed{hint}")
            continue
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float)) or isinstance(node.value, bool):
                _refuse(text, f"only numbers are allowed as constants, not {node.value!r}")
            continue
        if isinstance(node, ast.Name):
            if node.id.startswith("_") or not _NAME.match(node.id):
                _refuse(text, f"name {node.id!r} is not allowed")
            if node.id == "xp":
                _refuse(text, "'xp' is taken (the array namespace); name the variable otherwise")
            if node.id in CALLABLE and id(node) not in called:
                _refuse(text, f"{node.id} is a function: call it, e.g. {node.id}(x)")
            if node.id not in variables and node.id not in CALLABLE and node.id not in CONSTANTS:
                _refuse(
                    text,
                    f"unknown name {node.id!r}; declare it with --at {node.id}=VALUE "
                    f"or use one of: {', '.join(CALLABLE)}",
                )
            continue
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in CALLABLE:
                _refuse(text, "only calls of " + ", ".join(CALLABLE) + " are allowed")
            arity = ARITY.get(node.func.id, 1)
            if (
                node.keywords
                or len(node.args) != arity
                or any(isinstance(a, ast.Starred) for a in node.args)
            ):
                _refuse(text, f"{node.func.id}() takes {arity} plain argument(s)")
            continue
        _refuse(
            text,
            f"{type(node).__name__} is not allowed (only arithmetic and {', '.join(CALLABLE)})",
        )
    return tree


def _evaluate(node, env: dict, xp):
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, env, xp)
    if isinstance(node, ast.Constant):
        # small integers stay exact (x**2); others are floats, so 9**9**9 overflows, not hangs
        v = node.value
        return v if isinstance(v, int) and abs(v) <= 1000 else float(v)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env, xp)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        a, b = _evaluate(node.left, env, xp), _evaluate(node.right, env, xp)
        if isinstance(node.op, ast.Pow) and isinstance(a, int) and isinstance(b, int):
            a = float(a)  # 9**9**9 in floats overflows at once; in ints it runs for hours
        op = type(node.op)
        return {
            ast.Add: lambda: a + b,
            ast.Sub: lambda: a - b,
            ast.Mult: lambda: a * b,
            ast.Div: lambda: a / b,
            ast.Pow: lambda: a**b,
        }[op]()
    if isinstance(node, ast.Call):
        args = [_evaluate(a, env, xp) for a in node.args]
        if node.func.id in COMPOSED:
            return COMPOSED[node.func.id](xp, *args)
        return getattr(xp, FUNCTIONS[node.func.id])(*args)
    raise AssertionError(f"unchecked node {node!r}")  # check() lets nothing else through


def parse_point(spec: str) -> dict[str, float]:
    """'x=1,y=2' -> {'x': 1.0, 'y': 2.0}."""
    point = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name) or name.startswith("_"):
            raise UsageError(f"--at takes name=value pairs, got {part!r}")
        if name in CALLABLE or name in CONSTANTS:
            raise UsageError(f"--at: {name!r} is a function or constant name")
        if name == "xp":
            raise UsageError("--at: 'xp' is taken (the array namespace every case is given)")
        if name in point:
            raise UsageError(f"--at: {name} is given twice")
        try:
            point[name] = float(value)
        except ValueError:
            raise UsageError(f"--at {name}: {value.strip()!r} is not a number") from None
        if not math.isfinite(point[name]):
            raise UsageError(f"--at {name}: {value.strip()!r} is not finite")
    if not point:
        raise UsageError("--at needs at least one name=value")
    return point


def to_case(text: str, point: dict[str, float], name: str = "formula"):
    """A Case (not registered) for the formula at the point; ``name`` its name."""
    from diffcompare.form.registry import make

    tree = check(text, set(point))
    used = (
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(CALLABLE) - set(CONSTANTS)
    )
    names = [v for v in point if v in used] or list(point)

    def formula(xp=None, **values):
        value = _evaluate(tree, values, xp)
        return float(value) if isinstance(value, int) else value  # a constant: f = 2.0

    params = [inspect.Parameter(v, inspect.Parameter.KEYWORD_ONLY) for v in names]
    params.append(inspect.Parameter("xp", inspect.Parameter.KEYWORD_ONLY, default=None))
    formula.__signature__ = inspect.Signature(params)
    formula.__doc__ = text
    return make(name, formula, {v: point[v] for v in names})
