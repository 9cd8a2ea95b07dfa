"""diffcompare quick FORMULA --at x=...: a formula typed on the command line, every method."""

from __future__ import annotations

from diffcompare.cli import arguments
from diffcompare.errors import UsageError
from diffcompare.form.formula import CALLABLE
from diffcompare.runner.options import resolve


def add(sub) -> None:
    quick = sub.add_parser("quick", help='a formula typed here, e.g. quick "sin(x)/x" --at x=1e-8')
    quick.add_argument(
        "formula",
        help="numbers, the variables given to --at, + - * / **, pi, e and calls of "
        + " ".join(CALLABLE),
    )
    quick.add_argument(
        "--at", required=True, metavar="NAME=VALUE,...", help="the point, e.g. x=1,y=2"
    )
    quick.add_argument(
        "--method",
        action="append",
        metavar="NAME",
        help="method name (repeatable, comma-separated, or 'all'; default: the default nine)",
    )
    quick.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="the precision every method works in (default: float64)",
    )
    quick.add_argument(
        "--timeout",
        type=arguments.seconds,
        default=60.0,
        help="seconds each step (reading the formula, the kink search, each method) may "
        "take before it is stopped (60)",
    )
    quick.add_argument(
        "--operator",
        metavar="NAME",
        help="e.g. second_derivative or hessian (default: the first derivative)",
    )


def main(args) -> int:
    import numpy as np

    from diffcompare.deadline import TimedOut, deadline
    from diffcompare.explain import method_table
    from diffcompare.form.formula import parse_point, to_case
    from diffcompare.form.problem import operators_for
    from diffcompare.symbolic import kink

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number, got {args.timeout}")
    methods = arguments.methods(args)
    point = parse_point(args.at)
    try:
        with deadline(args.timeout):
            case = to_case(args.formula, point)  # checked: the text is safe to print as typed
    except TimedOut as exc:
        raise UsageError(f"reading the formula {exc}") from None
    operator = None
    if args.operator is not None:
        (operator,) = resolve("operator", [args.operator])
        available = operators_for(case, ())
        if operator not in available:
            raise UsageError(
                f"--operator {operator} does not apply to f({', '.join(case.wrt)}); "
                f"choose from: {', '.join(available)}"
            )
    # the point as the methods and the oracle see it: rounded to the dtype
    seen = {k: float(np.array(v, dtype=args.dtype)) for k, v in point.items()}
    at = ", ".join(f"{k}={v!r}" for k, v in point.items())
    if seen != point:
        at += f" (in {args.dtype}: {', '.join(f'{k}={v!r}' for k, v in seen.items())})"
    elif args.dtype != "float64":
        at += f" (exact in {args.dtype})"
    print(f"f = {args.formula.strip()}   at {at}")
    unused = [k for k in point if k not in case.wrt]
    if unused:
        print(f"({', '.join(unused)}: not in f, so not differentiated)")
    print()
    # the oracle scores a kink's subdifferential for the full first derivative only
    full_first = operator in (None, "derivative", "gradient")
    try:
        with deadline(args.timeout):
            found = kink.find(case, seen) if full_first else None
    except TimedOut as exc:
        found = None
        print(f"(the search for a kink at this point {exc}: stopped)\n")
    if found:
        print("\n".join(found.lines()) + "\n")
    print(method_table(case, methods, args.dtype, operator, args.timeout))
    return 0
