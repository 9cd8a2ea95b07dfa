"""diffcompare report RESULTS.json: the reports drawn again from saved results."""

from __future__ import annotations

import sys
from pathlib import Path

from diffcompare.cli import arguments


def add(sub) -> None:
    rep = sub.add_parser("report", help="redraw the reports from a saved results.json")
    rep.add_argument("results", metavar="RESULTS.json", help="a results.json or a run's folder")
    rep.add_argument("--out", metavar="DIR", help="output folder (default: beside the file)")
    arguments.add_output(rep)
    arguments.add_lang(rep)


def main(args) -> int:
    from diffcompare import report

    results = arguments.results(args.results)
    given = Path(args.results)
    out = Path(args.out) if args.out else given if given.is_dir() else given.parent
    paths = report.write(results, out, lang=args.lang)
    print(arguments.shown(results, args))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0
