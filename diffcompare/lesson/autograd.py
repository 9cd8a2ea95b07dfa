"""What autograd sees that values do not, and what it cannot: detach(), control flow,
kinks, math.exp inside a torch function."""

from __future__ import annotations

from diffcompare.lesson.rows import about, per_method, reference, row, shown, value
from diffcompare.lesson.section import Section, Table
from diffcompare.lesson.syllabus import CASES, METHODS


def detach(rows, cases) -> Section:
    (name,) = CASES["detach"]
    fd, torch = row(rows, name, "fd-central"), row(rows, name, "torch")
    values = dict(
        case=name,
        description=about(cases[name]),
        fd=value(fd),
        torch=value(torch),
        reference=reference(rows, name),
        fd_digits=shown(fd),
        torch_digits=shown(torch),
    )
    return Section("detach", values, (per_method("table", rows, name),))


def control(rows, cases) -> Section:
    (name,) = CASES["control"]
    sympy, torch = row(rows, name, "sympy"), row(rows, name, "torch")
    values = dict(
        case=name,
        description=about(cases[name]),
        sympy=sympy.status if sympy else "—",
        sympy_message=(sympy.message[:160] if sympy else "—"),
        torch=shown(torch),
    )
    return Section("control", values, (per_method("table", rows, name),))


def kinks(rows, cases) -> Section:
    names = CASES["kinks"]
    body = []
    for name in names:
        for m in METHODS:
            r = row(rows, name, m)
            if r is not None:
                body.append((name, m, r.status, value(r), "✓" if r.passed else shown(r)))
    interval = {n: about(cases[n]) for n in names}
    values = dict(
        cases=", ".join(names),
        description=" ".join(f"{n}: {d}" for n, d in interval.items()),
        passing=str(sum(1 for b in body if b[-1] == "✓")),
        rows=str(sum(1 for b in body if b[2] == "ok")),
    )
    headers = ("case", "method", "status", "value", "within the subdifferential")
    return Section("kinks", values, (Table("table", headers, tuple(body)),))


def pitfall(rows, cases) -> Section:
    math_case, numpy_case = CASES["pitfall"]
    torch_math, torch_numpy = row(rows, math_case, "torch"), row(rows, numpy_case, "torch")
    values = dict(
        math_case=math_case,
        math_description=about(cases[math_case]),
        numpy_case=numpy_case,
        numpy_description=about(cases[numpy_case]),
        torch_value=value(torch_math),
        reference=reference(rows, math_case),
        reference_kind=torch_math.reference if torch_math else "—",
        torch_digits=shown(torch_math),
        torch_error=(torch_numpy.message[:200] if torch_numpy else "—"),
        central=shown(row(rows, math_case, "fd-central")),
    )
    tables = (
        per_method("math", rows, math_case),
        per_method("numpy", rows, numpy_case),
    )
    return Section("pitfall", values, tables)
