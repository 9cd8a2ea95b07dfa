"""The command line: parse, call one library function, print."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from diffcompare.errors import CaseError
from diffcompare.formula import CALLABLE
from diffcompare.options import UsageError, add_to_argparse, resolve

QUICK_MAX_N = 100
EXAMPLES = """examples:
  diffcompare run                           the default suite, into reports/
  diffcompare run --quick --case 'rosen*'   a few cases, fast
  diffcompare quick "sin(x)/x" --at x=1e-8  a formula typed here
  diffcompare run --cases my_cases.py       your own functions (README: Your own case)
  diffcompare sweep step --case sinc_near_zero   where finite differences break
  diffcompare COMMAND -h                    each command's options"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2 (argparse would print the usage too)
        raise UsageError(message)


def _csv_list(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="diffcompare",
        description="Differentiate each case symbolically (SymPy), numerically (finite "
        "differences, complex step) and automatically (torch), score every answer against a "
        "high-precision oracle, time it, and write tables and plots.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def selection(sp):
        sp.add_argument(
            "--cases",
            action="append",
            metavar="FILE_OR_MODULE",
            help="load cases from a .py file or module (repeatable); "
            "then only those run, unless --builtin",
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

    selection(sub.add_parser("list", help="list the cases"))

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
        "--operator",
        metavar="NAME",
        help="e.g. second_derivative or hessian (default: the first derivative)",
    )

    rep = sub.add_parser("report", help="redraw the reports from a saved results.json")
    rep.add_argument("results", metavar="RESULTS.json", help="a results.json or a run's folder")
    rep.add_argument("--out", metavar="DIR", help="output folder (default: beside the file)")

    cmp_ = sub.add_parser(
        "compare",
        help="what changed between two results files; "
        "exit 1 when a row lost digits beyond --threshold",
    )
    cmp_.add_argument("old", metavar="OLD.json")
    cmp_.add_argument("new", metavar="NEW.json")
    cmp_.add_argument(
        "--threshold",
        type=float,
        default=1.0,
        help="digits a row may lose before it counts as a regression (1.0)",
    )
    cmp_.add_argument("--all", action="store_true", help="list every row, not only changes")

    sweep = sub.add_parser("sweep", help="a study over step size, problem size or expression depth")
    kinds = sweep.add_subparsers(dest="study", required=True, parser_class=_Parser)
    step = kinds.add_parser("step", help="error against step h, 1e-1 to 1e-16, beside theory")
    selection(step)
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
    size.add_argument("--method", action="append", help="methods (default: a few per family)")
    size.add_argument(
        "--sizes", metavar="N,N,...", help="sizes (default: 10,100,1000,10000,100000)"
    )
    size.add_argument("--dtype", default="float64", help="float64 or float32")
    size.add_argument("--device", default="cpu", help="cpu or cuda")
    size.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds per cell; past it, that method's larger sizes are skipped (10)",
    )
    size.add_argument("--quick", action="store_true", help="few repeats")
    kinds.add_parser("swell", help="expression size of f and f' with and without cse")
    for sp in (step, size, kinds.choices["swell"]):
        sp.add_argument("--out", default="reports", metavar="DIR", help="output folder")

    run = sub.add_parser("run", help="differentiate the cases and write the reports")
    selection(run)
    add_to_argparse(run)
    run.add_argument("--device", action="append", help="cpu or cuda (default: every available)")
    run.add_argument("--out", default="reports", metavar="DIR", help="output folder")
    run.add_argument(
        "--quick",
        action="store_true",
        help=f"a first look in seconds: few repeats, and the seed cases up to "
        f"n = {QUICK_MAX_N} in float64, unless --case/--tag/--cases/--dtype say otherwise",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds a cell may take before it becomes a 'timeout' row (60)",
    )
    run.add_argument(
        "--memory-limit",
        type=int,
        default=4096,
        metavar="MiB",
        help="memory the cells may take in the worker process, above what its imports hold (4096)",
    )
    run.add_argument(
        "--isolation",
        choices=("process", "none"),
        help="run cells in a worker process (the default, but for --quick) or in this one "
        "(no memory limit; time limits stop Python code only)",
    )
    run.add_argument(
        "--resume",
        metavar="DIR",
        help="finish the run in DIR (killed or interrupted): its finished rows are kept",
    )
    return p


