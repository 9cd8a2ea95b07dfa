"""diffcompare show CASE: its source, symbolic derivative, torch graph, each method's value."""

from __future__ import annotations

from diffcompare.cli import arguments
from diffcompare.errors import UsageError


def add(sub) -> None:
    show = sub.add_parser(
        "show", help="one case: source, symbolic derivative, torch graph, what each method returns"
    )
    show.add_argument("name", metavar="CASE")
    show.add_argument(
        "--cases",
        action="append",
        metavar="FILE_OR_MODULE",
        help="load cases from a .py file or module (repeatable)",
    )


def main(args) -> int:
    from diffcompare.explain import show
    from diffcompare.form import registry

    registry.builtin()
    arguments.load_cases(args.cases)
    found = registry.select([args.name])
    if len(found) != 1 or found[0].name != args.name:
        near = [c.name for c in registry.all_cases() if args.name.split("_")[0] in c.name][:8]
        raise UsageError(
            f"unknown case {args.name!r}"
            + (f"; did you mean: {', '.join(near)}" if near else "; see diffcompare list")
        )
    print(show(found[0]))
    return 0
