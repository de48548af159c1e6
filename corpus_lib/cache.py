"""The page cache: what extraction made of each page, addressed by what could change it.

A page's key is a hash of the extraction logic's version, the settings that affect a record,
the page's path and the sha256 of its bytes, and the page's own template lines. Results (the
record, or the reject) are written by the workers in Parquet segments, each renamed into place
when complete, so a build killed at any moment keeps every finished batch and a rebuild after
adding files parses only the new ones. Nothing is pickled: a cache another user can read holds
only Parquet.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpus_lib.schema import arrow_schema

CACHE_FORMAT = "corpus_lib.cache/1"
# What the build needs of every page for the global steps (dedup, splits, card), without bodies.
LIGHT_COLUMNS = (
    "_key", "id", "source_file", "url", "published_local", "language", "source", "char_count",
    "_fingerprint", "_sketch", "_reject_reason", "_reject_message",
)
_EXTRA_FIELDS = [
    pa.field("_key", pa.string()),
    pa.field("_fingerprint", pa.string()),
    pa.field("_sketch", pa.binary()),
    pa.field("_reject_reason", pa.string()),
    pa.field("_reject_message", pa.string()),
]


def segment_schema() -> pa.Schema:
    return pa.schema(list(arrow_schema().remove_metadata()) + _EXTRA_FIELDS)


def page_key(settings_digest: str, source_file: str, sha256: str, template_keys: Iterable[str]) -> str:
    text = json.dumps([CACHE_FORMAT, settings_digest, source_file, sha256, sorted(template_keys)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PageCache:
    """Parquet segments under ROOT/segments; the index maps page keys to their light columns."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.segments = self.root / "segments"

    def prepare(self) -> None:
        self.segments.mkdir(parents=True, exist_ok=True)
        for leftover in self.segments.glob("*.tmp"):
            leftover.unlink()  # a batch that was being written when a build was killed

    def write_segment(self, rows: list[dict[str, Any]]) -> str | None:
        """Write one batch's new results atomically; the name is derived from its keys."""
        if not rows:
            return None
        name = hashlib.sha256("\n".join(sorted(r["_key"] for r in rows)).encode()).hexdigest()[:32] + ".parquet"
        final = self.segments / name
        if final.exists():
            return name
        tmp = self.segments / f"{name}.{os.getpid()}.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=segment_schema()), tmp, compression="zstd")
        os.replace(tmp, final)
        return name

    def segment_names(self) -> list[str]:
        return sorted(p.name for p in self.segments.glob("*.parquet")) if self.segments.is_dir() else []

    def load_index(self) -> CacheIndex:
        """Where every cached page is (its segment and row), read from the segments' key columns."""
        names, segments, rows = [], [], []
        digests = bytearray()  # the keys as 32-byte digests, not a hex string each
        for name in self.segment_names():
            try:
                column = pq.read_table(self.segments / name, columns=["_key"]).column("_key").to_pylist()
            except (OSError, pa.ArrowException):
                (self.segments / name).unlink(missing_ok=True)  # damaged: its pages are parsed again
                continue
            segments.append(np.full(len(column), len(names), dtype=np.int32))
            rows.append(np.arange(len(column), dtype=np.int32))
            names.append(name)
            for key in column:
                digests += bytes.fromhex(key)
        matrix = np.frombuffer(bytes(digests), dtype=np.uint8).reshape(-1, 32)
        empty = np.zeros(0, dtype=np.int32)
        return CacheIndex(self, names, matrix, np.concatenate(segments) if segments else empty, np.concatenate(rows) if rows else empty)

    def read_segment(self, name: str, keys: pa.Array | None = None) -> pa.Table:
        """The rows of segment `name` (record columns + _key), all of them or those whose keys are
        among `keys`."""
        table = pq.read_table(self.segments / name, columns=list(arrow_schema().names) + ["_key"])
        return table if keys is None else table.filter(pa.compute.is_in(table.column("_key"), value_set=keys))

    def collect_garbage(self, used: set[str]) -> int:
        """Remove segments no page of the last build came from; return how many."""
        removed = 0
        for name in self.segment_names():
            if name not in used:
                (self.segments / name).unlink()
                removed += 1
        return removed


def _words(digests: np.ndarray) -> np.ndarray:
    """32-byte digests as rows of 4 uint64 words, ordered as the bytes are."""
    return np.ascontiguousarray(digests).view(">u8").reshape(-1, 4).astype(np.uint64)


class KnownKeys:
    """A set of page keys (hex sha256) as a sorted (n x 4) uint64 matrix: 32 bytes a key, sent to
    every worker (a frozenset of a million hex strings was ~120 MB)."""

    def __init__(self, keys: list[str] | np.ndarray):
        """`keys`: hex strings, or their digests as a (n x 32) uint8 matrix."""
        digests = keys if isinstance(keys, np.ndarray) else np.frombuffer(b"".join(bytes.fromhex(k) for k in keys), dtype=np.uint8)
        matrix = _words(digests)
        self.order = np.lexsort(matrix.T[::-1]) if len(matrix) else np.zeros(0, dtype=np.int64)
        self.matrix = matrix[self.order]

    def __len__(self) -> int:
        return len(self.matrix)

    def position(self, key: str) -> int | None:
        """The index, in the order given, of `key`, or None."""
        if not len(self.matrix):
            return None
        target = np.frombuffer(bytes.fromhex(key), dtype=">u8").astype(np.uint64)
        first = self.matrix[:, 0]
        lo, hi = np.searchsorted(first, target[0], "left"), np.searchsorted(first, target[0], "right")
        for at in range(lo, hi):
            if np.array_equal(self.matrix[at], target):
                return int(self.order[at])
        return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.position(key) is not None


class CacheIndex:
    """The pages a cache holds: each key's segment and row (~40 bytes a page). A page's light
    columns are read from its segment when asked for, a few segments being kept at a time: a
    build asks in input order, which is the order the segments were written in."""

    _KEPT_SEGMENTS = 64

    def __init__(self, cache: PageCache, names: list[str], digests: np.ndarray, segments: np.ndarray, rows: np.ndarray):
        # A key in two segments (a batch written twice) is found in the first, by segment name:
        # lexsort is stable, so of equal keys the first listed comes first.
        words = _words(digests)
        order = np.lexsort(words.T[::-1])
        ordered = words[order]
        first = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)] if len(ordered) else np.zeros(0, dtype=bool)
        chosen = np.sort(order[first])
        self.cache, self.names = cache, names
        self.known = KnownKeys(digests[chosen])
        self.segments, self.rows = segments[chosen], rows[chosen]
        self._kept: collections.OrderedDict[int, list[dict[str, Any]]] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self.known)

    def __contains__(self, key: object) -> bool:
        return key in self.known

    def light(self, key: str) -> dict[str, Any]:
        """The light columns (and `_segment`, the segment's name) of the cached page `key`."""
        at = self.known.position(key)
        if at is None:
            raise KeyError(key)
        segment = int(self.segments[at])
        rows = self._kept.get(segment)
        if rows is None:
            table = pq.read_table(self.cache.segments / self.names[segment], columns=list(LIGHT_COLUMNS))
            rows = table.to_pylist()
            for row in rows:
                row["_segment"] = self.names[segment]
            self._kept[segment] = rows
            if len(self._kept) > self._KEPT_SEGMENTS:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(segment)
        return rows[int(self.rows[at])]
