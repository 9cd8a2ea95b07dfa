"""The command line: parse, call one library function, print. One module per verb."""

from __future__ import annotations

import os
import sys
import traceback

from diffcompare.errors import CaseError, UsageError


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
    from diffcompare.cli.parser import VERBS, parser

    argv = sys.argv[1:] if argv is None else argv
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


if __name__ == "__main__":
    sys.exit(main())
