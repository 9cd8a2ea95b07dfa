"""diffcompare compare OLD NEW: what changed between two results files; exit 1 on a loss."""

from __future__ import annotations

from diffcompare.cli import arguments
from diffcompare.errors import UsageError


def add(sub) -> None:
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
    cmp_.add_argument(
        "--time-threshold",
        type=float,
        metavar="R",
        help="exit 1 also when a row got slower than R times (new / old), where both "
        "timings are steady (noisy ones are listed as not comparable)",
    )
    cmp_.add_argument("--all", action="store_true", help="list every row, not only changes")


def main(args) -> int:
    from diffcompare.report.comparison import compare

    if not args.threshold >= 0:
        raise UsageError(f"--threshold must be a non-negative number, got {args.threshold}")
    if args.time_threshold is not None and not args.time_threshold > 0:
        raise UsageError(f"--time-threshold must be a positive ratio, got {args.time_threshold}")
    old, new = arguments.results(args.old), arguments.results(args.new)
    text, regressed = compare(old, new, args.threshold, args.all, args.time_threshold)
    print(text)
    return 1 if regressed else 0