def _load_cases(specs: list[str] | None) -> None:
    """The --cases files and modules, each error one line (CaseError names the line)."""
    from diffcompare import registry

    for spec in specs or []:
        try:
            registry.load(spec)
        except FileNotFoundError as exc:
            raise UsageError(str(exc)) from None
        except ModuleNotFoundError as exc:
            raise UsageError(f"cannot import cases from {spec!r}: {exc}") from None


def _cases(args) -> list:
    from diffcompare import registry

    if not args.cases or args.builtin:
        registry.builtin()
    _load_cases(args.cases)
    patterns, tags = _csv_list(args.case), _csv_list(args.tag)
    for t in tags:
        if t not in registry.tags():
            raise UsageError(f"unknown tag {t!r}; choose from: {', '.join(registry.tags())}")
    chosen = registry.select(patterns, tags)
    if not chosen:
        names = ", ".join(c.name for c in registry.all_cases()[:12])
        raise UsageError(f"no case matches {patterns or tags}; cases include: {names}, …")
    return chosen


def cmd_list(args) -> int:
    from diffcompare.explain import catalogue

    print(catalogue(_cases(args)))
    return 0


def cmd_show(args) -> int:
    from diffcompare import registry
    from diffcompare.explain import show

    registry.builtin()
    _load_cases(args.cases)
    found = registry.select([args.name])
    if len(found) != 1 or found[0].name != args.name:
        near = [c.name for c in registry.all_cases() if args.name.split("_")[0] in c.name][:8]
        raise UsageError(
            f"unknown case {args.name!r}"
            + (f"; did you mean: {', '.join(near)}" if near else "; see diffcompare list")
        )
    print(show(found[0]))
    return 0


def cmd_quick(args) -> int:
    import numpy as np

    from diffcompare import kink
    from diffcompare.explain import method_table
    from diffcompare.formula import parse_point, to_case
    from diffcompare.problem import operators_for

    methods = _methods(args)
    point = parse_point(args.at)
    case = to_case(args.formula, point)  # checked: the text is safe to print as typed
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
    found = kink.find(case, seen) if full_first else None
    if found:
        print("\n".join(found.lines()) + "\n")
    print(method_table(case, methods, args.dtype, operator))
    return 0


def _load(path: str):
    """A results.json, or the folder of a run that holds one."""
    from diffcompare.result import Results

    if Path(path).is_dir():
        path = str(Path(path) / "results.json")
    try:
        return Results.load(path)
    except FileNotFoundError:
        raise UsageError(f"results file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a diffcompare results file ({exc})") from None


def cmd_report(args) -> int:
    from diffcompare import report

    results = _load(args.results)
    given = Path(args.results)
    out = Path(args.out) if args.out else given if given.is_dir() else given.parent
    paths = report.write(results, out)
    print(report.summary(results))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


def cmd_compare(args) -> int:
    from diffcompare.report.comparison import compare

    if not args.threshold >= 0:
        raise UsageError(f"--threshold must be a non-negative number, got {args.threshold}")
    text, regressed = compare(_load(args.old), _load(args.new), args.threshold, args.all)
    print(text)
    return 1 if regressed else 0


def _writable(out: str) -> None:
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out!r}: {exc.strerror}") from None


