"""What the global steps hold of every record, kept on disk: the light table and the sketch file.

A build streams one light row (id, path, URL, date, fingerprint, cache key, ...) and one MinHash
row per record out of pass 2. Held as Python dicts and bytes, that was about 1.5 KB a record (1.4 GB
at a million pages). Here the rows go to Arrow IPC files, one per column, and the MinHash rows to a flat file,
both in the build's scratch folder (the sketch file is neardup.SketchFile); the global steps read
back one column at a time, or the rows they need, so what stays in memory is a few numpy arrays of
a few bytes a record.

The same classes also wrap rows that are already in memory (a list of records, a signature
matrix), so the global steps have one implementation for the build and for direct callers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_lib.dedup import DigestColumn, body_fingerprint, digest_prefixes
from corpus_lib.neardup import key_groups

# The light columns as stored; _fingerprint and _key are sha256 digests (32 bytes, not 64 hex
# characters), _segment an index into LightTable.segments, _url_hash 8 bytes of the URL's blake2b
# (the URL groups are found on these, then checked on the URLs).
LIGHT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("url", pa.string()),
        pa.field("published_local", pa.string()),
        pa.field("language", pa.string()),
        pa.field("source", pa.string()),
        pa.field("char_count", pa.int64()),
        pa.field("_fingerprint", pa.binary(32)),
        pa.field("_key", pa.binary(32)),
        pa.field("_segment", pa.int32()),
        pa.field("_url_hash", pa.uint64()),
    ]
)
_BATCH_ROWS = 8192  # rows gathered before they are written as one IPC batch
_HEX_COLUMNS = ("_fingerprint", "_key")


def digest_rows(array: pa.Array) -> np.ndarray:
    """A binary(32) array's values as a (rows x 32) uint8 view of its buffer."""
    return np.frombuffer(array.buffers()[1], dtype=np.uint8, count=32 * len(array), offset=32 * array.offset).reshape(len(array), 32)


_HEX_VALUE = np.full(256, -1, dtype=np.int16)
_HEX_VALUE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_HEX_VALUE[np.frombuffer(b"abcdef", dtype=np.uint8)] = np.arange(10, 16)
_NIBBLE_SHIFTS = np.arange(60, -1, -4, dtype=np.uint64)
_KEY_BLOCK = 65536


def id_keys(ids: pa.Array) -> np.ndarray | None:
    """Ids of 16 lowercase hex digits (record_id's form) as uint64, which order as the strings do;
    None if any is not. Sorting 8-byte integers instead of strings needs no string copies."""
    if not len(ids):
        return np.empty(0, dtype=np.uint64)
    if ids.null_count or not pc.all(pc.equal(pc.binary_length(ids), 16)).as_py():
        return None
    first = np.frombuffer(ids.buffers()[1], dtype=np.int32, count=1, offset=4 * ids.offset)[0]
    text = np.frombuffer(ids.buffers()[2], dtype=np.uint8, count=16 * len(ids), offset=int(first)).reshape(len(ids), 16)
    keys = np.empty(len(ids), dtype=np.uint64)
    # A block at a time: the digits of a whole column as uint64 would be 128 bytes an id.
    for start in range(0, len(ids), _KEY_BLOCK):
        digits = _HEX_VALUE[text[start : start + _KEY_BLOCK]]
        if (digits < 0).any():
            return None
        keys[start : start + _KEY_BLOCK] = np.bitwise_or.reduce(digits.astype(np.uint64) << _NIBBLE_SHIFTS, axis=1)
    return keys


def id_order(ids: pa.Array) -> np.ndarray:
    """The stable ascending order of string ids: on id_keys where it applies, else on the strings."""
    keys = id_keys(ids)
    if keys is not None:
        return np.argsort(keys, kind="stable")
    return np.asarray(pc.sort_indices(ids), dtype=np.int64)


