"""Options shared by the command line and the pytest plugin, defined once.

Each option is named here with its help and default; ``resolve`` turns what a user
typed (repeatable, comma-separated, 'all') into validated names, raising
``UsageError`` with the valid choices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diffcompare.errors import UsageError


def _methods() -> list[str]:
    from diffcompare.methods import names

    return names()


def _operators() -> list[str]:
    from diffcompare.form.operator import OPERATORS

    return list(OPERATORS)


def _dtypes() -> list[str]:
    return ["float64", "float32"]


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    choices: Callable[[], list[str]] | None = None
    allows_all: bool = False
    type: type = str


SHARED = (
    Option("method", "method name (repeatable, comma-separated, or 'all')", _methods, True),
    Option("dtype", "float64 or float32 (repeatable)", _dtypes),
    Option(
        "operator",
        "operator name (repeatable, or 'all'; default: the first-order one)",
        _operators,
        True,
    ),
    Option("seed", "seed of the jvp/vjp/hvp directions", type=int),
    Option("step", "finite-difference step, overriding the rules", type=float),
)


def by_name(name: str) -> Option:
    return next(o for o in SHARED if o.name == name)


def add_to_argparse(parser) -> None:
    for o in SHARED:
        if o.choices is None:
            parser.add_argument(f"--{o.name}", type=o.type, help=o.help)
        else:
            parser.add_argument(f"--{o.name}", action="append", metavar="NAME", help=o.help)


def add_to_pytest(group) -> None:
    for o in SHARED:
        group.addoption(
            f"--diffcompare-{o.name}",
            action="append" if o.choices else "store",
            type=None if o.choices else o.type,
            default=None,
            help=f"diffcompare.check: {o.help}",
        )


def resolve(name: str, values) -> list[str]:
    """Validated names from repeatable, comma-separated input; [] when nothing was given."""
    o = by_name(name)
    if isinstance(values, str):
        values = [values]
    asked = [v.strip() for item in values or [] for v in str(item).split(",") if v.strip()]
    valid = o.choices()
    if o.allows_all and "all" in asked:
        return valid
    for v in asked:
        if v not in valid:
            raise UsageError(
                f"unknown {name} {v!r}{suggestion(v, valid)}choose from: {', '.join(valid)}"
            )
    return asked


def suggestion(typed: str, valid) -> str:
    """'; did you mean X? ' for a near miss among the valid names, else '; '."""
    import difflib

    near = difflib.get_close_matches(typed, list(valid), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}? " if near else "; "


def spelled(where: str, **given):
    """The value of an option that has two spellings (``dtype=`` and ``dtypes=``): the one
    given, or None; both given is a UsageError naming them."""
    named = {k: v for k, v in given.items() if v is not None}
    if len(named) > 1:
        raise UsageError(f"{where}: give {' or '.join(named)}, not both")
    return next(iter(named.values()), None)
