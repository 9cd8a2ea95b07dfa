"""What `show` and `quick` print: source, symbolic derivative, torch's graph, a method table."""

from __future__ import annotations

import inspect
import re
import textwrap

import numpy as np
from tabulate import tabulate

from diffcompare.deadline import TimedOut, deadline, passes
from diffcompare.errors import CaseError
from diffcompare.form.problem import bind, operators_for, output_shape
from diffcompare.form.registry import Case
from diffcompare.methods import DEFAULT, by_name
from diffcompare.report import tables
from diffcompare.runner.executor import DEFAULT_TIMEOUT_S, InProcess
from diffcompare.runner.plan import Plan, pairs
from diffcompare.runner.timing import Budget

GROUPS = ("seed", "ml", "optimisation", "hard")  # listed first, in this order
MAX_ENTRIES = 6  # derivative entries printed in full; the rest are counted
MAX_NODES = 60
NOTE_WIDTH = 56  # a method's note, wrapped to lines of this width
SHAPE_LIMIT_S = 10.0  # `list` calls each case once, for its output's shape


def catalogue(cases) -> str:
    """The cases grouped by tag, with operator, inputs and description (`diffcompare list`)."""
    groups: dict[str, list] = {}
    for c in cases:
        try:
            with deadline(SHAPE_LIMIT_S):  # a case that never returns must not stop the list
                op = operators_for(c, output_shape(c))[0]
        except TimedOut:
            op = f"timeout: over {SHAPE_LIMIT_S:g} s"
        except BaseException as exc:  # whatever the case raises (SystemExit too) is its line's
            if passes(exc):
                raise
            op = f"error: {type(exc).__name__}"
        shapes = ", ".join(f"{k}{list(v.shape) if v.ndim else ''}" for k, v in c.inputs.items())
        group = next((g for g in GROUPS if g in c.tags), (c.tags or ("other",))[0])
        groups.setdefault(group, []).append(
            [c.name, op, shapes, ", ".join(c.wrt), ", ".join(c.tags), c.doc[:70]]
        )
    order = [g for g in GROUPS if g in groups] + sorted(set(groups) - set(GROUPS))
    parts = [f"{sum(len(v) for v in groups.values())} cases"]
    for g in order:
        table = tables.table(groups[g], ["case", "operator", "inputs", "wrt", "tags", "about"])
        parts.append(f"## {g} ({len(groups[g])} cases)\n\n{table}")
    return "\n\n".join(parts)


def source(case: Case) -> str:
    try:
        return inspect.getsource(case.fn)
    except (OSError, TypeError):
        return case.doc or "(source not available)"


def symbolic(case: Case) -> str:
    """The SymPy derivative, pretty-printed, then after common-subexpression elimination."""
    import sympy

    from diffcompare.errors import Unsupported
    from diffcompare.symbolic.expression import derive

    op = operators_for(case, output_shape(case))[0]
    try:
        d = derive(case, op)
    except Unsupported as exc:
        return f"SymPy: unsupported ({exc})"
    lines = [f"{op} ({len(d.entries)} nonzero entries, {d.ops_count} operations):"]
    for index, expr in d.entries[:MAX_ENTRIES]:
        label = f"[{', '.join(map(str, index))}]" if index else ""
        lines.append(f"\n  d{label} =\n" + _indent(sympy.pretty(expr, use_unicode=True)))
    if len(d.entries) > MAX_ENTRIES:
        lines.append(f"\n  … and {len(d.entries) - MAX_ENTRIES} more entries")
    replacements, reduced = sympy.cse([e for _, e in d.entries[:MAX_ENTRIES]])
    lines.append("\nafter cse:")
    for sym, expr in replacements:
        lines.append(f"  {sym} = {sympy.sstr(expr)}")
    for (index, _), expr in zip(d.entries[:MAX_ENTRIES], reduced):
        label = f"[{', '.join(map(str, index))}]" if index else ""
        lines.append(f"  d{label} = {sympy.sstr(expr)}")
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def torch_graph(case: Case) -> str:
    """The chain of grad_fn nodes torch recorded for the output, as the course draws it."""
    import torch

    from diffcompare.form.torch_namespace import TorchNamespace

    named = {}
    for k, v in case.inputs.items():
        t = torch.tensor(np.asarray(v), dtype=torch.float64 if v.dtype.kind == "f" else None)
        if k in case.wrt:
            t.requires_grad_(True)
        named[k] = t if v.ndim or v.dtype.kind == "f" else v.item()
    out = case.fn(**named, xp=TorchNamespace())
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        return "torch recorded no graph: the output does not depend on the inputs"
    leaf_names = {id(t): k for k, t in named.items() if isinstance(t, torch.Tensor)}
    lines: list[str] = []
    seen: set = set()

    def walk(fn, prefix: str, last: bool, root: bool = False):
        if len(lines) >= MAX_NODES:
            return
        name = type(fn).__name__
        if name == "AccumulateGrad":
            name += f" ({leaf_names.get(id(fn.variable), 'leaf')})"
        branch = "" if root else ("└─ " if last else "├─ ")
        again = id(fn) in seen
        lines.append(prefix + branch + name + (" (shared, shown above)" if again else ""))
        if again:
            return
        seen.add(id(fn))
        children = [f for f, _ in fn.next_functions if f is not None]
        child_prefix = prefix + ("" if root else ("   " if last else "│  "))
        for i, child in enumerate(children):
            walk(child, child_prefix, i == len(children) - 1)

    walk(out.grad_fn, "", True, root=True)
    if len(lines) >= MAX_NODES:
        lines.append(f"… (first {MAX_NODES} nodes)")
    return "\n".join(lines)


