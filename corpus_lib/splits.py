"""Split assignment: a threshold on a salted hash of a stable key.

A record's split depends only on its key, the salt and the fractions, never on which other
records exist or in which order they come, so adding or removing files moves nobody.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_lib.dedup import Clusters, keep_order

SPLIT_RULE = "corpus_lib.split/1"
SPLITS = ("train", "validation", "test")
REASONS = ("hash", "temporal", "previous")  # why a ledger entry has its split
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
    records: Mapping[str, Mapping[str, Any]],
    clusters: Clusters,
    plan: SplitPlan,
    previous: Mapping[str, str] | None = None,
) -> tuple[dict[str, LedgerEntry], Clusters]:
    """One split per duplicate cluster, so no near-copy of a test article is in train.

    Without `previous` (the previous release's ledger, id -> split) the rule applies to each
    cluster's representative. With it, every known id keeps its split, whatever joins it: a cluster
    whose known members agree gives their split to its new members; one whose known members
    disagree (a new record joins clusters the previous release kept apart) is separated, and each
    record that would join two splits becomes a 'bridge' duplicate (see `_separate`). Returns the
    ledger entry of every id and the clusters as separated (the input is not changed).
    """
    previous = previous or {}
    ledger: dict[str, LedgerEntry] = {}
    separated: Clusters | None = None
    for rep, ids in sorted(clusters.cluster_ids().items()):
        known = sorted((i for i in ids if i in previous), key=lambda i: keep_order(records[i]))
        if len({previous[i] for i in known}) > 1:
            if separated is None:
                separated = dataclasses.replace(
                    clusters, representative_of=dict(clusters.representative_of), members=dict(clusters.members)
                )
            ledger.update(_separate(records, ids, separated, plan, previous))
            continue
        if known:
            split, reason = previous[known[0]], "previous"
        else:
            split, reason = rule_split(plan, rep, records[rep].get("published_local"))
        for record_id in ids:
            ledger[record_id] = LedgerEntry(record_id, split, rep, reason)
    return ledger, separated or clusters


def rule_split(plan: SplitPlan, key: str, published_local: str | None) -> tuple[str, str]:
    """(split, reason) by the plan's rule for a cluster whose representative is `key`."""
    if plan.cutoff is not None:
        return plan.by_date(key, published_local)
    return plan.by_hash(key), "hash"


def _separate(
    records: Mapping[str, Mapping[str, Any]], ids: list[str], clusters: Clusters, plan: SplitPlan, previous: Mapping[str, str]
) -> dict[str, LedgerEntry]:
    """Split a cluster whose known members disagree, so that no linked pair of kept records straddles
    splits and no known id moves.

    Known ids keep their splits. A known id linked to a kept known id of another split (its body
    changed since, or it was a bridge before) is dropped: first one whose split keeps another linked
    copy, then the latest by the keep rule. New records then take, in rounds outward from the known
    ones (keep order within a round), the one split of their kept neighbours; a new record
    whose kept neighbours have two splits is a bridge, dropped. New records left unreached (linked
    only through bridges) form clusters of their own under the rule. Each dropped record is listed as
    a duplicate of the representative of the nearest kept known record (ties: keep order), of its own
    split if it is known, and takes that record's split if it is new.
    """
    links = clusters.links
    if links is None:
        raise ValueError("separating a cluster needs the clusters' links (cluster_records sets them)")
    adjacent = links.adjacency(ids)
    order = {i: keep_order(records[i]) for i in ids}

    kept_known = {i for i in ids if i in previous}
    dropped: set[str] = set()
    while True:
        conflicted = [i for i in kept_known if any(j in kept_known and previous[j] != previous[i] for j in adjacent[i])]
        if not conflicted:
            break
        covered = [i for i in conflicted if any(j in kept_known and previous[j] == previous[i] for j in adjacent[i])]
        drop = max(covered or conflicted, key=order.__getitem__)
        kept_known.discard(drop)
        dropped.add(drop)

    split_of = {i: previous[i] for i in kept_known}
    pending = sorted((i for i in ids if i not in previous), key=order.__getitem__)
    while True:
        frontier = [i for i in pending if any(j in split_of for j in adjacent[i])]
        if not frontier:
            break
        for record_id in frontier:
            near = {split_of[j] for j in adjacent[record_id] if j in split_of}
            if len(near) == 1:
                split_of[record_id] = near.pop()
            else:
                dropped.add(record_id)
        pending = [i for i in pending if i not in split_of and i not in dropped]

    kept = [i for i in sorted(ids, key=order.__getitem__) if i not in dropped]
    groups = _components(kept, adjacent)
    targets: dict[str, str] = {}
    for record_id in sorted(dropped):
        candidates = sorted(kept_known)
        if record_id in previous:
            candidates = [c for c in candidates if previous[c] == previous[record_id]] or candidates
        targets[record_id] = min(candidates, key=lambda c: (-links.similarity(record_id, c), order[c]))
    reps = clusters.separate(groups, targets)

    ledger: dict[str, LedgerEntry] = {}
    group_of: dict[str, tuple[str, str]] = {}
    for rep, group in zip(reps, groups):
        assigned = next((split_of[i] for i in group if i in split_of), None)
        split, reason = (assigned, "previous") if assigned is not None else rule_split(plan, rep, records[rep].get("published_local"))
        for record_id in group:
            ledger[record_id] = LedgerEntry(record_id, split, rep, reason)
            group_of[record_id] = (split, rep)
    for record_id, target in targets.items():
        split, rep = group_of[target]
        ledger[record_id] = LedgerEntry(record_id, previous.get(record_id, split), rep, "previous")
    return ledger


def _components(ids: list[str], adjacent: Mapping[str, set[str]]) -> list[list[str]]:
    """Connected components of the links among `ids`, each in the order of `ids`, ordered by first member."""
    inside, seen, groups = set(ids), set(), []
    rank = {i: n for n, i in enumerate(ids)}
    for start in ids:
        if start in seen:
            continue
        seen.add(start)
        stack, group = [start], []
        while stack:
            record_id = stack.pop()
            group.append(record_id)
            for other in adjacent[record_id]:
                if other in inside and other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(sorted(group, key=rank.__getitem__))
    return groups


def write_ledger_table(path: Path, table: pa.Table) -> None:
    """Write the ledger's columns (id, split, cluster, reason, source_file; sorted by id)."""
    pq.write_table(table.select(["id", "split", "cluster", "reason", "source_file"]), path, compression="zstd")


@dataclasses.dataclass(frozen=True)
class LedgerColumns:
    """A release's ledger (id -> split) as columns: the ids as one Arrow array and a split code
    (index into SPLITS) per id, ~25 bytes an id where a dict took ~150."""

    ids: pa.Array
    splits: np.ndarray

    @classmethod
    def of(cls, ledger: Mapping[str, str] | LedgerColumns | None) -> LedgerColumns | None:
        if ledger is None or isinstance(ledger, LedgerColumns):
            return ledger
        code = {name: i for i, name in enumerate(SPLITS)}
        return cls(pa.array(list(ledger), pa.string()), np.asarray([code[s] for s in ledger.values()], dtype=np.int8))

    def __len__(self) -> int:
        return len(self.ids)

    def codes_for(self, ids: pa.Array) -> np.ndarray:
        """For each of `ids`, its split code in this ledger, or -1 where the ledger does not hold it."""
        at = pc.index_in(ids, value_set=self.ids)
        found = np.asarray(pc.fill_null(at, -1), dtype=np.int64)
        codes = np.full(len(found), -1, dtype=np.int8)
        codes[found >= 0] = self.splits[found[found >= 0]]
        return codes


def read_ledger(path: Path) -> LedgerColumns:
    """The ids and splits of a release's splits.parquet. Raises ValueError naming the file."""
    try:
        table = pq.read_table(path, columns=["id", "split"])
    except (OSError, pa.ArrowException) as exc:
        raise ValueError(f"{path}: not a readable split ledger: {exc}") from exc
    splits = table.column("split").combine_chunks().dictionary_encode()
    names = splits.dictionary.to_pylist()
    bad = sorted({s for s in names if s not in SPLITS} | ({None} if splits.null_count else set()), key=str)
    if bad:
        raise ValueError(f"{path}: unknown split names {bad}")
    codes = np.asarray([SPLITS.index(name) for name in names], dtype=np.int8)[np.asarray(splits.indices)] if len(splits) else np.zeros(0, np.int8)
    return LedgerColumns(table.column("id").combine_chunks(), codes)
