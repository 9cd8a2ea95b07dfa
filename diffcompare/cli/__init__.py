"""The command line: parse, call one library function, print. One module per verb."""

from __future__ import annotations

import os
import sys
import traceback
import warnings

from diffcompare.errors import CaseError, Damaged, UsageError


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
    with warnings.catch_warnings():
        warnings.showwarning = _note
        return _main(argv)


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """A skipped damaged file in one line on stderr; other warnings as Python shows them."""
    if issubclass(category, Damaged):
        print(f"diffcompare: note: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _main(argv: list[str]) -> int:
    from diffcompare.cli.parser import VERBS, parser

    try:
        args = parser().parse_args(argv)
        rest = [a for a in argv if a != "--debug"]
        args.argv = [a for a in rest[1:] if a != "--no-progress"]  # kept for --resume
        return VERBS[args.command].main(args)
    except (UsageError, CaseError) as exc:
        if "--debug" in argv:
            traceback.print_exc()
        print(f"diffcompare: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("diffcompare: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # the reader went away: entry() stops as `yes | head` does
    except OSError as exc:  # a full disk, a folder that became read-only: one line
        if "--debug" in argv:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"diffcompare: error: cannot write {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
