"""The packages are the pipeline: imports only point down it, and nothing imports in a circle.

Every ``import`` counts, those inside functions too: a circle through a deferred import is
still a circle a reader has to untangle. docs/architecture.md draws the same layers.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import diffcompare

ROOT = Path(diffcompare.__file__).parent

# the pipeline, in the order data flows: a module may import its own layer and those above
LAYERS = (
    ("errors", "interrupt", "deadline"),
    ("form",),
    ("symbolic",),
    ("methods",),
    ("oracle",),
    ("runner",),
    ("sweep",),
    ("report",),
    ("results",),
    (
        "checker",
        "explain",
        "pytest_plugin",
        "library",
        "bench",
        "taylor",
        "checker_study",
        "lesson",
    ),
    ("cli",),
    ("__init__", "__main__"),
)


def module_name(path: Path) -> str:
    parts = ["diffcompare", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    if module == "diffcompare.__main__":
        top = "__main__"
    return next(i for i, names in enumerate(LAYERS) if top in names)


def imports(module: str) -> set[str]:
    """The diffcompare modules this one imports: ``from pkg import sub`` is the submodule."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports(m) for m in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_pipeline(module):
    upward = [m for m in GRAPH[module] if layer(m) > layer(module)]
    assert upward == [], f"{module} imports from a later stage: {upward}"


def test_no_import_circles():
    """Depth-first search over every module's imports; a back edge is a circle."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    circles = []

    def visit(m, stack):
        state[m] = 1
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                circles.append(" -> ".join(stack[stack.index(n) :] + [n]))
            elif n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])
    assert circles == []


def test_the_layers_name_every_package():
    tops = {m.split(".")[1] for m in MODULES if "." in m} | {"__init__"}
    assert tops == {name for names in LAYERS for name in names}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    """Whatever module a user or a worker process imports first, it imports."""
    code = f"import {module}" if module != "diffcompare.__main__" else "import diffcompare.cli"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=120)


def test_report_imports_neither_torch_nor_sympy():
    code = (
        "import sys, diffcompare.report, diffcompare.runner.result; "
        "print(sorted(m for m in ('torch', 'sympy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
