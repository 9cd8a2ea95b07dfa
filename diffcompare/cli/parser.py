"""The command line's parser: each verb adds its own subcommand."""

from __future__ import annotations

import argparse

from diffcompare.cli import compare, lesson, listing, quick, report, run, show, sweep
from diffcompare.cli.arguments import Parser

VERBS = {
    "list": listing,
    "show": show,
    "quick": quick,
    "report": report,
    "compare": compare,
    "sweep": sweep,
    "lesson": lesson,
    "run": run,
}
EXAMPLES = """examples:
  diffcompare run                           the default suite, into reports/
  diffcompare run --quick --case 'rosen*'   a few cases, fast
  diffcompare quick "sin(x)/x" --at x=1e-8  a formula typed here
  diffcompare run --cases my_cases.py       your own functions (README: Your own case)
  diffcompare sweep step --case sinc_near_zero   where finite differences break
  diffcompare lesson --lang zh              the course chapter as a page, in Chinese
  diffcompare COMMAND -h                    each command's options"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("diffcompare")
    except PackageNotFoundError:  # a checkout on sys.path, not installed
        return "(not installed)"


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="diffcompare",
        description="Differentiate each case symbolically (SymPy), numerically (finite "
        "differences, complex step) and automatically (torch), score every answer against a "
        "high-precision oracle, time it, and write tables and plots.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action="version", version=f"diffcompare {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for verb in VERBS.values():
        verb.add(sub)
    return p
