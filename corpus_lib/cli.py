"""The `corpus` command, thin over the library: `corpus build`, `validate`, `show` and `push`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from corpus_lib.build import BuildError, build
from corpus_lib.config import ConfigError
from corpus_lib.publish import add_push_parser, run_push, scrub
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
    b.add_argument(
        "--previous",
        type=Path,
        metavar="PREV_OUT",
        help="the previous release's dataset folder: known ids keep their split (from its splits.parquet)",
    )
    b.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores); output is identical for any value")
    b.add_argument("--engine", choices=("local", "dask"), default="local", help="where pages are processed: a local process pool (default) or Dask (pip install 'corpus_lib[dask]')")
    b.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: a running cluster's scheduler (tcp://host:8786); default: a local cluster of --workers processes")
    b.add_argument("--cache", type=Path, help="page cache folder (default: .OUT.cache beside OUT); finished pages are reused")
    b.add_argument("--no-cache", action="store_true", help="parse every page again and keep no cache")
    b.add_argument("--quiet", action="store_true", help="print nothing on success (no progress bar either)")

    v = commands.add_parser(
        "validate",
        help="check a dataset folder; exit 1 if it is invalid",
        description="Check a dataset folder: card YAML and data_files, Parquet schemas, every row against the JSON "
        "Schema, split sizes, duplicate ids, split rule, checksums and accounting. Checks: "
        + ", ".join(CHECKS),
    )
    v.add_argument("out", type=Path, help="dataset folder")
    v.add_argument("--format", choices=("text", "json", "github"), default="text", help="github: workflow annotations (::error file=...)")
    v.add_argument("--fail-on", choices=("error", "warning"), default="error", help="exit 1 on errors only (default) or on warnings too")
    v.add_argument("--skip", action="append", default=[], choices=sorted(CHECKS), metavar="CHECK", help="skip a check (repeatable)")

    s = commands.add_parser(
        "show",
        help="load a dataset folder with datasets.load_dataset and print its splits and one record",
        description="Load OUT exactly as ML code would (datasets.load_dataset) and print the split sizes and one record.",
    )
    s.add_argument("out", type=Path, help="dataset folder (or a Hub repo id)")
    s.add_argument("--split", default=None, help="split to show a record from (default: the first)")
    s.add_argument("--index", type=int, default=0, help="row to show (default 0)")
    s.add_argument("--width", type=int, default=160, help="cut long text values to this many characters")
    add_push_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = {"push": run_push, "build": _build, "show": _show, "validate": _validate}[args.command]
    try:
        return command(args)
    except OSError as exc:  # permission denied, disk full, a file where a folder should be: a reason, not a traceback
        print(f"corpus {args.command}: {os_error_reason(exc, args.out)}", file=sys.stderr)
        return 1


def os_error_reason(exc: OSError, out: Path) -> str:
    """'PATH: reason' on one line, naming the file the system refused (else OUT), with no credentials in it."""
    where = exc.filename if isinstance(exc.filename, (str, bytes, os.PathLike)) else out
    reason = exc.strerror or str(exc) or type(exc).__name__
    return scrub(f"{os.fsdecode(where)}: {reason}")


def _build(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("corpus build: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        cache = False if args.no_cache else (args.cache or True)
        report = build(
            args.src, args.out, config=args.config, workers=args.workers, previous=args.previous,
            cache=cache, progress=not args.quiet, engine=args.engine, scheduler=args.scheduler,
        )
    except (BuildError, ConfigError) as exc:
        print(f"corpus build: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(report.summary_line())
        print(f"pages parsed: {report.parsed}, reused from the page cache: {report.cached}")
        print(f"leakage check: {report.leakage_pairs} duplicate pairs across splits; ids of the previous release in another split: {report.moved}")
        if report.moves and not args.previous:
            shown = ", ".join(f"{m['id']} {m['from']}->{m['to']}" for m in report.moves[:10])
            more = f" (and {len(report.moves) - 10} more)" if len(report.moves) > 10 else ""
            print(f"moved against the release OUT held (their duplicate cluster changed; build with --previous to keep every split): {shown}{more}")
        if report.rejects_by_reason:
            print("rejects: " + ", ".join(f"{reason} {n}" for reason, n in report.rejects_by_reason.items()))
    return 0


def _validate(args: argparse.Namespace) -> int:
    if not args.out.is_dir():
        print(f"corpus validate: {args.out}: not a folder", file=sys.stderr)
        return 2
    report = validate(args.out, skip=tuple(args.skip))
    failed = bool(report.errors) or (args.fail_on == "warning" and bool(report.warnings))
    if args.format == "json":
        print(json.dumps(dict(report.to_dict(), failed=failed), indent=2, ensure_ascii=False))
    elif args.format == "github":
        for problem in report.problems:
            level = "error" if problem.severity == "error" else "warning"
            where = f"file={_annotation_property(str(args.out / problem.file))}," if problem.file else ""
            detail = f"{problem.location()}: {problem.message}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(f"::{level} {where}title=corpus validate [{problem.code}]::{detail}")
        print(f"{args.out}: {'INVALID' if failed else 'valid'} ({report.rows_checked} rows checked)")
    else:
        for problem in report.problems:
            print(f"{problem.severity}: {problem}")
        print(f"{args.out}: {'INVALID' if failed else 'valid'} ({report.rows_checked} rows checked, {len(report.errors)} errors, {len(report.warnings)} warnings)")
    return 1 if failed else 0


def _annotation_property(value: str) -> str:
    """Escape a value for a GitHub workflow command property (file=...)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def _show(args: argparse.Namespace) -> int:
    from datasets import disable_progress_bars, load_dataset

    disable_progress_bars()
    try:
        dataset = load_dataset(str(args.out))
    except Exception as exc:  # datasets raises many types; the user needs the reason, not a traceback
        print(f"corpus show: cannot load {args.out}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("splits: " + ", ".join(f"{name} {len(split)}" for name, split in dataset.items()))
    split = args.split or next(iter(dataset))
    if split not in dataset or not 0 <= args.index < len(dataset[split]):
        print(f"corpus show: no row {args.index} in split {split!r}", file=sys.stderr)
        return 1
    print(f"{split}[{args.index}] as load_dataset returns it:")
    for name, value in dataset[split][args.index].items():
        shown = repr(value)
        if len(shown) > args.width:
            shown = shown[: args.width - 3] + "..."
        print(f"  {name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
