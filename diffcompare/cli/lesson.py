"""diffcompare lesson: the course chapter as one page, computed now, in English or Chinese."""

from __future__ import annotations

import sys

from diffcompare.cli import arguments


def add(sub) -> None:
    lesson = sub.add_parser(
        "lesson",
        help="the course chapter walked in order, every table and picture computed now "
        "(lesson.html, lesson.md)",
    )
    lesson.add_argument("--out", default="reports", metavar="DIR", help="output folder")
    lesson.add_argument(
        "--lang",
        action="append",
        choices=("en", "zh"),
        help="en (English, lesson.html) or zh (中文, lesson.zh.html); repeat for both "
        "(default: en)",
    )


def main(args) -> int:
    from diffcompare import lesson
    from diffcompare.runner import lock

    arguments.writable(args.out)
    with lock.held(args.out):
        paths = lesson.build(args.out, list(dict.fromkeys(args.lang or ["en"])))
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0
