#!/usr/bin/env python3
"""What content-defined chunking (CDC) costs when writing shards, and what it saves on re-upload.

    python scripts/bench_cdc.py [--records 20000] [--growth 0.05] [--repeat 3] [--order id|date]
                                [--backfill 0.0] [--json OUT.json]

Release 1 has N synthetic article records; release 2 adds `growth` x N new records. With
`--order id` the new records are interleaved by id; with `--order date` they follow the order
corpus_lib writes shards in (publication, then id: new articles land at the end, `--backfill`
old ones in the middle). Each release is written as one Parquet file with corpus_lib's writer
settings (write.COMPRESSION, page index, row groups of write.row_group_rows), with and without
`use_content_defined_chunking`; the shard writer (write.write_split_stream) additionally cuts
shards and row groups by measured size, which a corpus of this size does not reach.

Reported: write time with and without CDC (median of --repeat runs), file sizes, and the bytes of
release 2 that a deduplicating store (the Hub's Xet storage) must upload: release 2's file cut
into content-defined chunks (a gear rolling hash, 64 KiB average, 8-128 KiB), counting the bytes
of chunks not already present in release 1's file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpus_lib.records import record_id
from corpus_lib.schema import arrow_schema
from corpus_lib.write import COMPRESSION, row_group_rows

_GEAR = np.random.default_rng(12345).integers(0, 2**63, size=256, dtype=np.uint64)
_AVERAGE_BITS, _MIN, _MAX = 16, 8 * 1024, 128 * 1024


def order_key(order: str):
    if order == "date":
        return lambda r: (r["published_local"] is None, r["published_local"] or "", r["id"])
    return lambda r: r["id"]


def records(n: int, start: int, seed: int, first_year: int = 2010, years: int = 14) -> list[dict]:
    rnd = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(30000)]
    rows = []
    for i in range(start, start + n):
        body = "\n\n".join(
            " ".join(rnd.choice(vocabulary) for _ in range(rnd.randint(40, 90))) + "." for _ in range(rnd.randint(3, 9))
        )
        digest = hashlib.sha256(body.encode()).hexdigest()
        rows.append({
            "id": record_id(f"bench/{i}.txt"), "title": f"Title {i}", "body": body, "language": "en", "source": "bench",
            "source_key": "bench", "url": None, "media": [],
            "published_local": f"{first_year + (i - start) * years // n:04d}-{1 + (i % 12):02d}-{1 + i % 28:02d}",
            "published_at": None, "published_tz": None, "published_tz_source": None, "crawled_local": None,
            "crawled_at": None, "source_file": f"bench/{i}.txt", "input_sha256": digest, "input_encoding": "utf-8",
            "parser": "corpus_lib.lines/1", "body_sha256": digest, "word_count": len(body.split()),
            "char_count": len(body), "duplicate_of": None,
        })
    return rows


def write(table: pa.Table, path: Path, cdc: bool) -> float:
    started = time.perf_counter()
    pq.write_table(
        table, path, compression=COMPRESSION, row_group_size=row_group_rows(table), write_page_index=True,
        use_content_defined_chunking=cdc,
    )
    return time.perf_counter() - started


def chunks(data: bytes) -> list[bytes]:
    """Content-defined chunks: a gear hash over the last 64 bytes; cut where its top bits are 0."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    gear = _GEAR[buffer]
    rolling = np.zeros(len(buffer), dtype=np.uint64)
    for shift in range(64):  # h_i = sum_k gear[b_(i-k)] << k, i.e. the gear hash after 64 steps
        rolling[shift:] += gear[: len(buffer) - shift] << np.uint64(shift)
    mask = np.uint64(((1 << _AVERAGE_BITS) - 1) << (64 - _AVERAGE_BITS))
    candidates = np.flatnonzero((rolling & mask) == 0)
    cuts, last = [], 0
    for position in candidates:
        if position + 1 - last < _MIN:
            continue
        while position + 1 - last > _MAX:
            last += _MAX
            cuts.append(last)
        cuts.append(position + 1)
        last = position + 1
    while len(data) - last > _MAX:
        last += _MAX
        cuts.append(last)
    bounds = [0] + cuts + ([len(data)] if not cuts or cuts[-1] != len(data) else [])
    return [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def new_bytes(old: bytes, new: bytes) -> int:
    known = {hashlib.sha256(c).digest() for c in chunks(old)}
    return sum(len(c) for c in chunks(new) if hashlib.sha256(c).digest() not in known)


def run(n: int, growth: float, repeat: int, work: Path, order: str = "id", backfill: float = 0.0) -> dict:
    base = records(n, 0, seed=1)
    # The new release adds articles published after the previous one (a news corpus grows at the end).
    fresh = int(n * growth * (1 - backfill))
    added = records(fresh, n, seed=2, first_year=2024, years=1)
    # Backfilled old articles land in the middle of a date-ordered file.
    added += records(int(n * growth) - fresh, n + fresh, seed=3)
    key = order_key(order)
    release1 = pa.Table.from_pylist(sorted(base, key=key), schema=arrow_schema())
    release2 = pa.Table.from_pylist(sorted(base + added, key=key), schema=arrow_schema())
    result = {"records": n, "added": len(added), "order": order, "backfill": backfill}
    for cdc in (False, True):
        label = "cdc" if cdc else "plain"
        times = []
        for attempt in range(repeat):
            times.append(write(release1, work / f"r1-{label}.parquet", cdc))
        write(release2, work / f"r2-{label}.parquet", cdc)
        old, new = (work / f"r1-{label}.parquet").read_bytes(), (work / f"r2-{label}.parquet").read_bytes()
        changed = new_bytes(old, new)
        result[label] = {
            "write_seconds": round(statistics.median(times), 4),
            "records_per_second": round(n / statistics.median(times)),
            "release1_bytes": len(old),
            "release2_bytes": len(new),
            "upload_bytes": changed,
            "upload_share": round(changed / len(new), 4),
        }
    result["cdc_write_time_ratio"] = round(result["cdc"]["write_seconds"] / result["plain"]["write_seconds"], 3)
    result["upload_saved_share"] = round(1 - result["cdc"]["upload_bytes"] / result["plain"]["upload_bytes"], 4)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--growth", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--order", choices=("id", "date"), default="id", help="row order in the shard")
    parser.add_argument("--backfill", type=float, default=0.0, help="share of the added records that are old (inserted mid-file)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        result = run(args.records, args.growth, args.repeat, Path(work), args.order, args.backfill)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
