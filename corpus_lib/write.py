"""The Parquet shard writer: the rows of one split -> data/{split}-{i:05d}-of-{n:05d}.parquet.

Shards and row groups are cut by the rows' measured Arrow size (`row_bytes`), so the caps hold
for every shard and row group, not only on average (multibyte text, a long month). A cut depends
only on the rows and their order, never on how the caller batched them, so the files are the same
bytes for any number of workers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_lib.memory import release_arrow_memory, release_memory
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
    num_bytes: int  # uncompressed Arrow size of the rows, every validity bitmap counted (arrow_bytes)


def shard_name(split: str, index: int, count: int) -> str:
    return f"data/{split}-{index:05d}-of-{count:05d}.parquet"


# --- measuring rows ---------------------------------------------------------------------------


def row_bytes(table: pa.Table) -> np.ndarray:
    """Each row's Arrow bytes: fixed-width values, offsets, string bytes and list items.

    Validity bitmaps are not per row; `arrow_bytes` adds them. The sum over a table equals its
    `nbytes` when every column carries a bitmap, and is never below it.
    """
    sizes = np.zeros(table.num_rows, dtype=np.int64)
    for column, field in zip(table.columns, table.schema):
        if column.num_chunks:
            sizes += np.concatenate([_value_bytes(chunk, field.type) for chunk in column.chunks])
    return sizes


def bitmap_count(schema: pa.Schema) -> int:
    """Arrays with a bit per row in a table of `schema`: a validity bitmap per column and list child."""
    return sum(_bitmaps(field.type) for field in schema)


def arrow_bytes(rows: int, data_bytes: int, schema: pa.Schema) -> int:
    """The Arrow size of `rows` rows whose `row_bytes` sum to `data_bytes`, with every bitmap present."""
    return data_bytes + bitmap_count(schema) * -(-rows // 8)


def _value_bytes(values: pa.Array, arrow_type: pa.DataType) -> np.ndarray:
    if pa.types.is_string(arrow_type) or pa.types.is_binary(arrow_type):
        return 4 + _lengths(pc.binary_length(values))
    if pa.types.is_large_string(arrow_type) or pa.types.is_large_binary(arrow_type):
        return 8 + _lengths(pc.binary_length(values))
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        items = np.concatenate([[0], np.cumsum(_value_bytes(pc.list_flatten(values), arrow_type.value_type))])
        counts = _lengths(pc.list_value_length(values))
        ends = np.cumsum(counts)
        width = 8 if pa.types.is_large_list(arrow_type) else 4
        return width + items[ends] - items[ends - counts]
    if pa.types.is_boolean(arrow_type):
        return np.zeros(len(values), dtype=np.int64)  # one bit a row, counted with the bitmaps
    try:
        width = arrow_type.bit_width
    except ValueError:  # not fixed-width
        width = 0
    if width and width % 8 == 0 and not pa.types.is_nested(arrow_type):
        return np.full(len(values), width // 8, dtype=np.int64)
    raise TypeError(f"no size rule for Arrow type {arrow_type}")


def _lengths(array: pa.Array) -> np.ndarray:
    return pc.fill_null(array, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _bitmaps(arrow_type: pa.DataType) -> int:
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return 1 + _bitmaps(arrow_type.value_type)
    return 2 if pa.types.is_boolean(arrow_type) else 1


# --- writing ----------------------------------------------------------------------------------


def contiguous(pieces: list[pa.Table]) -> pa.Table:
    """The tables in `pieces` (one schema) as one table of one chunk a column; empties `pieces`.

    What concat_tables(pieces).combine_chunks() gives, but a large string column without nulls
    (the body, ~90% of a row group's bytes) is copied a piece at a time into one buffer and each
    piece's part let go (and its pages returned) once copied, so the pieces and their copy are not
    held at once.
    """
    if not pieces:
        raise ValueError("no tables to join")
    schema = pieces[0].schema
    columns: dict[str, pa.Array] = {}
    for field in schema:
        if pa.types.is_large_string(field.type) and not any(piece.column(field.name).null_count for piece in pieces):
            columns[field.name] = _join_large_strings(pieces, field.name)
    rest = pa.concat_tables(pieces).combine_chunks()  # the other columns (the joined ones are gone from the pieces)
    pieces.clear()
    return pa.table({field.name: columns[field.name] if field.name in columns else rest.column(field.name) for field in schema}, schema=schema)


def _join_large_strings(pieces: list[pa.Table], name: str) -> pa.Array:
    """Column `name` (large_string, no nulls) of the pieces as one array; each piece loses the column
    once it is copied."""
    chunks = [piece.column(name).chunks for piece in pieces]
    rows = sum(len(chunk) for piece in chunks for chunk in piece)
    size = sum(_large_string_span(chunk)[1] for piece in chunks for chunk in piece if len(chunk))
    del chunks
    offsets_buffer, data_buffer = pa.allocate_buffer(8 * (rows + 1)), pa.allocate_buffer(size)
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    offsets[0] = 0
    row = at = 0
    for index in range(len(pieces)):
        for chunk in pieces[index].column(name).chunks:
            if not len(chunk):
                continue
            ends, span = _large_string_span(chunk)
            start = int(ends[0])
            data[at : at + span] = np.frombuffer(chunk.buffers()[2], dtype=np.uint8, count=span, offset=start) if span else ()
            offsets[row + 1 : row + 1 + len(chunk)] = ends[1:] - start + at
            row, at = row + len(chunk), at + span
            del chunk, ends
        pieces[index] = pieces[index].drop_columns([name])  # the copied part can go now
        release_arrow_memory()  # and its pages too, before the copy grows into new ones
    return pa.Array.from_buffers(pa.large_string(), rows, [None, offsets_buffer, data_buffer])


def _large_string_span(chunk: pa.Array) -> tuple[np.ndarray, int]:
    """A large_string chunk's offsets (len + 1 of them) and the bytes its values span."""
    ends = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk) + 1, offset=8 * chunk.offset)
    return ends, int(ends[-1] - ends[0])


