"""Duplicate clusters: same normalised body, same URL, or MinHash near-duplicates, joined transitively.

Each cluster keeps one representative, chosen by a rule that never looks at input order:
earliest publication (undated last), then smallest id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from corpus_lib.neardup import MinHashParams, SketchFile, estimated_similarity, key_groups, row_groups, similar_pairs, word_signatures


def body_fingerprint(body: str) -> str:
    """sha256 of the body after NFC, case folding and whitespace collapsing."""
    return _words_fingerprint(unicodedata.normalize("NFC", body).casefold().split())


def _words_fingerprint(words: list[str]) -> str:
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def fingerprints_and_signatures(bodies: Sequence[str], params: MinHashParams | None) -> tuple[list[str], np.ndarray | None]:
    """[body_fingerprint(b) for b in bodies], and signatures(bodies, params) (None without params).

    Both split the casefolded text into words (~50 us a 3.5 KB body); a body that is NFC already, as
    nearly all are, is split once for both."""
    fingerprints: list[str] = []
    words_of_bodies: list[list[str]] = []
    for body in bodies:
        normal = unicodedata.normalize("NFC", body)
        words = normal.casefold().split()
        fingerprints.append(_words_fingerprint(words))
        if params is not None:
            words_of_bodies.append(words if normal == body else body.casefold().split())
    return fingerprints, word_signatures(words_of_bodies, params) if params is not None else None


def keep_order(record: Mapping[str, Any]) -> tuple:
    """Sort key of the representative rule: earliest publication (undated last), then smallest id."""
    published = record.get("published_local")
    return (published is None, published or "", record["id"])


@dataclasses.dataclass(frozen=True)
class Membership:
    """How a non-representative record relates to the kept record it duplicates."""

    representative: str  # the kept record it duplicates (its cluster's representative)
    kind: str  # "exact", "url", "near", or "bridge" (would join clusters in different splits; see splits.py)
    similarity: float


class Links:
    """Why two records belong together: the same normalised body or URL (with exact dedup), or similar
    signatures. Asked for a single cluster's members, when one has to be separated (splits.py)."""

    def __init__(
        self, records: Sequence[Mapping[str, Any]], fingerprints: list[str], signatures: Any, params: MinHashParams | None, exact: bool
    ):
        self.records, self.fingerprints, self.signatures, self.params, self.exact = records, fingerprints, signatures, params, exact
        self._row: dict[str, int] | None = None

    def row(self, record_id: str) -> int:
        if self._row is None:
            self._row = {r["id"]: i for i, r in enumerate(self.records)}
        return self._row[record_id]

    def record(self, record_id: str) -> Mapping[str, Any]:
        return self.records[self.row(record_id)]

    def membership(self, i: int, rep: int) -> Membership:
        """Record row i as a member of the cluster whose representative is row `rep`."""
        if self.fingerprints[i] == self.fingerprints[rep]:
            kind, similarity = "exact", 1.0
        elif self.records[i].get("url") and self.records[i].get("url") == self.records[rep].get("url"):
            kind, similarity = "url", 1.0
        else:
            kind = "near"
            similarity = estimated_similarity(self.signatures[i], self.signatures[rep]) if self.signatures is not None else 0.0
        return Membership(self.records[rep]["id"], kind, round(similarity, 4))

    def similarity(self, a: str, b: str) -> float:
        return self.membership(self.row(a), self.row(b)).similarity

    def adjacency(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """Direct links among `ids` over all pairs (not only LSH candidates): same body or URL with
        exact dedup, or estimated similarity at the threshold. Quadratic: for one cluster at a time."""
        rows = [self.row(i) for i in ids]
        linked: dict[str, set[str]] = {i: set() for i in ids}
        if self.exact:
            same: dict[str, list[str]] = {}
            for record_id, row in zip(ids, rows):
                same.setdefault(f"body:{self.fingerprints[row]}", []).append(record_id)
                if self.records[row].get("url"):
                    same.setdefault(f"url:{self.records[row]['url']}", []).append(record_id)
            for group in same.values():
                for record_id in group:
                    linked[record_id].update(group)
        if self.signatures is not None and self.params is not None and ids:
            matrix = np.stack([np.asarray(self.signatures[r]) for r in rows])
            for a, record_id in enumerate(ids):
                for b in np.flatnonzero((matrix[a + 1 :] == matrix[a]).mean(axis=1) >= self.params.threshold) + a + 1:
                    linked[record_id].add(ids[b])
                    linked[ids[b]].add(record_id)
        for record_id in ids:
            linked[record_id].discard(record_id)
        return linked


@dataclasses.dataclass
class Clusters:
    representative_of: dict[str, str]  # every id -> the id of its cluster's representative
    members: dict[str, Membership]  # non-representative ids only
    near_pairs: int  # verified near-duplicate pairs found
    links: Links | None = dataclasses.field(default=None, compare=False, repr=False)

    def cluster_ids(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for record_id, rep in sorted(self.representative_of.items()):
            groups.setdefault(rep, []).append(record_id)
        return groups

    def separate(self, groups: Sequence[Sequence[str]], bridges: Mapping[str, str]) -> list[str]:
        """Replace one cluster by `groups`, each a cluster of its own with a representative by the keep
        rule; each id in `bridges` becomes a 'bridge' duplicate of the representative of the group that
        holds the id it maps to. Returns the groups' representatives."""
        links = self.links
        reps = []
        group_rep: dict[str, str] = {}
        for ids in groups:
            rep = min(ids, key=lambda i: keep_order(links.record(i)))
            reps.append(rep)
            for record_id in ids:
                group_rep[record_id] = rep
                self.representative_of[record_id] = rep
                self.members.pop(record_id, None)
                if record_id != rep:
                    self.members[record_id] = links.membership(links.row(record_id), links.row(rep))
        for record_id, target in sorted(bridges.items()):
            rep = group_rep[target]
            self.representative_of[record_id] = rep
            self.members[record_id] = Membership(rep, "bridge", round(links.similarity(record_id, rep), 4))
        return reps


class _UnionFind:
    """Disjoint sets over 0..n-1 with path halving; the smaller index becomes the root (4 bytes a row)."""

    def __init__(self, n: int):
        self.parent = np.arange(n, dtype=np.int64 if n >= 2**31 else np.int32)

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> np.ndarray:
        """The root of every row: its cluster's smallest row."""
        parent = self.parent
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand


def digest_matrix(fingerprints: Sequence[str]) -> np.ndarray:
    """Hex sha256 fingerprints as a (n x 32) uint8 matrix."""
    return np.frombuffer(b"".join(bytes.fromhex(f) for f in fingerprints), dtype=np.uint8).reshape(len(fingerprints), 32)


def digest_prefixes(digests: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each row of a (n x 32) digest matrix, as uint64 (ordered as the bytes are)."""
    return np.ascontiguousarray(digests[:, :8]).view(">u8").ravel().astype(np.uint64)


class DigestColumn:
    """A sha256 digest per row, for finding the rows that share one: what is held is the first 8
    bytes of each (8 bytes a row, not 32); the whole digests are fetched only for the rows whose
    prefixes are shared. `fetch(rows)` gives the (len(rows) x 32) digests of the rows asked for."""

    def __init__(self, prefixes: np.ndarray, fetch: Callable[[np.ndarray], np.ndarray]):
        self.prefixes = prefixes
        self._fetch = fetch

    @classmethod
    def of(cls, digests: np.ndarray | DigestColumn) -> DigestColumn:
        """A digest matrix held in memory (or a DigestColumn, as it is)."""
        if isinstance(digests, DigestColumn):
            return digests
        return cls(digest_prefixes(digests), lambda rows: digests[rows])

    def __len__(self) -> int:
        return len(self.prefixes)

    def full(self, rows: np.ndarray) -> np.ndarray:
        """The whole digests of `rows`, a (len(rows) x 32) uint8 matrix."""
        rows = np.asarray(rows, dtype=np.int64)
        return self._fetch(rows) if len(rows) else np.zeros((0, 32), dtype=np.uint8)

    def hex(self, rows: np.ndarray) -> list[str]:
        return [bytes(digest).hex() for digest in self.full(rows)]

    def select(self, rows: np.ndarray) -> DigestColumn:
        """The digests of `rows`, as a column of their own (row k is rows[k])."""
        rows = np.asarray(rows, dtype=np.int64)
        return DigestColumn(self.prefixes[rows], lambda wanted: self._fetch(rows[wanted]))

    def groups(self) -> list[np.ndarray]:
        """Rows that share their digest, grouped, each group ascending: grouped by the prefix, then
        checked on the whole digests, fetched for all the candidates at once."""
        candidates = key_groups(self.prefixes)
        if not candidates:
            return []
        digests = self.full(np.concatenate(candidates))
        out, at = [], 0
        for members in candidates:
            out.extend(members[same] for same in row_groups(digests[at : at + len(members)]))
            at += len(members)
        return out


def digest_groups(digests: np.ndarray | DigestColumn) -> list[np.ndarray]:
    """Rows of a (n x 32) digest matrix (or a DigestColumn) that share their digest, grouped, each
    group ascending: grouped by the first 8 bytes, then checked on all 32."""
    return DigestColumn.of(digests).groups()


def link_rows(
    n: int,
    fingerprints: np.ndarray | DigestColumn | None,
    url_codes: np.ndarray | None,
    signatures: np.ndarray | SketchFile | None,
    params: MinHashParams | None,
) -> tuple[np.ndarray, int]:
    """Join rows 0..n-1 into duplicate clusters: the same body fingerprint (a row of the (n x 32)
    digest matrix, or of a DigestColumn) or URL code (-1: none) when those are given, or similar signatures. Returns the root of
    every row (its cluster's smallest row) and the number of verified near-duplicate pairs.

    Only arrays of a few bytes a row are held (the signatures are read a chunk at a time), so this
    runs on a million records without their texts or light columns in memory.
    """
    union = _UnionFind(n)
    if fingerprints is not None and n:
        for same in digest_groups(fingerprints):
            for other in same[1:]:
                union.union(int(same[0]), int(other))
    if url_codes is not None:
        for members in key_groups(url_codes):
            if url_codes[members[0]] >= 0:
                for other in members[1:]:
                    union.union(int(members[0]), int(other))
    near = similar_pairs(signatures, params) if signatures is not None and params is not None else []
    for i, j, _ in near:
        union.union(i, j)
    return union.roots(), len(near)


def clusters_of(
    records: Sequence[Mapping[str, Any]],
    fingerprints: list[str],
    roots: np.ndarray,
    near_pairs: int,
    signatures: Any,
    params: MinHashParams | None,
    exact: bool,
) -> Clusters:
    """The Clusters of `records` (id, url, published_local), given each one's cluster root (any
    label shared by exactly the members of a cluster); `fingerprints` and `signatures` are theirs."""
    components: dict[int, list[int]] = {}
    for i, root in enumerate(roots.tolist()):
        components.setdefault(root, []).append(i)
    links = Links(records, fingerprints, signatures, params, exact)
    representative_of: dict[str, str] = {}
    members: dict[str, Membership] = {}
    for indices in components.values():
        rep = min(indices, key=lambda i: keep_order(records[i]))
        rep_id = records[rep]["id"]
        for i in indices:
            representative_of[records[i]["id"]] = rep_id
            if i != rep:
                members[records[i]["id"]] = links.membership(i, rep)
    return Clusters(representative_of, members, near_pairs, links)


def cluster_records(
    records: Sequence[Mapping[str, Any]],
    signatures: np.ndarray | None,
    params: MinHashParams | None,
    exact: bool = True,
) -> Clusters:
    """Group records into duplicate clusters. `signatures` (one row per record) enables near-dup."""
    fingerprints = [r.get("_fingerprint") or body_fingerprint(r["body"]) for r in records]
    url_codes = None
    if exact:
        code_of: dict[str, int] = {}
        url_codes = np.asarray([code_of.setdefault(r["url"], len(code_of)) if r.get("url") else -1 for r in records], dtype=np.int64)
    digests = digest_matrix(fingerprints) if exact else None
    roots, near_pairs = link_rows(len(records), digests, url_codes, signatures, params)
    return clusters_of(records, fingerprints, roots, near_pairs, signatures, params, exact)
