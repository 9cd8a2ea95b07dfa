"""diffcompare sweep step|size|swell|checkers: the studies over step size, problem size and
depth, and of the gradient checkers."""

from __future__ import annotations

import sys

from diffcompare.cli import arguments
from diffcompare.errors import UsageError
from diffcompare.runner.options import resolve


def add(sub) -> None:
    sweep = sub.add_parser("sweep", help="a study over step size, problem size or expression depth")
    kinds = sweep.add_subparsers(dest="study", required=True, parser_class=arguments.Parser)
    step = kinds.add_parser("step", help="error against step h, 1e-1 to 1e-16, beside theory")
    arguments.add_selection(step)
    step.add_argument(
        "--scheme",
        action="append",
        help="fd-forward, fd-central, fd-5point, complex-step (default: all four)",
    )
    step.add_argument("--dtype", action="append", help="float64, float32 (default: both)")
    step.add_argument(
        "--formula", help='a formula typed here instead of cases, e.g. "sin(x)/x" (needs --at)'
    )
    step.add_argument("--at", metavar="NAME=VALUE,...", help="the formula's point, e.g. x=1e-3")
    size = kinds.add_parser("size", help="time and cost ratio against n, per method")
    size.add_argument(
        "--case",
        action="append",
        metavar="NAME",
        help="sized case (default: rosenbrock, sum_of_squares, mlp_loss)",
    )
    size.add_argument(
        "--cases",
        action="append",
        metavar="FILE_OR_MODULE",
        help="load sized cases (@case(sizes=[...])) from a file or module; then those are "
        "studied unless --case names others",
    )
    size.add_argument("--method", action="append", help="methods (default: a few per family)")
    size.add_argument(
        "--sizes", metavar="N,N,...", help="sizes (default: 10,100,1000,10000,100000)"
    )
    size.add_argument("--dtype", default="float64", help="float64 or float32")
    size.add_argument("--device", default="cpu", help="cpu or cuda")
    size.add_argument(
        "--timeout",
        type=arguments.seconds,
        default=10.0,
        help="seconds per cell; past it, that method's larger sizes are skipped (10)",
    )
    size.add_argument("--quick", action="store_true", help="few repeats")
    arguments.add_threads(size)
    second = kinds.add_parser(
        "second",
        help="a Hessian five ways (torch hessian(), n backward passes, vmap of grad, jacfwd "
        "of grad, SymPy) against n, beside the gradient",
    )
    second.add_argument(
        "--case", action="append", metavar="NAME", help="sized scalar case (default: rosenbrock)"
    )
    second.add_argument(
        "--cases", action="append", metavar="FILE_OR_MODULE", help="load sized cases from a file"
    )
    second.add_argument("--sizes", metavar="N,N,...", help="sizes (default: 4,16,64,256)")
    second.add_argument("--dtype", default="float64", help="float64 or float32")
    second.add_argument(
        "--timeout", type=arguments.seconds, default=10.0, help="seconds per cell (10)"
    )
    second.add_argument("--no-sympy", action="store_true", help="leave SymPy's Hessian out")
    second.add_argument("--quick", action="store_true", help="few repeats")
    arguments.add_threads(second)
    kinds.add_parser("swell", help="expression size of f and f' with and without cse")
    checkers = kinds.add_parser(
        "checkers",
        help="which gradient checker catches a wrong derivative: mutants of each case's "
        "derivative through gradcheck, check_grad, check_grads, diffcompare.check and the "
        "Taylor test (default: the seed cases)",
    )
    arguments.add_selection(checkers)
    checkers.add_argument("--dtype", action="append", help="float64, float32 (default: both)")
    checkers.add_argument("--seed", type=int, default=0, help="the mutants' seed (0)")
    for sp in (step, size, second, kinds.choices["swell"], checkers):
        sp.add_argument("--out", default="reports", metavar="DIR", help="output folder")
        arguments.add_lang(sp)


