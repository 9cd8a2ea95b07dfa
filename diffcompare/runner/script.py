"""The script that calls the runner: one that starts worker processes from its top level
without ``if __name__ == "__main__":`` runs again in each of them (spawned workers import
it), each dying in turn. Said at once, in one line."""

from __future__ import annotations

import ast
from pathlib import Path

from diffcompare.errors import UsageError


def guarded(caller) -> None:
    """A script that calls run() at its top level, outside ``if __name__ == "__main__":``,
    would run again in every worker process (they import it), each dying in turn: say so
    at once, in one line."""
    if caller.f_globals.get("__name__") != "__main__" or caller.f_code.co_name != "<module>":
        return
    try:
        tree = ast.parse(Path(caller.f_code.co_filename).read_text())
    except (OSError, SyntaxError, ValueError):  # an interactive session, a notebook
        return
    line = caller.f_lineno
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test):
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                return
    raise UsageError(
        f"run() at line {line} of {caller.f_code.co_filename} is outside "
        'if __name__ == "__main__": (worker processes import the script again); put it there, '
        "or pass isolation='none'"
    )


def _is_main_test(test) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )
