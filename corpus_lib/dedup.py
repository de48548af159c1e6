"""Duplicate clusters: same normalised body, same URL, or MinHash near-duplicates, joined transitively.

Each cluster keeps one representative, chosen by a rule that never looks at input order:
earliest publication (undated last), then smallest id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
from typing import Any, Mapping, Sequence

import numpy as np

from corpus_lib.neardup import MinHashParams, estimated_similarity, similar_pairs


def body_fingerprint(body: str) -> str:
    """sha256 of the body after NFC, case folding and whitespace collapsing."""
    normal = " ".join(unicodedata.normalize("NFC", body).casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def keep_order(record: Mapping[str, Any]) -> tuple:
    """Sort key of the representative rule: earliest publication (undated last), then smallest id."""
    published = record.get("published_local")
    return (published is None, published or "", record["id"])


@dataclasses.dataclass(frozen=True)
class Membership:
    """How a non-representative record relates to its cluster's representative."""

    representative: str
    kind: str  # "exact", "url" or "near"
    similarity: float


@dataclasses.dataclass
class Clusters:
    representative_of: dict[str, str]  # every id -> the id of its cluster's representative
    members: dict[str, Membership]  # non-representative ids only
    near_pairs: int  # verified near-duplicate pairs found

    def cluster_ids(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for record_id, rep in sorted(self.representative_of.items()):
            groups.setdefault(rep, []).append(record_id)
        return groups


class _UnionFind:
    """Disjoint sets over 0..n-1 with path halving; the smaller index becomes the root."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster_records(
    records: Sequence[Mapping[str, Any]],
    signatures: np.ndarray | None,
    params: MinHashParams | None,
    exact: bool = True,
) -> Clusters:
    """Group records into duplicate clusters. `signatures` (one row per record) enables near-dup."""
    n = len(records)
    union = _UnionFind(n)
    fingerprints = [r.get("_fingerprint") or body_fingerprint(r["body"]) for r in records]
    if exact:
        first_with: dict[str, int] = {}
        for i, (record, fingerprint) in enumerate(zip(records, fingerprints)):
            for key in (f"body:{fingerprint}", f"url:{record['url']}" if record.get("url") else None):
                if key is None:
                    continue
                if key in first_with:
                    union.union(first_with[key], i)
                else:
                    first_with[key] = i
    near = similar_pairs(signatures, params) if signatures is not None and params is not None else []
    for i, j, _ in near:
        union.union(i, j)

    components: dict[int, list[int]] = {}
    for i in range(n):
        components.setdefault(union.find(i), []).append(i)
    representative_of: dict[str, str] = {}
    members: dict[str, Membership] = {}
    for indices in components.values():
        rep = min(indices, key=lambda i: keep_order(records[i]))
        rep_id = records[rep]["id"]
        for i in indices:
            representative_of[records[i]["id"]] = rep_id
            if i == rep:
                continue
            if fingerprints[i] == fingerprints[rep]:
                kind, similarity = "exact", 1.0
            elif records[i].get("url") and records[i].get("url") == records[rep].get("url"):
                kind, similarity = "url", 1.0
            else:
                kind = "near"
                similarity = estimated_similarity(signatures[i], signatures[rep]) if signatures is not None else 0.0
            members[records[i]["id"]] = Membership(rep_id, kind, round(similarity, 4))
    return Clusters(representative_of, members, len(near))
