"""diffcompare list: the cases, one line each."""

from __future__ import annotations

from diffcompare.cli import arguments


def add(sub) -> None:
    arguments.add_selection(sub.add_parser("list", help="list the cases"))


def main(args) -> int:
    from diffcompare.explain import catalogue

    print(catalogue(arguments.cases(args)))
    return 0