def main(args) -> int:
    from diffcompare.report.files import write_sweep
    from diffcompare.report.tables import sweep_summary
    from diffcompare.runner import lock

    arguments.writable(args.out)
    studies = {
        "step": _step,
        "size": _size,
        "second": _second,
        "swell": _swell,
        "checkers": _checkers,
    }
    with lock.held(args.out):
        result = studies[args.study](args)
        paths = write_sweep(result, args.out, args.lang)
    print(sweep_summary(result))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


def _step(args):
    from diffcompare.sweep import step

    schemes = arguments.csv_list(args.scheme) or list(step.SCHEMES)
    for name in schemes:
        if name not in step.SCHEMES:
            raise UsageError(f"unknown scheme {name!r}; choose from: {', '.join(step.SCHEMES)}")
    dtypes = resolve("dtype", args.dtype) or ["float64", "float32"]
    return step.sweep(_studied(args), schemes, dtypes)


def _families(args, default) -> list:
    """The sized cases a study takes: --case, else those --cases defines, else default."""
    from diffcompare.form import registry

    registry.builtin()
    builtin = set(registry.families())
    arguments.load_cases(args.cases)
    families = registry.families()
    theirs = [name for name in families if name not in builtin]
    if args.cases and not theirs and not args.case:
        raise UsageError(f"{', '.join(args.cases)} defines no sized case (@case(sizes=[...]))")
    chosen = arguments.csv_list(args.case) or theirs or list(default)
    for name in chosen:
        if name not in families:
            raise UsageError(f"no sized case {name!r}; choose from: {', '.join(sorted(families))}")
    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number, got {args.timeout}")
    return [families[n] for n in chosen]


def _size(args):
    from diffcompare import methods
    from diffcompare.methods.autograd import resolve_devices
    from diffcompare.runner.timing import Budget
    from diffcompare.sweep import size

    families = _families(args, size.FAMILIES)
    names = resolve("method", args.method) or list(size.METHODS)
    dtype = resolve("dtype", [args.dtype])[0]
    (device,) = resolve_devices([args.device])
    return size.sweep(
        families,
        _sizes(args.sizes) or size.SIZES,
        [methods.by_name(n).name for n in names],
        dtype,
        device,
        args.timeout,
        Budget.quick() if args.quick else Budget(),
        progress=True,
        threads=arguments.threads(args),
    )


def _second(args):
    from diffcompare.form.problem import output_shape
    from diffcompare.runner.timing import Budget
    from diffcompare.sweep import second

    families = _families(args, ["rosenbrock"])
    for family in families:
        if output_shape(family.at(min(family.sizes))) != ():
            raise UsageError(f"sweep second: {family.name} is not a scalar function")
    return second.sweep(
        families,
        _sizes(args.sizes) or second.SIZES,
        resolve("dtype", [args.dtype])[0],
        args.timeout,
        Budget.quick() if args.quick else Budget(),
        arguments.threads(args),
        sympy=not args.no_sympy,
    )


def _swell(args):
    from diffcompare.sweep import swell

    return swell.sweep()


def _checkers(args):
    from diffcompare import checker_study

    if not args.case and not args.tag and not args.cases:
        args.tag = ["seed"]
    dtypes = resolve("dtype", args.dtype) or ["float64", "float32"]
    return checker_study.sweep(arguments.cases(args), dtypes, args.seed)


def _sizes(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        sizes = tuple(int(v) for v in arguments.csv_list([text]))
    except ValueError:
        raise UsageError(f"--sizes takes whole numbers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise UsageError(f"--sizes must be positive, got {text!r}")
    return sizes


def _studied(args) -> list:
    """What `sweep step` studies: a formula typed here, or cases (default: sin_exp)."""
    if args.formula is None and args.at is None:
        if not args.case and not args.tag and not args.cases:
            args.case = ["sin_exp"]
        return arguments.cases(args)
    if args.formula is None or args.at is None:
        raise UsageError("--formula and --at go together")
    if args.case or args.tag or args.cases:
        raise UsageError("--formula studies the formula alone: drop --case, --tag and --cases")
    from diffcompare.form.formula import parse_point, to_case

    text = " ".join(args.formula.split())
    return [to_case(text, parse_point(args.at), name=text)]  # named by its text: plots apart