def _sizes(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        sizes = tuple(int(v) for v in _csv_list([text]))
    except ValueError:
        raise UsageError(f"--sizes takes whole numbers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise UsageError(f"--sizes must be positive, got {text!r}")
    return sizes


def cmd_sweep(args) -> int:
    from diffcompare import methods, registry
    from diffcompare.report.files import write_sweep
    from diffcompare.report.tables import sweep_summary

    _writable(args.out)
    if args.study == "step":
        from diffcompare.sweep import step

        schemes = _csv_list(args.scheme) or list(step.SCHEMES)
        for name in schemes:
            if name not in step.SCHEMES:
                raise UsageError(f"unknown scheme {name!r}; choose from: {', '.join(step.SCHEMES)}")
        dtypes = resolve("dtype", args.dtype) or ["float64", "float32"]
        result = step.sweep(_studied(args), schemes, dtypes)
    elif args.study == "size":
        from diffcompare.methods.autograd import resolve_devices
        from diffcompare.sweep import size
        from diffcompare.timing import Budget

        registry.builtin()
        families = registry.families()
        chosen = _csv_list(args.case) or list(size.FAMILIES)
        for name in chosen:
            if name not in families:
                raise UsageError(
                    f"no sized case {name!r}; choose from: {', '.join(sorted(families))}"
                )
        names = resolve("method", args.method) or list(size.METHODS)
        dtype = resolve("dtype", [args.dtype])[0]
        (device,) = resolve_devices([args.device])
        if not args.timeout > 0:
            raise UsageError(f"--timeout must be a positive number, got {args.timeout}")
        result = size.sweep(
            [families[n] for n in chosen],
            _sizes(args.sizes) or size.SIZES,
            [methods.by_name(n).name for n in names],
            dtype,
            device,
            args.timeout,
            Budget.quick() if args.quick else Budget(),
            progress=True,
        )
    else:
        from diffcompare.sweep import swell

        result = swell.sweep()
    paths = write_sweep(result, args.out)
    print(sweep_summary(result))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


def _studied(args) -> list:
    """What `sweep step` studies: a formula typed here, or cases (default: sin_exp)."""
    if args.formula is None and args.at is None:
        if not args.case and not args.tag and not args.cases:
            args.case = ["sin_exp"]
        return _cases(args)
    if args.formula is None or args.at is None:
        raise UsageError("--formula and --at go together")
    if args.case or args.tag or args.cases:
        raise UsageError("--formula studies the formula alone: drop --case, --tag and --cases")
    from diffcompare.formula import parse_point, to_case

    return [to_case(args.formula, parse_point(args.at))]


RUN_ARGS = "run.json"  # the arguments of a run, kept in its folder for --resume


def _resumed(args) -> argparse.Namespace:
    """--resume DIR: the arguments the run in DIR was started with."""
    folder = Path(args.resume)
    try:
        saved = json.loads((folder / RUN_ARGS).read_text())
    except FileNotFoundError:
        raise UsageError(
            f"--resume: {folder} holds no interrupted run ({RUN_ARGS} missing)"
        ) from None
    except ValueError as exc:
        raise UsageError(f"--resume: {folder / RUN_ARGS} is damaged ({exc})") from None
    again = _parser().parse_args(["run", *saved])
    again.resume, again.out, again.argv = str(folder), str(folder), saved
    again.no_progress = args.no_progress or again.no_progress
    return again


def _methods(args) -> tuple[str, ...]:
    from diffcompare import methods

    return tuple(resolve("method", args.method) or methods.DEFAULT)


def cmd_run(args) -> int:
    from diffcompare.worker import Isolated, Sources

    if args.resume:
        args = _resumed(args)
    for name, value in (("--step", args.step), ("--timeout", args.timeout)):
        if value is not None and not value > 0:
            raise UsageError(f"{name} must be a positive number, got {value}")
    if args.memory_limit is not None and args.memory_limit < 256:
        raise UsageError(f"--memory-limit is in MiB and at least 256, got {args.memory_limit}")
    saved = list(args.argv)
    isolation = args.isolation or ("none" if args.quick else "process")
    worker = None
    if isolation == "process":  # started first: it imports while this process does
        sources = Sources(not args.cases or args.builtin, tuple(args.cases or ()))
        cuda = not args.device or "cuda" in args.device  # (no --device: every device)
        worker = Isolated(sources, args.timeout, args.memory_limit, cuda, _methods(args))
    try:
        return _run(args, saved, worker)
    except BaseException:
        if worker is not None:
            worker.close()
        raise


def _run(args, saved: list[str], worker) -> int:
    from diffcompare.report.helper import Helper, worth_it

    chosen = bool(args.case or args.tag or args.cases)
    if args.quick and not chosen:
        args.tag = ["seed"]  # a first look: the seed cases, in float64 unless asked
    cases = _cases(args)
    if args.quick and not chosen:  # scale is what `sweep size` is for
        cases = [c for c in cases if c.n <= QUICK_MAX_N]
    # the drawing helper starts now: it imports matplotlib while this process (or the
    # worker) imports torch and SymPy, then waits, idle, through the run
    helper = Helper() if worth_it(len(cases)) else None
    try:
        return _run_cases(args, saved, worker, cases, helper)
    finally:
        if helper is not None:
            helper.close()


def _run_cases(args, saved: list[str], worker, cases: list, helper) -> int:
    from diffcompare import journal, methods, report
    from diffcompare.methods.autograd import resolve_devices
    from diffcompare.problem import DTYPES
    from diffcompare.runner import Interrupted, Plan, run
    from diffcompare.timing import Budget
    from diffcompare.worker import InProcess

    plan = Plan(
        cases=tuple(cases),
        methods=tuple(methods.by_name(n) for n in _methods(args)),
        devices=tuple(resolve_devices(_csv_list(args.device))),
        dtypes=tuple(resolve("dtype", args.dtype) or (("float64",) if args.quick else DTYPES)),
        operators=tuple(resolve("operator", args.operator)) or None,
        budget=Budget.quick() if args.quick else Budget(),
        seed=args.seed or 0,
        step=args.step,
    )
    out = Path(args.out)
    _writable(args.out)
    done = {}
    if args.resume:
        try:
            done = journal.read(out)
        except FileNotFoundError:
            raise UsageError(f"--resume: {out / journal.NAME} is missing") from None
    else:
        (out / RUN_ARGS).write_text(json.dumps(saved))
    worker = worker.bind(plan) if worker else InProcess(plan, args.timeout)
    with journal.Journal(out, fresh=not args.resume) as j:
        try:
            results = run(plan, not args.no_progress, on_row=j.append, done=done, worker=worker)
        except Interrupted as exc:  # Ctrl-C: report what is done, then stop
            paths = report.write(exc.results, out, helper=helper)
            print(
                f"diffcompare: interrupted; {len(exc.results.rows)} rows written to "
                f"{paths['json']}; finish with: diffcompare run --resume {out}",
                file=sys.stderr,
            )
            return 130
    paths = report.write(results, out, helper=helper)
    print(report.summary(results))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


def entry() -> None:
    """The console script (and ``python -m diffcompare``): main(), then out without the
    interpreter's teardown, which takes about a second once torch and SymPy are loaded.
    By then every file is written and closed and the worker process has been stopped."""
    try:
        code = main()
    except BrokenPipeError:  # a reader that went away (| head): stop as `yes | head` does
        code = 128 + 13  # SIGPIPE's
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # that reader again: nothing left to tell it
        pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser().parse_args(argv)
        rest = [a for a in argv if a != "--debug"]
        args.argv = [a for a in rest[1:] if a != "--no-progress"]  # kept for --resume
        commands = {
            "list": cmd_list,
            "run": cmd_run,
            "show": cmd_show,
            "quick": cmd_quick,
            "report": cmd_report,
            "compare": cmd_compare,
            "sweep": cmd_sweep,
        }
        return commands[args.command](args)
    except (UsageError, CaseError) as exc:
        if "--debug" in argv:
            traceback.print_exc()
        print(f"diffcompare: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("diffcompare: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
