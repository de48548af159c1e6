"""The `corpus` command, thin over the library: `corpus build` and `corpus validate`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from corpus_lib.build import BuildError, build
from corpus_lib.config import ConfigError
from corpus_lib.validate import CHECKS, validate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpus",
        description="Turn a folder of raw news page dumps into a validated Hugging Face dataset folder.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = commands.add_parser(
        "build",
        help="build a dataset folder from page files",
        description="Read every page file under SRC (.txt, .html, optionally .gz), extract one article per page, "
        "validate it against the schema, split it, and write a Hub-ready dataset folder OUT "
        "(data/*.parquet, README.md card, rejects.jsonl, duplicates.jsonl, corpus_build.json). "
        "OUT is replaced atomically.",
    )
    b.add_argument("src", type=Path, help="folder of page files (its corpus.toml is used if present)")
    b.add_argument("out", type=Path, help="dataset folder to write")
    b.add_argument("--config", type=Path, help="config file (default: SRC/corpus.toml if it exists)")
    b.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores); output is identical for any value")
    b.add_argument("--quiet", action="store_true", help="print nothing on success")

    v = commands.add_parser(
        "validate",
        help="check a dataset folder; exit 1 if it is invalid",
        description="Check a dataset folder: card YAML and data_files, Parquet schemas, every row against the JSON "
        "Schema, split sizes, duplicate ids, split rule, checksums and accounting. Checks: "
        + ", ".join(CHECKS),
    )
    v.add_argument("out", type=Path, help="dataset folder")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.add_argument("--skip", action="append", default=[], choices=sorted(CHECKS), metavar="CHECK", help="skip a check (repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        return _build(args)
    return _validate(args)


def _build(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("corpus build: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        report = build(args.src, args.out, config=args.config, workers=args.workers)
    except (BuildError, ConfigError) as exc:
        print(f"corpus build: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(report.summary_line())
        if report.rejects_by_reason:
            print("rejects: " + ", ".join(f"{reason} {n}" for reason, n in report.rejects_by_reason.items()))
    return 0


def _validate(args: argparse.Namespace) -> int:
    report = validate(args.out, skip=tuple(args.skip))
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            print(f"{problem.severity}: {problem}")
        verdict = "valid" if report.ok else "INVALID"
        print(f"{args.out}: {verdict} ({report.rows_checked} rows checked, {len(report.errors)} errors, {len(report.warnings)} warnings)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
