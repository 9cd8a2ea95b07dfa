"""diffcompare run: differentiate the cases with every method, write results and reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from diffcompare.cli import arguments
from diffcompare.errors import UsageError
from diffcompare.runner import fingerprint
from diffcompare.runner.options import add_to_argparse, resolve

QUICK_MAX_N = 100
RUN_ARGS = "run.json"  # the arguments of a run, kept in its folder for --resume


def add(sub) -> None:
    run = sub.add_parser("run", help="differentiate the cases and write the reports")
    arguments.add_selection(run)
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
    arguments.add_threads(run)
    arguments.add_output(run)
    arguments.add_lang(run)
    run.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any row errors, times out or misses its tolerance (and say which)",
    )
    run.add_argument(
        "--timeout",
        type=arguments.seconds,
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
        help="run cells in a worker process (the default; --quick on the built-in cases "
        "alone runs them here) or in this one: 'none' risks the whole run on one case, "
        "for a crash in C, os._exit or the OOM killer then end it, there is no memory "
        "limit and time limits stop Python code only",
    )
    run.add_argument(
        "--no-timing",
        action="store_true",
        help="the accuracy columns only: no timings, so cells may run side by side",
    )
    run.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where the cells run: here (the default), or on a Dask cluster (the 'dask' "
        "extra): --scheduler ADDRESS, or --workers N for a local one",
    )
    run.add_argument(
        "--scheduler", metavar="ADDRESS", help="--executor dask: the cluster's scheduler"
    )
    run.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="--executor dask: a local cluster of N worker processes, one thread each "
        "(default: 1, or every core with --no-timing)",
    )
    run.add_argument(
        "--per-host",
        type=int,
        default=1,
        metavar="N",
        help="--executor dask: workers per host a timed run uses (1: cells timed side by "
        "side share the host's cores; --no-timing uses every worker)",
    )
    run.add_argument(
        "--resume",
        metavar="DIR",
        help="finish the run in DIR (killed or interrupted): its finished rows are kept",
    )


def main(args) -> int:
    from diffcompare.runner.isolated import Isolated, Sources

    if args.resume:
        args = _resumed(args)
    for name, value in (("--step", args.step), ("--timeout", args.timeout)):
        if value is not None and not value > 0:
            raise UsageError(f"{name} must be a positive number, got {value}")
    if args.memory_limit is not None and args.memory_limit < 256:
        raise UsageError(f"--memory-limit is in MiB and at least 256, got {args.memory_limit}")
    _check_executor(args)
    arguments.themes(args)  # before the worker starts: it loads what the run will
    saved = _anchored(args.argv)
    # --quick runs the built-in cases in this process (they are known not to crash it);
    # a user's case file always runs in a worker, where a crash costs only its cells
    isolation = args.isolation or (
        "none" if args.quick and not args.cases and args.executor == "local" else "process"
    )
    worker = None
    if isolation == "process":  # started first: it imports while this process does
        sources = Sources(not args.cases or args.builtin, tuple(args.cases or ()))
        cuda = not args.device or "cuda" in args.device  # (no --device: every device)
        methods, count = arguments.methods(args), arguments.threads(args)
        initargs = (sources, args.timeout, args.memory_limit, cuda, methods, count)
        worker = _cluster(args, initargs) if args.executor == "dask" else Isolated(*initargs)
    try:
        return _run(args, saved, worker)
    except BaseException:
        if worker is not None:
            worker.close()
        raise


def _check_executor(args) -> None:
    if args.executor != "dask":
        for flag, value in (("--scheduler", args.scheduler), ("--workers", args.workers)):
            if value is not None:
                raise UsageError(f"{flag} is for --executor dask")
        return
    from diffcompare.runner.cluster import installed

    installed()
    if args.isolation == "none":
        raise UsageError("--executor dask runs every cell isolated: drop --isolation none")
    if args.scheduler and args.workers:
        raise UsageError("--scheduler (a cluster there) or --workers (one here), not both")
    for flag, value in (("--workers", args.workers), ("--per-host", args.per_host)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be at least 1, got {value}")


def _cluster(args, initargs: tuple):
    import os

    from diffcompare.runner.cluster import Cluster

    timed = not args.no_timing
    workers = args.workers or (None if args.scheduler else 1 if timed else os.cpu_count())
    return Cluster(initargs, args.scheduler, workers, timed, args.per_host)


def _anchored(argv: list[str]) -> list[str]:
    """The arguments with each --cases file made absolute: --resume, run from another
    folder, finds the files the run loaded."""
    out, after_flag = [], False
    for token in argv:
        flag, eq, value = token.partition("=")
        if after_flag and Path(token).is_file():
            token = str(Path(token).resolve())
        elif flag == "--cases" and eq and Path(value).is_file():
            token = f"--cases={Path(value).resolve()}"
        out.append(token)
        after_flag = token == "--cases"
    return out


def _resumed(args):
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
    if not isinstance(saved, list) or not all(isinstance(a, str) for a in saved):
        raise UsageError(f"--resume: {folder / RUN_ARGS} is damaged (not a list of arguments)")
    parser = arguments.Parser(prog="diffcompare")
    add(parser.add_subparsers(dest="command", required=True, parser_class=arguments.Parser))
    again = parser.parse_args(["run", *saved])
    again.resume, again.out, again.argv = str(folder), str(folder), saved
    fingerprint.unchanged(folder, again.cases or [])
    again.no_progress = args.no_progress or again.no_progress
    return again


def _run(args, saved: list[str], worker) -> int:
    from diffcompare.report.helper import Helper, worth_it

    chosen = bool(args.case or args.tag or args.cases)
    if args.quick and not chosen:
        args.tag = ["seed"]  # a first look: the seed cases, in float64 unless asked
    cases = arguments.cases(args)
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
    from diffcompare import methods
    from diffcompare.form.problem import DTYPES
    from diffcompare.methods.autograd import resolve_devices
    from diffcompare.runner import lock
    from diffcompare.runner.plan import Plan
    from diffcompare.runner.timing import Budget

    plan = Plan(
        cases=tuple(cases),
        methods=tuple(methods.by_name(n) for n in arguments.methods(args)),
        devices=tuple(resolve_devices(arguments.csv_list(args.device))),
        dtypes=tuple(resolve("dtype", args.dtype) or (("float64",) if args.quick else DTYPES)),
        operators=tuple(resolve("operator", args.operator)) or None,
        budget=Budget.quick() if args.quick else Budget(),
        seed=args.seed or 0,
        step=args.step,
        threads=arguments.threads(args),
        timed=not args.no_timing,
    )
    out = Path(args.out)
    arguments.writable(args.out)
    with lock.held(out):  # one run per folder: a second would interleave its rows
        return _write_run(args, saved, worker, plan, out, helper)


def _write_run(args, saved: list[str], worker, plan, out: Path, helper) -> int:
    from diffcompare import report
    from diffcompare.runner import journal
    from diffcompare.runner.executor import InProcess
    from diffcompare.runner.loop import Interrupted, run

    done = {}
    if args.resume:
        try:
            done = journal.read(out)
        except FileNotFoundError:
            raise UsageError(f"--resume: {out / journal.NAME} is missing") from None
    else:
        from diffcompare.report.files import clear

        clear(out)  # a reused folder: this run's files only
        (out / RUN_ARGS).write_text(json.dumps(saved))
        fingerprint.write(out, args.cases or [])
    worker = worker.bind(plan) if worker else InProcess(plan, args.timeout)
    with journal.Journal(out, fresh=not args.resume) as j:
        try:
            results = run(plan, not args.no_progress, on_row=j.append, done=done, worker=worker)
        except Interrupted as exc:  # Ctrl-C: report what is done, then stop
            paths = report.write(exc.results, out, helper=helper, lang=args.lang)
            print(
                f"diffcompare: interrupted; {len(exc.results.rows)} rows written to "
                f"{paths['json']}; finish with: diffcompare run --resume {out}",
                file=sys.stderr,
            )
            return 130
    paths = report.write(results, out, helper=helper, lang=args.lang)
    print(arguments.shown(results, args))
    if getattr(worker, "unused", 0):
        print(
            f"diffcompare: a timed run uses {args.per_host} Dask worker(s) per host; "
            f"{worker.unused} stood idle (--no-timing uses every worker)",
            file=sys.stderr,
        )
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return _strict(results) if args.strict else 0


def _strict(results) -> int:
    """--strict: 1 when a row errors, times out or misses its tolerance, naming them."""
    failed = [r for r in results.rows if r.status in ("error", "timeout") or r.passed is False]
    if not failed:
        return 0
    shown = [
        f"{r.case} {r.operator} {r.method}@{r.device} {r.dtype}: "
        + (r.status if r.status != "ok" else f"{r.digits:.1f} digits, beyond its tolerance")
        for r in failed[:10]
    ]
    more = f"\n  … and {len(failed) - 10} more" if len(failed) > 10 else ""
    print(
        f"diffcompare: --strict: {len(failed)} of {len(results.rows)} rows failed:\n  "
        + "\n  ".join(shown)
        + more,
        file=sys.stderr,
    )
    return 1