def row_group_rows(table: pa.Table) -> int:
    """Rows per row group when writing `table` in one call: about ROW_GROUP_BYTES of Arrow data on
    average (scripts/bench_cdc.py; the shard writer cuts row groups by measured size instead)."""
    if table.num_rows == 0:
        return 1
    per_row = max(1, table.nbytes // table.num_rows)
    return max(1, min(MAX_ROW_GROUP_ROWS, ROW_GROUP_BYTES // per_row))


def write_split_stream(
    out: Path,
    split: str,
    tables: Iterable[pa.Table],
    total_rows: int | None,
    max_rows: int,
    max_bytes: int,
) -> list[ShardInfo]:
    """Write a split given as a stream of tables (in final row order) into shards under OUT/data/.

    A shard holds at most `max_rows` rows and `max_bytes` bytes of Arrow data (`arrow_bytes`);
    only a single row bigger than that gets a shard, or a row group, to itself. Shards are
    written under provisional names and renamed to '-of-N' once N is known. `total_rows`, when
    given, is checked against the rows streamed. An empty split gets no file:
    `datasets` cannot load a split without rows, so the card leaves it out.
    """
    writer = _SplitWriter(Path(out), split, max_rows, max_bytes)
    try:
        for table in tables:
            writer.add(table)
        shards = writer.finish()
    except BaseException:
        writer.discard()
        raise
    written = sum(shard.num_rows for shard in shards)
    if total_rows is not None and written != total_rows:
        raise RuntimeError(f"split {split}: the stream held {written} rows, {total_rows} were announced")
    return shards


class _SplitWriter:
    """Rows in final order -> row groups -> shard files with provisional names -> final names."""

    def __init__(self, out: Path, split: str, max_rows: int, max_bytes: int):
        self.out, self.split, self.max_rows, self.max_bytes = out, split, max_rows, max_bytes
        self.schema = arrow_schema()
        self.bitmaps = bitmap_count(self.schema)
        # Bitmaps take bitmaps * ceil(rows / 8) bytes: at most this much per row plus `bitmaps` once.
        self.bitmap_per_row = -(-self.bitmaps // 8)
        self.group: list[pa.Table] = []
        self.group_rows = self.group_data = 0
        self.shard_rows = self.shard_data = 0
        self.parquet: pq.ParquetWriter | None = None
        self.path: Path | None = None  # of the open shard
        self.done: list[tuple[Path, int, int]] = []  # provisional path, rows, row bytes

    def _charge(self, rows: int, data: int) -> int:
        """An upper bound of the Arrow size of `rows` rows with `data` row bytes."""
        return data + rows * self.bitmap_per_row + self.bitmaps

    def add(self, table: pa.Table) -> None:
        table = table.cast(self.schema)
        sizes = row_bytes(table)
        cost = np.concatenate([[0], np.cumsum(sizes + self.bitmap_per_row)])  # cost[k]: rows [0, k)
        start = 0
        while start < table.num_rows:
            take = self._fit(cost, start, table.num_rows)
            if take == 0 and self.group_rows:
                self._flush_group()
                continue
            if take == 0 and self.shard_rows and not self._fits_shard(int(sizes[start])):
                self._close_shard()
                continue
            take = max(take, 1)  # a row bigger than a row group (or a shard) on its own
            self.group.append(table.slice(start, take))
            self.group_rows += take
            self.group_data += int(sizes[start : start + take].sum())
            start += take

    def _fit(self, cost: np.ndarray, start: int, end: int) -> int:
        """How many rows from `start` fit in both the open row group and the open shard."""
        rows, data = self.shard_rows + self.group_rows, self.shard_data + self.group_data
        room = min(ROW_GROUP_BYTES - self._charge(self.group_rows, self.group_data),
                   self.max_bytes - self._charge(rows, data))
        if room < 0:
            return 0
        fitting = int(np.searchsorted(cost, cost[start] + room, side="right")) - 1 - start
        return max(0, min(fitting, end - start, MAX_ROW_GROUP_ROWS - self.group_rows, self.max_rows - rows))

    def _fits_shard(self, size: int) -> bool:
        rows = self.shard_rows + self.group_rows
        return rows < self.max_rows and self._charge(rows + 1, self.shard_data + self.group_data + size) <= self.max_bytes

    def _flush_group(self) -> None:
        # One contiguous table per row group: page boundaries then do not depend on input batches.
        pieces, self.group = self.group, []
        table = contiguous(pieces)
        if self.parquet is None:
            self.path = self.out / "data" / f".{self.split}-{len(self.done):05d}.parquet.partial"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.parquet = pq.ParquetWriter(
                self.path,
                self.schema,
                compression=COMPRESSION,
                write_page_index=True,
                use_content_defined_chunking=CONTENT_DEFINED_CHUNKING,
            )
        self.parquet.write_table(table, row_group_size=table.num_rows)
        del table
        release_memory()  # the row group and its encoding buffers (~100 MB kept by the allocators otherwise)
        self.shard_rows += self.group_rows
        self.shard_data += self.group_data
        self.group_rows, self.group_data = 0, 0

    def _close_shard(self) -> None:
        if self.group_rows:
            self._flush_group()
        if self.parquet is None:
            return
        self.parquet.close()
        self.done.append((self.path, self.shard_rows, self.shard_data))
        self.parquet, self.shard_rows, self.shard_data = None, 0, 0

    def finish(self) -> list[ShardInfo]:
        self._close_shard()
        shards = []
        for index, (path, rows, data) in enumerate(self.done):
            relative = shard_name(self.split, index, len(self.done))
            path.rename(self.out / relative)
            shards.append(ShardInfo(self.split, relative, rows, arrow_bytes(rows, data, self.schema)))
        self.done = []
        return shards

    def discard(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
            self.done.append((self.path, 0, 0))
            self.parquet = None
        for path, _, _ in self.done:
            path.unlink(missing_ok=True)
