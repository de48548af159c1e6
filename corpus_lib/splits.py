"""Split assignment: a threshold on a salted hash of a stable key.

A record's split depends only on its key, the salt and the fractions, never on which other
records exist or in which order they come, so adding or removing files moves nobody.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

SPLIT_RULE = "corpus_lib.split/1"
SPLITS = ("train", "validation", "test")
_SCALE = float(1 << 64)


def split_point(key: str, salt: str) -> float:
    """Where a key falls in [0, 1): the first 8 bytes of sha256(salt NUL key), big-endian."""
    digest = hashlib.sha256(f"{salt}\0{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign_split(key: str, salt: str = "v1", test: float = 0.1, validation: float = 0.0) -> str:
    """'test' below `test`, then 'validation', else 'train'.

    Growing `test` only moves records from validation/train into test, never the reverse.
    """
    if not (0 <= test <= 1 and 0 <= validation <= 1 and test + validation <= 1):
        raise ValueError(f"bad split fractions test={test} validation={validation}")
    point = split_point(key, salt)
    if point < test:
        return "test"
    if point < test + validation:
        return "validation"
    return "train"


LEDGER_FILE = "splits.parquet"


@dataclasses.dataclass(frozen=True)
class SplitPlan:
    """How splits are made: the hash rule, optionally a temporal cut-off."""

    salt: str = "v1"
    test: float = 0.1
    validation: float = 0.0
    cutoff: str | None = None  # 'YYYY-MM-DD': temporal split, test on and after this day

    def by_hash(self, key: str) -> str:
        return assign_split(key, self.salt, self.test, self.validation)

    def by_date(self, key: str, published_local: str | None) -> tuple[str, str]:
        """(split, reason) for the temporal rule: undated records fall back to the hash rule."""
        if self.cutoff is None or not published_local:
            return self.by_hash(key), "hash"
        if published_local[:10] >= self.cutoff:
            return "test", "temporal"
        # Before the cut-off: validation (if any) by hash, the rest train.
        if self.validation and split_point(key, self.salt) < self.validation:
            return "validation", "temporal"
        return "train", "temporal"


@dataclasses.dataclass(frozen=True)
class LedgerEntry:
    id: str
    split: str
    cluster: str  # id of the cluster's representative
    reason: str  # 'hash', 'temporal' or 'previous' (inherited from the previous release's ledger)


def assign_cluster_splits(
    records: dict[str, Mapping[str, Any]],
    clusters: dict[str, list[str]],
    plan: SplitPlan,
    previous: dict[str, str] | None = None,
) -> tuple[dict[str, LedgerEntry], list[dict[str, str]]]:
    """One split per duplicate cluster, so no near-copy of a test article is in train.

    A cluster that has members in the previous release's ledger takes the split of its first
    such member (representative rule order); otherwise the rule applies to its representative.
    Returns the ledger entries of every id, and the ids whose split differs from `previous`
    (only possible when a new record joins clusters that the previous release kept apart).
    """
    previous = previous or {}
    ledger: dict[str, LedgerEntry] = {}
    moves: list[dict[str, str]] = []
    for rep, ids in sorted(clusters.items()):
        known = [i for i in ids if i in previous]
        if known:
            ordered = sorted(known, key=lambda i: _order(records[i]))
            split, reason = previous[ordered[0]], "previous"
        elif plan.cutoff is not None:
            split, reason = plan.by_date(rep, records[rep].get("published_local"))
        else:
            split, reason = plan.by_hash(rep), "hash"
        for record_id in ids:
            ledger[record_id] = LedgerEntry(record_id, split, rep, reason)
            if record_id in previous and previous[record_id] != split:
                moves.append({"id": record_id, "from": previous[record_id], "to": split})
    return ledger, sorted(moves, key=lambda m: m["id"])


def _order(record: Mapping[str, Any]) -> tuple:
    published = record.get("published_local")
    return (published is None, published or "", record["id"])


def write_ledger(path: Path, entries: Iterable[LedgerEntry], source_files: Mapping[str, str]) -> None:
    rows = sorted(entries, key=lambda e: e.id)
    table = pa.table(
        {
            "id": pa.array([e.id for e in rows], pa.string()),
            "split": pa.array([e.split for e in rows], pa.string()),
            "cluster": pa.array([e.cluster for e in rows], pa.string()),
            "reason": pa.array([e.reason for e in rows], pa.string()),
            "source_file": pa.array([source_files.get(e.id) for e in rows], pa.string()),
        }
    )
    pq.write_table(table, path, compression="zstd")


def read_ledger(path: Path) -> dict[str, str]:
    """id -> split from a release's splits.parquet. Raises ValueError naming the file."""
    try:
        table = pq.read_table(path, columns=["id", "split"])
    except (OSError, pa.ArrowException) as exc:
        raise ValueError(f"{path}: not a readable split ledger: {exc}") from exc
    ids, splits = table.column("id").to_pylist(), table.column("split").to_pylist()
    bad = sorted({s for s in splits if s not in SPLITS})
    if bad:
        raise ValueError(f"{path}: unknown split names {bad}")
    return dict(zip(ids, splits))
