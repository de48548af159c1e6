"""The Parquet shard writer: records of one split -> data/{split}-{i:05d}-of-{n:05d}.parquet."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_lib.schema import arrow_schema

# Row groups stay under ~100 MB of data so the Hub's dataset viewer can scan one at a time.
ROW_GROUP_BYTES = 100 * 1024 * 1024
MAX_ROW_GROUP_ROWS = 100_000
COMPRESSION = "zstd"
# Content-defined page boundaries: a new release re-uploads only the pages that changed (Xet dedup).
CONTENT_DEFINED_CHUNKING = True


@dataclasses.dataclass(frozen=True)
class ShardInfo:
    split: str
    path: str  # relative to the output folder
    num_rows: int
    num_bytes: int  # uncompressed Arrow size of the rows


def shard_name(split: str, index: int, count: int) -> str:
    return f"data/{split}-{index:05d}-of-{count:05d}.parquet"


def _record_bytes(record: dict[str, Any]) -> int:
    return sum(len(v.encode("utf-8")) if isinstance(v, str) else 8 for v in record.values())


def plan_shards(records: Sequence[dict[str, Any]], max_rows: int, max_bytes: int) -> list[tuple[int, int]]:
    """[start, end) ranges: each shard holds at most max_rows rows and about max_bytes bytes."""
    ranges, start, size = [], 0, 0
    for position, record in enumerate(records):
        record_size = _record_bytes(record)
        if position > start and (position - start >= max_rows or size + record_size > max_bytes):
            ranges.append((start, position))
            start, size = position, 0
        size += record_size
    ranges.append((start, len(records)))
    return ranges


def row_group_rows(table: pa.Table) -> int:
    """Rows per row group so that a group holds at most about ROW_GROUP_BYTES of Arrow data."""
    if table.num_rows == 0:
        return 1
    per_row = max(1, table.nbytes // table.num_rows)
    return max(1, min(MAX_ROW_GROUP_ROWS, ROW_GROUP_BYTES // per_row))


def write_split(
    out: Path, split: str, records: Sequence[dict[str, Any]], max_rows: int, max_bytes: int
) -> list[ShardInfo]:
    """Write one split's records (already in their final order); see write_split_stream."""
    if not records:
        return []
    table = pa.Table.from_pylist(list(records), schema=arrow_schema())
    return write_split_stream(out, split, [table], table.num_rows, sum(map(_record_bytes, records)), max_rows, max_bytes)


def write_split_stream(
    out: Path,
    split: str,
    tables: Iterable[pa.Table],
    total_rows: int,
    total_bytes: int,
    max_rows: int,
    max_bytes: int,
) -> list[ShardInfo]:
    """Write a split given as a stream of tables (in final row order) into equal shards.

    The shard count comes from the totals (at most max_rows rows and about max_bytes bytes each),
    so names carry '-of-N' without a second pass. An empty split gets no file: `datasets` cannot
    load a split without rows, so the card leaves it out.
    """
    if total_rows == 0:
        return []
    count = min(total_rows, max(1, -(-total_rows // max_rows), -(-total_bytes // max_bytes)))
    # Shard i holds rows [i*total/count, (i+1)*total/count): sizes differ by at most one row.
    sizes = [(i + 1) * total_rows // count - i * total_rows // count for i in range(count)]
    schema = arrow_schema()
    (out / "data").mkdir(parents=True, exist_ok=True)
    shards: list[ShardInfo] = []
    pending: list[pa.Table] = []
    pending_rows = 0

    def flush(final: bool) -> None:
        nonlocal pending, pending_rows
        while len(shards) < count and (pending_rows >= sizes[len(shards)] or (final and pending_rows)):
            quota = sizes[len(shards)]
            table = pa.concat_tables(pending).combine_chunks()
            shard, rest = table.slice(0, quota), table.slice(quota)
            relative = shard_name(split, len(shards), count)
            pq.write_table(
                shard,
                out / relative,
                compression=COMPRESSION,
                row_group_size=row_group_rows(shard),
                write_page_index=True,
                use_content_defined_chunking=CONTENT_DEFINED_CHUNKING,
            )
            shards.append(ShardInfo(split, relative, shard.num_rows, shard.nbytes))
            pending, pending_rows = ([rest] if rest.num_rows else []), rest.num_rows

    for table in tables:
        pending.append(table.cast(schema))
        pending_rows += table.num_rows
        flush(final=False)
    flush(final=True)
    if len(shards) != count or pending_rows:
        raise RuntimeError(f"split {split}: wrote {len(shards)} shards for {total_rows} rows, planned {count}")
    return shards
