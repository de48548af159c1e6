"""The page cache: what extraction made of each page, addressed by what could change it.

A page's key is a hash of the extraction logic's version, the settings that affect a record,
the page's path and the sha256 of its bytes, and the page's own template lines. Results (the
record, or the reject) are written by the workers in Parquet segments, each renamed into place
when complete, so a build killed at any moment keeps every finished batch and a rebuild after
adding files parses only the new ones. Nothing is pickled: a cache another user can read holds
only Parquet.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

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

    def load_index(self) -> dict[str, dict[str, Any]]:
        """key -> light columns (and the segment holding the page) of every cached page."""
        index: dict[str, dict[str, Any]] = {}
        for name in self.segment_names():
            try:
                table = pq.read_table(self.segments / name, columns=list(LIGHT_COLUMNS))
            except (OSError, pa.ArrowException):
                (self.segments / name).unlink(missing_ok=True)  # damaged: its pages are parsed again
                continue
            for row in table.to_pylist():
                row["_segment"] = name
                index.setdefault(row["_key"], row)
        return index

    def read_segment(self, name: str, keys: pa.Array) -> pa.Table:
        """The rows of segment `name` whose keys are among `keys` (record columns + _key)."""
        table = pq.read_table(self.segments / name, columns=list(arrow_schema().names) + ["_key"])
        return table.filter(pa.compute.is_in(table.column("_key"), value_set=keys))

    def collect_garbage(self, used: set[str]) -> int:
        """Remove segments no page of the last build came from; return how many."""
        removed = 0
        for name in self.segment_names():
            if name not in used:
                (self.segments / name).unlink()
                removed += 1
        return removed