class LightTable:
    """The light columns of every record, in record order.

    `LightTable(folder)` spills appended rows to the folder, one Arrow IPC file per column (a
    column of one file cannot be read alone: reading it, or mapping the file, brings in every
    column's pages); `from_records` wraps
    records held in memory (their bodies give the fingerprints where `_fingerprint` is missing).
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else None
        self.segments: list[str] = []  # names of the cache segments rows came from (_segment indexes it)
        self._segment_index: dict[str, int] = {}
        self._pending: list[dict[str, Any]] = []
        self._rows = 0
        self._writers = {}
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._writers = {field.name: pa.ipc.new_file(str(self._file(field.name)), pa.schema([field])) for field in LIGHT_SCHEMA}
        self._table: pa.Table | None = None
        self.records: Sequence[Mapping[str, Any]] | None = None  # the records themselves, when held in memory

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> LightTable:
        table = cls()
        table.append(records)
        table.close()
        table.records = records
        return table

    def __len__(self) -> int:
        return self._rows

    def append(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add records (dicts with the light columns; `_segment` a segment name or None)."""
        for row in rows:
            light = {name: row.get(name) for name in LIGHT_SCHEMA.names}
            fingerprint = row.get("_fingerprint") or body_fingerprint(row["body"])
            light["_fingerprint"] = bytes.fromhex(fingerprint)
            light["_key"] = bytes.fromhex(row["_key"]) if row.get("_key") else None
            light["_segment"] = self._segment_number(row.get("_segment"))
            url = row.get("url")
            light["_url_hash"] = int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "big") if url else None
            self._pending.append(light)
        self._rows += len(rows)
        if len(self._pending) >= _BATCH_ROWS:
            self._flush()

    def _segment_number(self, name: str | None) -> int | None:
        if name is None:
            return None
        number = self._segment_index.get(name)
        if number is None:
            number = self._segment_index[name] = len(self.segments)
            self.segments.append(name)
        return number

    def _flush(self) -> None:
        if not self._pending:
            return
        batch = pa.RecordBatch.from_pylist(self._pending, schema=LIGHT_SCHEMA)
        self._pending = []
        if self._writers:
            for name, writer in self._writers.items():
                writer.write_batch(batch.select([name]))
        else:
            self._table = pa.Table.from_batches([batch]) if self._table is None else pa.concat_tables([self._table, pa.Table.from_batches([batch])])

    def close(self) -> None:
        self._flush()
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
        if self._table is None:
            self._table = LIGHT_SCHEMA.empty_table() if self.path is None else None

    def columns(self, *names: str) -> pa.Table:
        """The named columns of every row, read from their files or from memory."""
        if self._table is not None:
            return self._table.select(list(names)).combine_chunks()
        arrays = []
        for name in names:
            with pa.OSFile(str(self._file(name))) as source:
                chunks = pa.ipc.open_file(source).read_all().column(0).chunks
            arrays.append(pa.concat_arrays(chunks) if chunks else pa.array([], LIGHT_SCHEMA.field(name).type))
        return pa.table(arrays, names=list(names))

    def _take(self, name: str, indices: np.ndarray) -> pa.Array:
        """The values of column `name` at `indices`, reading its file a batch at a time (a few rows
        of a million should not bring in the whole column)."""
        order = np.argsort(indices, kind="stable")
        wanted = indices[order]
        pieces, start = [], 0
        with pa.OSFile(str(self._file(name))) as source:
            reader = pa.ipc.open_file(source)
            for number in range(reader.num_record_batches):
                batch = reader.get_batch(number)
                end = start + batch.num_rows
                lo, hi = np.searchsorted(wanted, [start, end])
                if hi > lo:
                    pieces.append(batch.column(0).take(pa.array(wanted[lo:hi] - start)))
                start = end
        gathered = pa.concat_arrays(pieces) if pieces else pa.array([], LIGHT_SCHEMA.field(name).type)
        if len(gathered) != len(indices):
            raise IndexError(f"light rows out of range (table of {start} rows)")
        if len(indices) < 2 or bool(np.all(indices[1:] >= indices[:-1])):
            return gathered  # already in the order asked for (no second copy)
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return gathered.take(pa.array(back))

    def _file(self, name: str) -> Path:
        return self.path / f"{name}.arrow"

    def column(self, name: str) -> pa.Array:
        return self.columns(name).column(0).combine_chunks()

    def batches(self, *names: str) -> Iterator[tuple[int, pa.Table]]:
        """(first row, table of the named columns) for consecutive slices of the rows, read a batch
        at a time: the columns' transient copy is one batch, not the whole column."""
        if self._table is not None:
            table = self._table.select(list(names))
            for start in range(0, table.num_rows, _BATCH_ROWS):
                yield start, table.slice(start, _BATCH_ROWS)
            return
        with contextlib.ExitStack() as stack:
            readers = [pa.ipc.open_file(stack.enter_context(pa.OSFile(str(self._file(name))))) for name in names]
            start = 0
            # Every column file got the same batches (append writes one batch to each).
            for number in range(readers[0].num_record_batches if readers else 0):
                table = pa.table([reader.get_batch(number).column(0) for reader in readers], names=list(names))
                yield start, table
                start += table.num_rows

    def _digest_batches(self, name: str) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, (rows x 32) digests) of a binary(32) column, a light batch at a time, checked
        for nulls and for covering every row."""
        end = 0
        for start, batch in self.batches(name):
            array = batch.column(0).combine_chunks()
            if array.null_count:
                raise ValueError(f"light column {name} has nulls")
            end = start + len(array)
            yield start, digest_rows(array)
        if end != len(self):
            raise ValueError(f"light column {name} has {end} rows, the table {len(self)}")

    def digests(self, name: str) -> np.ndarray:
        """A binary(32) column as a (rows x 32) uint8 matrix (filled a batch at a time)."""
        matrix = np.empty((len(self), 32), dtype=np.uint8)
        for start, digests in self._digest_batches(name):
            matrix[start : start + len(digests)] = digests
        return matrix

    def digest_column(self, name: str) -> DigestColumn:
        """A binary(32) column as a DigestColumn: its 8-byte prefixes held (filled a batch at a time),
        the whole digests read back for the rows that need them (a million rows: 8 MB, not 32)."""
        prefixes = np.empty(len(self), dtype=np.uint64)
        for start, digests in self._digest_batches(name):
            prefixes[start : start + len(digests)] = digest_prefixes(digests)
        return DigestColumn(prefixes, lambda rows: digest_rows(self._values(name, rows)))

    def _values(self, name: str, indices: np.ndarray) -> pa.Array:
        """The values of column `name` at `indices` (in that order) as one array."""
        if self._table is not None:
            return self._table.column(name).take(pa.array(indices)).combine_chunks()
        return self._take(name, np.asarray(indices, dtype=np.int64))

    def take(self, indices: Sequence[int] | np.ndarray, names: Sequence[str]) -> pa.Table:
        """The named columns of the rows at `indices`, read a batch at a time from their files."""
        indices = np.asarray(indices, dtype=np.int64)
        if self._table is not None:
            return self._table.select(list(names)).take(pa.array(indices))
        return pa.table([self._take(name, indices) for name in names], names=list(names))

    def rows(self, indices: Sequence[int] | np.ndarray, names: Sequence[str] = ("id", "source_file", "url", "published_local")) -> list[dict[str, Any]]:
        """The named columns of the rows at `indices` as dicts (hex strings for digests)."""
        if self.records is not None:
            return [{name: self.records[int(i)].get(name) for name in names} for i in indices]
        out = self.take(indices, names).to_pylist()
        for name in _HEX_COLUMNS:
            if name in names:
                for row in out:
                    row[name] = row[name].hex() if row[name] is not None else None
        return out

    def url_codes(self) -> np.ndarray:
        """An int64 code per row: rows with the same URL share a code, other rows have -1 (no URL,
        or a URL no other row has). Found on the URL hashes and checked on the URLs themselves, so
        what is held is 8 bytes a row, not the URLs (a dictionary of a million URLs took ~500 MB).
        The hashes are gathered a batch at a time, with 0 where there is no URL (such rows are
        taken out of the groups): a whole column, a null-filled copy and the rows with a URL were
        three more copies."""
        values = np.zeros(len(self), dtype=np.uint64)
        valid = np.zeros(len(self), dtype=bool)
        for start, batch in self.batches("_url_hash"):
            array = batch.column(0).combine_chunks()
            end = start + len(array)
            valid[start:end] = np.asarray(pc.is_valid(array))
            values[start:end] = np.asarray(pc.fill_null(array, 0)).astype(np.uint64, copy=False)
        codes = np.full(len(values), -1, dtype=np.int64)
        groups = [members for members in (group[valid[group]] for group in key_groups(values)) if len(members) > 1]
        del values, valid
        if not groups:
            return codes
        rows = np.concatenate(groups)
        url_of = dict(zip(rows.tolist(), (found["url"] for found in self.rows(rows, ("url",)))))
        next_code = 0
        for group in groups:
            by_url: dict[str, list[int]] = {}
            for row in group.tolist():
                by_url.setdefault(url_of[row], []).append(row)
            for same in by_url.values():
                if len(same) > 1:
                    codes[same] = next_code
                    next_code += 1
        return codes
