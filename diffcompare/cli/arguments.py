"""What several verbs share: the parser that exits 2 in one line, the case selection, the
methods asked for, the output folder, a results file."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from diffcompare.errors import UsageError
from diffcompare.runner.options import resolve, suggestion


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2 (argparse would print the usage too)
        raise UsageError(message)


def seconds(text: str) -> float:
    """A time limit on the command line: a positive, finite number of seconds (a limit of
    inf, or of 1e300, cannot be armed: say so, not a traceback)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"a time limit is a positive number of seconds up to {MAX_SECONDS:g}, not {text}"
        )
    return value


MAX_SECONDS = 1e7  # about 116 days: past it the system timer overflows


def csv_list(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def add_selection(sp) -> None:
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


LOAD_LIMIT_S = 60.0  # importing one case file: a file that never finishes stops no verb


def load_cases(specs: list[str] | None) -> None:
    """The --cases files and modules, each error one line (CaseError names the line)."""
    from diffcompare.deadline import TimedOut, deadline
    from diffcompare.form import registry

    for spec in specs or []:
        try:
            with deadline(LOAD_LIMIT_S):
                registry.load(spec)
        except TimedOut as exc:
            raise UsageError(f"importing the cases in {spec} {exc}") from None
        except FileNotFoundError as exc:
            raise UsageError(str(exc)) from None
        except ModuleNotFoundError as exc:
            raise UsageError(f"cannot import cases from {spec!r}: {exc}") from None


def themes(args) -> None:
    """A --tag that names a built-in theme left out of the default run (``gradbench``)
    loads its module, as --cases would, beside the built-in suite. Idempotent."""
    from diffcompare.form.registry import THEMES

    wanted = [THEMES[t] for t in csv_list(getattr(args, "tag", None)) if t in THEMES]
    missing = [m for m in wanted if m not in (args.cases or [])]
    if missing:
        if not args.cases:
            args.builtin = True
        args.cases = [*(args.cases or []), *missing]


def cases(args) -> list:
    """The cases --cases, --builtin, --case and --tag select."""
    from diffcompare.form import registry

    themes(args)
    if not args.cases or args.builtin:
        registry.builtin()
    load_cases(args.cases)
    patterns, tags = csv_list(args.case), csv_list(args.tag)
    for t in tags:
        if t not in registry.tags():
            valid = registry.tags()
            raise UsageError(
                f"unknown tag {t!r}{suggestion(t, valid)}choose from: {', '.join(valid)}"
            )
    chosen = registry.select(patterns, tags)
    if not chosen:
        every = [c.name for c in registry.all_cases()]
        near = [m for p in patterns for m in difflib.get_close_matches(p, every, n=2, cutoff=0.6)]
        hint = f" (did you mean {', '.join(map(repr, near))}?)" if near else ""
        names = ", ".join(every[:12])
        raise UsageError(f"no case matches {patterns or tags}{hint}; cases include: {names}, …")
    return chosen


def methods(args) -> tuple[str, ...]:
    from diffcompare import methods

    return tuple(resolve("method", args.method) or methods.DEFAULT)


def writable(out: str) -> None:
    """The folder exists and takes a file (a read-only mount refuses it here, not at
    the end of a run)."""
    import tempfile

    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out!r}: {exc.strerror or exc}") from None


def results(path: str):
    """A results.json, or the folder of a run that holds one."""
    from diffcompare.runner.result import Results

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


def add_threads(sp) -> None:
    sp.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="threads torch and NumPy's BLAS may use in the timed cells (default 1: a "
        "timing a neighbour's thread can slow is no measurement)",
    )


def threads(args) -> int:
    if args.threads < 1:
        raise UsageError(f"--threads is at least 1, got {args.threads}")
    return args.threads


def add_lang(sp) -> None:
    """The language of report.html (and of the lesson): its headings, guides and captions."""
    from diffcompare.report.catalog import LANGS

    sp.add_argument(
        "--lang",
        default="en",
        choices=LANGS,
        help="report.html's language: en (English) or zh (中文); names stay as they are",
    )


def add_output(sp) -> None:
    """What the terminal shows of a run's results (the files hold everything)."""
    sp.add_argument(
        "--full", action="store_true", help="print every table of summary.md, not the verdict"
    )
    sp.add_argument("--quiet", action="store_true", help="print only the verdict per method")
    sp.add_argument(
        "--format",
        default="github",
        choices=("github", "plain", "latex", "html", "simple", "grid"),
        help="the printed tables' format (default: github markdown)",
    )


def shown(results, args) -> str:
    """The summary the terminal gets: the verdict (one screen), or summary.md's tables."""
    import shutil

    from diffcompare.report import summary
    from diffcompare.report.verdict import brief

    width = shutil.get_terminal_size(fallback=(120, 24)).columns
    if args.full:  # summary.md's tables, the wide ones wrapped to the terminal
        return summary(results, width=width)
    return brief(results, width=width, fmt=args.format, quiet=args.quiet)