def _numbers(v, precision: int) -> str:
    flat = np.asarray(v, dtype=np.float64)
    flat = flat.reshape(()) if flat.size == 1 else flat  # a bound given as (x,) is x
    text = np.array2string(
        flat, precision=precision, threshold=6, separator=", ", max_line_width=10**6
    ).replace("\n", "")  # a matrix on one line: [[0., 1.], [1., 0.]]
    return re.sub(r"(?<=\[) +|(?<=, ) +| +(?=[,\]])", "", text)  # numpy's column padding


def method_table(
    case: Case,
    methods=DEFAULT,
    dtype: str = "float64",
    operator: str | None = None,
    timeout: float | None = None,
) -> str:
    """What each method returns at the case's point, against the oracle (the case's
    first-order operator unless one is named). The oracle's note (a kink, no reference)
    heads the table once rather than ending every row."""
    plan = Plan(
        (case,),
        tuple(by_name(m) for m in methods),
        dtypes=(dtype,),
        operators=None if operator is None else (operator,),
        budget=Budget.quick(),
    )
    header = ""
    # each cell under a time limit (the default's read now, not at import): a case that
    # never returns gives timeout rows
    worker = InProcess(plan, timeout or DEFAULT_TIMEOUT_S)
    rows, found = worker.problems(case)
    for op, _ in found:  # one: the case's first operator, in dtype
        worker.reference(case, op, dtype)
        ref, note = worker.references[(case.name, op, dtype)]
        header = _direction(worker.found[(case.name, op, dtype)]) + _oracle(ref, note)
        worker.references[(case.name, op, dtype)] = (ref, "")  # said once, in the header
        rows += [worker.cell(case, op, dtype, m, d) for m, d in pairs(plan)]
    body = [
        [
            r.method,
            r.family,
            r.status,
            "—" if r.value is None else _numbers(r.value, 12),
            tables.digits(r) + (" ✓" if r.verdict == "pass" else "") if r.status == "ok" else "—",
            tables.clipped(r.message, NOTE_WIDTH),
        ]
        for r in rows
    ]
    table = tabulate(
        body,
        ["method", "family", "status", "value", "digits", "note"],
        tablefmt="github",
        disable_numparse=True,
        maxcolwidths=[None] * 5 + [NOTE_WIDTH],  # a note wraps: its end is often the why
    )
    present = [m for m in tables.MEANINGS if any(m in r[4] for r in body)]
    said = "; ".join(f"{m} = {tables.MEANINGS[m]}" for m in present)
    legend = "\n\n" + textwrap.fill(said, 100) if said else ""
    return f"{header}{table}{legend}"


def _direction(problem) -> str:
    """The seeded direction of a jvp, hvp or vjp: without it its value means nothing."""
    if problem.tangent is not None:
        return (
            f"{problem.operator} along v = {_numbers(problem.tangent, 6)} (seed {problem.seed})\n"
        )
    if problem.cotangent is not None:
        return f"vjp with u = {_numbers(problem.cotangent, 6)} (seed {problem.seed})\n"
    return ""


def _oracle(ref, note: str) -> str:
    """The table's head: what the methods are scored against, and why."""
    if ref is None:
        return f"oracle: {note}\n\n"  # "no reference: why"
    if ref.kind != "subdifferential":
        said = f"\n{note}" if note else ""
        return f"oracle ({ref.kind}): {_numbers(ref.hi, 16)}{said}\n\n"
    if ref.vertices is not None:
        region = "every value in the convex hull of " + ", ".join(
            _numbers(v, 16) for v in ref.vertices
        )
    else:
        region = f"every value in {_box(ref.hi, ref.upper)}"
    return f"oracle (subdifferential): {region}\n\n"


def _box(lower: np.ndarray, upper: np.ndarray) -> str:
    """[-1.0, 1.0] × {0.5} × …: an interval per entry, a set where it is one value."""
    pairs = list(zip(np.ravel(lower).tolist(), np.ravel(upper).tolist()))
    shown = [f"[{lo!r}, {hi!r}]" if lo != hi else f"{{{lo!r}}}" for lo, hi in pairs[:MAX_ENTRIES]]
    more = len(pairs) - MAX_ENTRIES
    return " × ".join(shown) + (f" × … ({more} more)" if more > 0 else "")


def _within(section, case: Case) -> str:
    """A section of `show`, or why it stopped: a case that never returns stops no more."""
    try:
        with deadline(DEFAULT_TIMEOUT_S):
            return section(case)
    except TimedOut as exc:
        return f"(stopped: it {exc})"


def show(case: Case) -> str:
    try:
        with deadline(DEFAULT_TIMEOUT_S):
            out_shape = output_shape(case)
    except TimedOut as exc:
        raise CaseError(f"case {case.name!r}: calling it {exc}") from None
    op = operators_for(case, out_shape)[0]
    problem = bind(case, op, "float64", out_shape)
    point = ", ".join(f"{k}={_numbers(v, 8)}" for k, v in case.inputs.items())
    return (
        "\n\n".join(
            [
                f"# {case.name}: {case.doc}",
                f"tags: {', '.join(case.tags)} · {op} with respect to {', '.join(case.wrt)} "
                f"(n = {problem.n}) · at {point}",
                "## Source\n\n" + source(case).rstrip(),
                "## Symbolic derivative (SymPy)\n\n" + _within(symbolic, case),
                "## The graph torch recorded (grad_fn chain, output first)\n\n"
                + _within(torch_graph, case),
                "## Each method at this point\n\n" + method_table(case),
            ]
        )
        + "\n"
    )
