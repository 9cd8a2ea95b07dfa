"""The command line: parse, call one library function, print."""

from __future__ import annotations

import argparse
import sys
import traceback

from diffcompare.errors import CaseError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        raise _Usage(message)


class _Usage(Exception):
    pass


def _csv_list(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="diffcompare", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def selection(sp):
        sp.add_argument(
            "--cases",
            action="append",
            metavar="FILE_OR_MODULE",
            help="load cases from a .py file or module (repeatable); then only those run, "
            "unless --builtin",
        )
        sp.add_argument(
            "--builtin", action="store_true", help="with --cases: load the built-in suite too"
        )
        sp.add_argument(
            "--case",
            action="append",
            metavar="PATTERN",
            help="case name or glob (repeatable, or comma-separated)",
        )
        sp.add_argument("--tag", action="append", help="only cases with this tag (repeatable)")

    ls = sub.add_parser("list", help="list the cases")
    selection(ls)

    run = sub.add_parser("run", help="differentiate the cases and write the reports")
    selection(run)
    run.add_argument(
        "--method",
        action="append",
        metavar="NAME",
        help="method name (repeatable, comma-separated, or 'all')",
    )
    run.add_argument("--device", action="append", help="cpu or cuda (default: every available)")
    run.add_argument("--dtype", action="append", help="float64, float32 (default: both)")
    run.add_argument(
        "--operator",
        action="append",
        help="operator name or 'all' (default: each case's first-order operator)",
    )
    run.add_argument("--out", default="reports", metavar="DIR", help="output folder")
    run.add_argument("--quick", action="store_true", help="few repeats: a first look in seconds")
    run.add_argument("--seed", type=int, default=0, help="seed of jvp/vjp/hvp directions")
    run.add_argument("--step", type=float, help="finite-difference step, overriding the rules")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _choose(kind: str, asked: list[str], valid: list[str]) -> list[str]:
    for name in asked:
        if name not in valid:
            raise _Usage(f"unknown {kind} {name!r}; choose from: {', '.join(valid)}")
    return asked


def _cases(args) -> list:
    from diffcompare import registry

    if not args.cases or args.builtin:
        registry.builtin()
    for spec in args.cases or []:
        try:
            registry.load(spec)
        except FileNotFoundError as exc:
            raise _Usage(str(exc)) from None
        except ModuleNotFoundError as exc:
            raise _Usage(f"cannot import cases from {spec!r}: {exc}") from None
    patterns = _csv_list(args.case)
    tags = _csv_list(args.tag)
    _choose("tag", tags, registry.tags())
    chosen = registry.select(patterns, tags)
    if not chosen:
        names = ", ".join(c.name for c in registry.all_cases()[:12])
        raise _Usage(f"no case matches {patterns or tags}; cases include: {names}, …")
    return chosen


def cmd_list(args) -> int:
    from tabulate import tabulate

    from diffcompare.problem import operators_for, output_shape

    body = []
    for c in _cases(args):
        try:
            op = operators_for(c, output_shape(c))[0]
        except Exception as exc:
            op = f"error: {type(exc).__name__}"
        shapes = ", ".join(f"{k}{list(v.shape) if v.ndim else ''}" for k, v in c.inputs.items())
        body.append([c.name, op, shapes, ", ".join(c.wrt), ", ".join(c.tags), c.doc[:70]])
    print(
        tabulate(
            body,
            ["case", "operator", "inputs", "wrt", "tags", "about"],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    return 0


def cmd_run(args) -> int:
    from diffcompare import methods, report
    from diffcompare.methods.autograd import available_devices
    from diffcompare.operator import OPERATORS
    from diffcompare.problem import DTYPES
    from diffcompare.runner import Plan, run
    from diffcompare.timing import Budget

    cases = _cases(args)
    asked = _csv_list(args.method)
    names = (
        methods.names()
        if "all" in asked
        else (_choose("method", asked, methods.names()) if asked else list(methods.DEFAULT))
    )
    devices = _choose("device", _csv_list(args.device), ["cpu", "cuda"]) or list(
        available_devices()
    )
    for d in devices:
        if d not in available_devices():
            raise _Usage(
                f"device {d!r} is not available here; choose from: {', '.join(available_devices())}"
            )
    dtypes = _choose("dtype", _csv_list(args.dtype), list(DTYPES)) or list(DTYPES)
    operators = _csv_list(args.operator)
    operators = (
        list(OPERATORS)
        if "all" in operators
        else (_choose("operator", operators, list(OPERATORS)) or None)
    )
    if args.step is not None and not args.step > 0:
        raise _Usage(f"--step must be a positive number, got {args.step}")
    plan = Plan(
        cases=tuple(cases),
        methods=tuple(methods.by_name(n) for n in names),
        devices=tuple(devices),
        dtypes=tuple(dtypes),
        operators=None if operators is None else tuple(operators),
        budget=Budget.quick() if args.quick else Budget(),
        seed=args.seed,
        step=args.step,
    )
    try:
        from pathlib import Path

        Path(args.out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _Usage(f"cannot write to --out {args.out!r}: {exc.strerror}") from None
    results = run(plan, progress=not args.no_progress)
    paths = report.write(results, args.out)
    print(report.summary(results))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        args = _parser().parse_args(argv)
        return {"list": cmd_list, "run": cmd_run}[args.command](args)
    except (_Usage, CaseError) as exc:
        if debug:
            traceback.print_exc()
        print(f"diffcompare: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("diffcompare: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
