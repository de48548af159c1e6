"""The global steps: duplicate clusters, one split per cluster, the leakage check.

They run in the build's driver over every record, so they work on columns, not records: the
light table (lights.LightTable) and the MinHash rows (neardup.SketchFile) stay on disk and are
read back a column or a chunk at a time. Per record, what is held is a few numpy arrays (the
cluster root, the split, the reason, kept or not: about 20 bytes); only the records that have a
duplicate become Python objects, for the cluster rules in dedup.py and splits.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_lib.config import BuildConfig
from corpus_lib.dedup import Clusters, DigestColumn, clusters_of, digest_groups, link_rows
from corpus_lib.extract import minhash_params
from corpus_lib.lights import LIGHT_SCHEMA, LightTable, id_order
from corpus_lib.memory import release_memory
from corpus_lib.neardup import MinHashParams, SketchFile, signatures, similar_pairs
from corpus_lib.splits import REASONS, SPLITS, LedgerColumns, LedgerEntry, SplitPlan, assign_cluster_splits, rule_split


@dataclasses.dataclass
class ReleasePlan:
    """What the global steps decided, one entry per row of `lights` (record order)."""

    lights: LightTable
    split: np.ndarray  # int8, index into SPLITS
    reason: np.ndarray | None  # int8, index into REASONS (None after drop_details)
    cluster: np.ndarray | None  # the row of the representative of the record's cluster (None after drop_details)
    kept_mask: np.ndarray  # bool: in the dataset (not a dropped duplicate)
    duplicate_of: dict[int, str]  # kept rows marked as near-duplicates -> their representative's id
    duplicate_rows: list[dict[str, Any]]  # the dropped duplicates, by source_file
    moves: list[dict[str, str]]  # ids whose split differs from the reference ledger (see plan_release)
    clusters: Clusters | None  # the clusters of two or more records, as separated by the split assignment (None after drop_details)
    leakage_pairs: int
    marked: int

    @property
    def kept_count(self) -> int:
        return int(self.kept_mask.sum())

    def kept_columns(self, *names: str) -> pa.Table:
        """Light columns of the kept records, in record order (a chunk per light batch).

        Filtered a light batch at a time: reading whole columns and filtering them held both copies
        (a million fake light rows, the plots' four columns: +158 MB, against +89 MB now)."""
        parts = [batch.filter(pa.array(self.kept_mask[start : start + batch.num_rows])) for start, batch in self.lights.batches(*names)]
        return pa.concat_tables(parts) if parts else self.lights.columns(*names).slice(0, 0)

    @property
    def kept(self) -> list[dict[str, Any]]:
        """The kept records (with duplicate_of where marked): the records themselves when they were
        given in memory, else their light columns. Builds every row: for small releases and tests."""
        rows = np.flatnonzero(self.kept_mask)
        if self.lights.records is not None:
            records = [self.lights.records[int(row)] for row in rows]
        else:
            records = self.lights.rows(rows, [n for n in LIGHT_SCHEMA.names if not n.startswith("_")])
        return [dict(r, duplicate_of=self.duplicate_of[int(row)]) if int(row) in self.duplicate_of else r for row, r in zip(rows, records)]

    @property
    def ledger(self) -> dict[str, LedgerEntry]:
        """id -> ledger entry of every record. Builds every entry: for small releases and tests."""
        ids = self.lights.column("id").to_pylist()
        return {
            ids[row]: LedgerEntry(ids[row], SPLITS[self.split[row]], ids[self.cluster[row]], REASONS[self.reason[row]])
            for row in range(len(ids))
        }

    def ledger_table(self) -> pa.Table:
        """The split ledger's columns (id, split, cluster, reason, source_file), sorted by id."""
        # Each column is taken in id order (sorted on integer keys) from the rows as they are, one at a
        # time: building the unsorted table and taking a sorted copy held both. On a million fake light
        # rows the high-water rise went from 276 to 193 MB.
        ids = self.lights.column("id")
        order = id_order(ids)
        take = pa.array(order)
        columns = {
            "id": ids.take(take),
            "split": pa.array(SPLITS, pa.string()).take(pa.array(self.split[order])),
            "cluster": ids.take(pa.array(self.cluster[order])),
            "reason": pa.array(REASONS, pa.string()).take(pa.array(self.reason[order])),
        }
        del ids
        columns["source_file"] = self.lights.column("source_file").take(take)
        return pa.table(columns)

    def drop_details(self) -> None:
        """Let go of what only the duplicates file, the ledger and the summary are made from (the
        dropped duplicates' rows, the clusters, the reason and cluster columns) once they are made:
        the build writes them before the shards, so as not to hold them through the shard write. The
        plan still gives the kept rows, their splits and marks, the moves and the leakage count."""
        self.duplicate_rows = []
        self.clusters = None
        self.reason = self.cluster = None

    def reason_counts(self) -> dict[str, int]:
        counts = np.bincount(self.reason, minlength=len(REASONS))
        return {REASONS[i]: int(c) for i, c in enumerate(counts) if c}


def split_plan(cfg: BuildConfig) -> SplitPlan:
    return SplitPlan(salt=cfg.splits.salt, test=cfg.splits.test, validation=cfg.splits.validation, cutoff=cfg.splits.cutoff)


def plan_release(
    records: Sequence[Mapping[str, Any]] | LightTable,
    sketches: np.ndarray | SketchFile | None,
    cfg: BuildConfig,
    previous: Mapping[str, str] | LedgerColumns | None = None,
    reference: Mapping[str, str] | LedgerColumns | None = None,
) -> ReleasePlan:
    """Cluster duplicates, pick what is kept, give every cluster one split, check for leakage.

    `records`: a LightTable, or records with id, source_file, url, published_local and a body or
    its `_fingerprint`; `sketches` holds one MinHash row per record (None: no near-duplicate
    detection). `previous`: the previous release's ledger (id -> split), which no known id leaves.
    `reference`: a ledger to report moves against without enforcing it (default: `previous`,
    against which nothing moves).
    """
    lights = records if isinstance(records, LightTable) else LightTable.from_records(records)
    n = len(lights)
    previous = LedgerColumns.of(previous)
    reference = LedgerColumns.of(reference) if reference is not None else previous
    # Each record's split in the previous release (-1: new), for the rule that known ids stay put.
    known = previous.codes_for(lights.column("id")) if previous is not None else np.full(n, -1, dtype=np.int8)
    near = cfg.near_dedup != "off" and sketches is not None
    sketch_rows = SketchFile.of(sketches) if near else None
    params = minhash_params(cfg)
    # 8 bytes a record (a DigestColumn), not the 32 of the whole digests.
    digests = lights.digest_column("_fingerprint")
    url_codes = lights.url_codes() if cfg.exact_dedup else None
    roots, near_pairs = link_rows(n, digests if cfg.exact_dedup else None, url_codes, sketch_rows, params if near else None)
    del url_codes
    release_memory()

    # Only records with a duplicate become objects for the cluster rules.
    grouped = np.flatnonzero(np.bincount(roots, minlength=n)[roots] > 1)
    members = lights.rows(grouped, ("id", "source_file", "url", "published_local"))
    clusters = clusters_of(
        members, digests.hex(grouped), roots[grouped], near_pairs,
        sketch_rows.select(grouped) if near else None, params, cfg.exact_dedup,
    )
    plan = split_plan(cfg)
    member_previous = {r["id"]: SPLITS[known[row]] for r, row in zip(members, grouped.tolist()) if known[row] >= 0}
    by_id = {r["id"]: r for r in members}
    member_ledger, clusters = assign_cluster_splits(by_id, clusters, plan, member_previous)
    row_of = {r["id"]: int(row) for r, row in zip(members, grouped)}

    split = np.zeros(n, dtype=np.int8)
    reason = np.zeros(n, dtype=np.int8)
    cluster = np.arange(n, dtype=np.int64)
    alone = np.ones(n, dtype=bool)
    alone[grouped] = False
    _assign_singletons(lights, alone, plan, known, split, reason)
    split_code = {name: i for i, name in enumerate(SPLITS)}
    reason_code = {name: i for i, name in enumerate(REASONS)}
    for record_id, entry in member_ledger.items():
        row = row_of[record_id]
        split[row], reason[row], cluster[row] = split_code[entry.split], reason_code[entry.reason], row_of[entry.cluster]

    kept_mask = np.ones(n, dtype=bool)
    duplicate_of: dict[int, str] = {}
    duplicate_rows = []
    for record_id, membership in clusters.members.items():
        row = row_of[record_id]
        # Bridges are dropped in mark mode too: kept, they would put a near-copy in another split.
        if membership.kind != "near" or cfg.near_dedup == "drop":
            kept_mask[row] = False
            duplicate_rows.append(
                {
                    "source_file": by_id[record_id]["source_file"],
                    "id": record_id,
                    "duplicate_of": membership.representative,
                    "kind": membership.kind,
                    "similarity": membership.similarity,
                    "split": SPLITS[split[row]],
                }
            )
        else:
            duplicate_of[row] = membership.representative
    duplicate_rows.sort(key=lambda row: row["source_file"])
    # The member records and their links were for the cluster rules: what the release keeps of the
    # clusters is who belongs to whom. Dropped here, before the leakage check's arrays are made
    # (at 1M synthetic pages, 38k duplicates: ~150 MB of objects).
    clusters.links = None
    del members, by_id, row_of, member_ledger, member_previous
    release_memory()

    moves = _moves(lights, split, reference)
    kept_rows = np.flatnonzero(kept_mask)
    check = cfg.exact_dedup or near
    leak_sketches = sketch_rows.select(kept_rows) if near else (_body_sketches(lights, kept_rows, params) if check else None)
    leakage = count_leakage(digests.select(kept_rows), split[kept_rows], params, leak_sketches, check)
    return ReleasePlan(lights, split, reason, cluster, kept_mask, duplicate_of, duplicate_rows, moves, clusters, leakage, len(duplicate_of))


def _assign_singletons(lights: LightTable, alone: np.ndarray, plan: SplitPlan, known: np.ndarray, split: np.ndarray, reason: np.ndarray) -> None:
    """The split of each record without duplicates: its previous one if known (`known` >= 0), else the rule's."""
    was_known = alone & (known >= 0)
    split[was_known], reason[was_known] = known[was_known], REASONS.index("previous")
    split_code = {name: i for i, name in enumerate(SPLITS)}
    reason_code = {name: i for i, name in enumerate(REASONS)}
    todo = alone & (known < 0)
    for start, block in lights.batches("id", "published_local"):
        for offset, (record_id, published) in enumerate(zip(block.column("id").to_pylist(), block.column("published_local").to_pylist())):
            row = start + offset
            if todo[row]:
                name, why = rule_split(plan, record_id, published)
                split[row], reason[row] = split_code[name], reason_code[why]


def _moves(lights: LightTable, split: np.ndarray, reference: LedgerColumns | None) -> list[dict[str, str]]:
    """Ids of `reference` (an earlier release's ledger) whose split is different now, by id."""
    if reference is None or not len(reference):
        return []
    ids = lights.column("id")
    was = reference.codes_for(ids)
    rows = np.flatnonzero((was >= 0) & (was != split))
    moved = sorted(zip(ids.take(pa.array(rows)).to_pylist(), rows.tolist()))
    return [{"id": record_id, "from": SPLITS[was[row]], "to": SPLITS[split[row]]} for record_id, row in moved]


def _body_sketches(lights: LightTable, rows: np.ndarray, params: MinHashParams) -> np.ndarray | None:
    """Signatures of the given records' bodies, when the records (with bodies) are in memory."""
    records = lights.records
    if records is None or not all("body" in records[int(row)] for row in rows):
        return None
    return signatures([records[int(row)]["body"] for row in rows], params)


def count_leakage(
    fingerprints: np.ndarray | DigestColumn,
    splits: np.ndarray,
    params: MinHashParams,
    sketches: np.ndarray | SketchFile | None = None,
    check: bool = True,
) -> int:
    """Pairs of records in different splits with the same normalised body (the rows of the
    fingerprint digest matrix or DigestColumn), or with similar signatures (when `sketches` are given)."""
    if not check or len(fingerprints) < 2:
        return 0
    exact = sum(len(set(splits[same].tolist())) - 1 for same in digest_groups(fingerprints))
    if sketches is None:
        return exact
    return exact + sum(1 for i, j, _ in similar_pairs(sketches, params) if splits[i] != splits[j])

