#!/usr/bin/env python3
"""Benchmark `corpus validate` (issue 6): seconds and rows/s per check, on the built sample corpus and
on a synthetic corpus of N records.

Usage::

    python scripts/bench_validate.py [--n 100000] [--repeat 3] [--cores 1] [--json OUT.json]
                                     [--keep DIR] [--no-sample]

The synthetic dataset is made without parsing pages: N valid records are synthesised directly (ids
from `corpus_lib.records.record_id` of fake paths, bodies of 2-5 KB drawn uniformly from a vocabulary
of 50k invented words, so no two are near-duplicates, plus 1% planted exact duplicates that the
build's dedup drops), then written by the build's own release planner and writers (`plan_release`,
`write_split_stream` for the shards, ledger, plots, Croissant, card, corpus_build.json). The folder is therefore what
`corpus build` would write for such records, and `validate` must find it clean.

The process is pinned to --cores CPUs (default 1: the issue asks for the row-level check's speed on
one core) and Arrow's thread pools are limited to match. Each validation runs --repeat times; the
best time of each check is reported (the first run also pays for imports and caches).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_SIGNATURE_BATCH = 2048


def pin(cores: int) -> str:
    if cores <= 0:
        return "not pinned (--cores 0)"
    pa.set_cpu_count(cores)
    pa.set_io_thread_count(cores)
    os.environ["RAYON_NUM_THREADS"] = str(cores)
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))[:cores]
        os.sched_setaffinity(0, allowed)
        return f"pinned to CPU {allowed}"
    return "not pinned (no sched_setaffinity here)"


def synthetic_records(n: int, seed: int = 6) -> list[dict]:
    """n valid records with distinct random bodies, plus n // 100 exact copies of earlier ones."""
    from corpus_lib.parse import PARSER
    from corpus_lib.parse.lines import count_words
    from corpus_lib.records import record_id

    rng = np.random.default_rng(seed)
    letters = rng.integers(ord("a"), ord("z") + 1, size=(50_000, 10), dtype=np.uint8)
    lengths = rng.integers(3, 11, size=50_000)
    vocab = [bytes(row[:k]).decode("ascii") for row, k in zip(letters, lengths)]
    word_counts = rng.integers(300, 650, size=n)
    word_ids = rng.integers(0, len(vocab), size=int(word_counts.sum())).tolist()
    title_ids = rng.integers(0, len(vocab), size=(n, 7)).tolist()
    originals = rng.integers(0, max(1, n - n // 100), size=n).tolist()
    start = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    copies = n // 100
    records = []
    position = 0
    for i in range(n):
        source_file = f"synth/{i // 1000:03d}/{i:07d}.txt"
        if i >= n - copies:
            body = records[originals[i]]["body"]  # an exact duplicate the build drops
        else:
            words = [vocab[k] for k in word_ids[position : position + int(word_counts[i])]]
            position += len(words)
            paragraphs = [" ".join(words[k : k + 80]) + "." for k in range(0, len(words), 80)]
            body = "\n\n".join(p[0].upper() + p[1:] for p in paragraphs)
        published = start + dt.timedelta(minutes=7 * i)
        records.append(
            {
                "id": record_id(source_file),
                "title": " ".join(vocab[k] for k in title_ids[i]).capitalize(),
                "body": body,
                "language": "en",
                "source": "Synthetic Wire",
                "source_key": "synth",
                "url": f"https://synth.example/{i}",
                "media": [],
                "published_local": published.strftime("%Y-%m-%dT%H:%M:%S"),
                "published_at": published,
                "published_tz": "UTC",
                "published_tz_source": "config",
                "crawled_local": None,
                "crawled_at": None,
                "source_file": source_file,
                "input_sha256": hashlib.sha256(source_file.encode()).hexdigest(),
                "input_encoding": "utf-8",
                "parser": PARSER,
                "body_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
                "word_count": count_words(body),
                "char_count": len(body),
                "duplicate_of": None,
            }
        )
    return records


def write_dataset(out: Path, records: list[dict]) -> dict:
    """Write `records` as `corpus build` writes a release (same planner and writers)."""
    import importlib

    build_module = importlib.import_module("corpus_lib.build")  # the package exports a function of that name
    from corpus_lib.build import BUILD_INFO_FILE, DUPLICATES_FILE, REJECTS_FILE, Reject, fingerprint_file, plan_release
    from corpus_lib.extract import minhash_params
    from corpus_lib.card import dataset_description, render_card
    from corpus_lib.config import BuildConfig, SourceConfig
    from corpus_lib.croissant import CROISSANT_FILE, croissant_metadata, write_croissant
    from corpus_lib.neardup import signatures
    from corpus_lib.plots import render_plots
    from corpus_lib.schema import arrow_schema, record_errors
    from corpus_lib.write import write_split_stream
    from corpus_lib.splits import LEDGER_FILE, write_ledger_table

    cfg = BuildConfig(
        name="bench-news", pretty_name="corpus_lib validate benchmark", license="cc-by-4.0",
        sources=(SourceConfig(key="synth", name="Synthetic Wire", path="synth", timezone="UTC", language="en"),),
    )
    for record in records[:: max(1, len(records) // 200)]:
        assert not record_errors(record), record_errors(record)
    rejects = [Reject(f"synth/broken/{i}.txt", "empty", "no text after decoding") for i in range(3)]
    timings = {}
    started = time.perf_counter()
    bodies = [r["body"] for r in records]
    sketches = np.concatenate(
        [signatures(bodies[i : i + _SIGNATURE_BATCH], minhash_params(cfg)) for i in range(0, len(bodies), _SIGNATURE_BATCH)]
    )
    release = plan_release(records, sketches, cfg)
    timings["plan (MinHash, dedup, splits)"] = time.perf_counter() - started

    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shards = []
    split_of = {r["id"]: release.ledger[r["id"]].split for r in release.kept}
    for split in build_module.declared_splits(cfg):  # as build._write_data: each split sorted by id, streamed
        rows = sorted((r for r in release.kept if split_of[r["id"]] == split), key=lambda r: r["id"])
        tables = (pa.Table.from_pylist(rows[i : i + 10_000], schema=arrow_schema()) for i in range(0, len(rows), 10_000))
        shards += write_split_stream(out, split, tables, len(rows), cfg.max_rows_per_shard, cfg.max_bytes_per_shard)
    build_module._write_jsonl(out / REJECTS_FILE, [dataclasses.asdict(r) for r in rejects])
    build_module._write_jsonl(out / DUPLICATES_FILE, release.duplicate_rows)
    write_ledger_table(out / LEDGER_FILE, release.ledger_table())
    plots = render_plots(out, release.kept_columns(*build_module.PLOT_COLUMNS))
    write_croissant(out, croissant_metadata(out, name=cfg.name, pretty_name=cfg.pretty_name,
                                            description=dataset_description(cfg), license=cfg.license, shards=shards))
    # The inputs: every record and every reject was a file.
    summary = build_module._summary(cfg, len(records) + len(rejects), release, rejects, {}, False)
    summary.update(build_module._shard_summary(cfg, shards))
    summary["plots"] = plots
    summary["files_sha256"] = {
        name: fingerprint_file(out / name)
        for name in [s.path for s in shards] + [REJECTS_FILE, DUPLICATES_FILE, LEDGER_FILE, CROISSANT_FILE] + plots
    }
    (out / BUILD_INFO_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    download_size = sum((out / s.path).stat().st_size for s in shards)
    (out / "README.md").write_text(render_card(cfg, shards, ["en"], download_size, summary), encoding="utf-8")
    timings["write (shards, ledger, plots, card)"] = time.perf_counter() - started
    return {"records": len(release.kept), "duplicates": len(release.duplicate_rows), "split_sizes": summary["split_sizes"],
            "bytes_on_disk": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()), "seconds": timings}


def measure(path: Path, repeat: int) -> dict:
    """Best wall and CPU seconds per check over `repeat` runs of validate(path)."""
    from corpus_lib.validate import validate

    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    first_total = None
    for _ in range(repeat):
        report = validate(path)
        if report.problems:
            raise SystemExit(f"{path} is not clean: " + "; ".join(map(str, report.problems[:5])))
        first_total = report.timings["total"] if first_total is None else first_total
        for name, seconds in report.timings.items():
            wall[name] = min(wall.get(name, float("inf")), seconds)
            cpu[name] = min(cpu.get(name, float("inf")), report.cpu_seconds[name])
    rows = report.rows_checked
    order = sorted(wall, key=lambda name: -wall[name])
    return {
        "rows": rows,
        "first_run_seconds": round(first_total, 3),
        "seconds": {name: round(wall[name], 4) for name in order},
        "cpu_seconds": {name: round(cpu[name], 4) for name in order},
        "rows_per_second": {name: round(rows / wall[name]) if wall[name] > 0 else None for name in order},
        "rows_per_cpu_second": {name: round(rows / cpu[name]) if cpu[name] > 0 else None for name in order},
    }


def print_result(title: str, result: dict, throughput: bool = True) -> None:
    print(f"\n{title}: {result['rows']} rows (first run {result['first_run_seconds']} s wall, imports included)")
    print(f"  {'check':<14}{'wall s':>9}{'rows/s':>12}{'CPU s':>9}{'rows/CPU s':>13}")
    for name, seconds in result["seconds"].items():
        rate, cpu_rate = result["rows_per_second"][name], result["rows_per_cpu_second"][name]
        print(f"  {name:<14}{seconds:>9.3f}{rate or 0:>12,}{result['cpu_seconds'][name]:>9.3f}{cpu_rate or 0:>13,}")
    rate, cpu_rate = result["rows_per_second"].get("row-schema") or 0, result["rows_per_cpu_second"].get("row-schema") or 0
    if not throughput:
        print(f"  row-level check (row-schema): {result['seconds'].get('row-schema', 0) * 1000:.1f} ms for {result['rows']} rows "
              "(the fixed cost of one kernel call per column rule dominates at this size)")
        return
    verdict = "meets" if rate >= 100_000 else ("meets (CPU time; the core is shared)" if cpu_rate >= 100_000 else "MISSES")
    print(f"  row-level check (row-schema): {rate:,} rows/s wall, {cpu_rate:,} rows/CPU s: {verdict} the 100k rows/s target")


def bench_sample(tmp: Path, repeat: int) -> dict:
    import importlib.util

    from corpus_lib import build

    spec = importlib.util.spec_from_file_location("make_sample_corpus", REPO / "scripts" / "make_sample_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    assert module.main([str(tmp / "sample"), "--truth", str(tmp / "truth.jsonl")]) == 0
    started = time.perf_counter()
    build(tmp / "sample", tmp / "sample_out", workers=1)
    built = time.perf_counter() - started
    return dict(measure(tmp / "sample_out", repeat), build_seconds=round(built, 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="records in the synthetic dataset (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="validations per dataset; the best time per check is kept")
    parser.add_argument("--cores", type=int, default=1, help="CPUs to run on (default 1; 0: leave the process as it is)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--keep", type=Path, help="write the synthetic dataset here and keep it (default: a temporary folder)")
    parser.add_argument("--no-sample", action="store_true", help="skip the sample corpus")
    args = parser.parse_args(argv)

    pinned = pin(args.cores)
    print(f"corpus validate benchmark: {pinned}, {args.repeat} run(s) per dataset")
    results: dict = {"cores": args.cores, "pinned": pinned, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_sample:
            results["sample"] = bench_sample(tmp, args.repeat)
            print_result("sample corpus (scripts/make_sample_corpus.py, built)", results["sample"], throughput=False)

        started = time.perf_counter()
        records = synthetic_records(args.n)
        made = time.perf_counter() - started
        out = args.keep or tmp / "synthetic"
        written = write_dataset(out, records)
        written["seconds"] = {"synthesise records": round(made, 3), **{k: round(v, 3) for k, v in written["seconds"].items()}}
        del records
        print(f"\nsynthetic dataset: {written['records']} records, {written['duplicates']} duplicates dropped, "
              f"splits {written['split_sizes']}, {written['bytes_on_disk'] / 1e6:.1f} MB on disk; made in {written['seconds']}")
        results["synthetic"] = dict(measure(out, args.repeat), dataset=written)
        print_result(f"synthetic dataset (--n {args.n})", results["synthetic"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
