"""Near-duplicate detection: MinHash signatures (rensa) over word shingles, LSH banding, verification.

Signatures are computed per record, where the record is parsed (this scales out with the
workers); banding and clustering are a global step over the signature matrix, which holds
num_perm x 4 bytes per record (512 bytes at 128 permutations) and never the texts.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

def _rule() -> str:
    from rensa import RMinHash

    # rensa's algorithm version is part of the rule: a new one changes every stored signature.
    return f"corpus_lib.minhash/1+rensa.{RMinHash.ALGORITHM_VERSION}"


NEARDUP_RULE = _rule()
# Fixed seed: the same text must give the same signature on every machine and run.
_SEED = 20240328


@dataclasses.dataclass(frozen=True)
class MinHashParams:
    threshold: float = 0.8
    num_perm: int = 128
    shingle: int = 5

    @property
    def bands(self) -> tuple[int, int]:
        return optimal_bands(self.threshold, self.num_perm)


_MIX = np.uint64(0x100000001B3)  # FNV prime: combines word hashes into an order-sensitive shingle hash


def shingle_hashes(word_hashes: np.ndarray, size: int) -> np.ndarray:
    """uint64 hashes of the word n-grams; a text shorter than n words is one shingle."""
    count = len(word_hashes) - size + 1
    if count <= 1:
        combined = np.uint64(0)
        with np.errstate(over="ignore"):  # wrapping multiplication is the hash
            for value in word_hashes:
                combined = combined * _MIX ^ value
        return np.asarray([combined], dtype=np.uint64)
    out = word_hashes[:count].copy()
    for offset in range(1, size):
        out = out * _MIX ^ word_hashes[offset : offset + count]
    return out


def signatures(texts: list[str], params: MinHashParams) -> np.ndarray:
    """MinHash signatures (len(texts) x num_perm, uint32) of the texts' word shingles.

    Words are whitespace tokens of the casefolded text, hashed by rensa (stable across runs and
    machines); shingle hashes are combined in numpy; rensa computes the MinHash matrix.
    """
    return word_signatures([text.casefold().split() for text in texts], params)


def word_signatures(words_of_texts: list[list[str]], params: MinHashParams) -> np.ndarray:
    """signatures() of texts already split into casefolded words (text.casefold().split())."""
    from rensa import RMinHash

    if not words_of_texts:
        return np.zeros((0, params.num_perm), dtype=np.uint32)
    words = RMinHash.hash_token_sets(words_of_texts)
    rows = [shingle_hashes(np.asarray(w, dtype=np.uint64), params.shingle) for w in words]
    offsets = np.zeros(len(rows) + 1, dtype=np.uint64)
    np.cumsum([len(r) for r in rows], out=offsets[1:])
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(np.concatenate(rows), offsets, params.num_perm, _SEED)
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(words_of_texts), params.num_perm)


@functools.cache
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) of the LSH index: catch at least 98.5% of pairs at the threshold (candidates are
    verified on the full signature, so recall is what banding must give), and among such choices
    make the fewest candidates for pairs at half the threshold."""

    def probability(s: float, b: int, r: int) -> float:
        return 1 - (1 - s**r) ** b

    choices = [(b, num_perm // b) for b in range(1, num_perm + 1) if num_perm // b >= 1]
    good = [(b, r) for b, r in choices if probability(threshold, b, r) >= 0.985]
    if not good:
        return max(choices, key=lambda c: probability(threshold, *c))
    return min(good, key=lambda c: (probability(threshold / 2, *c), c))


def similar_pairs(signatures: np.ndarray | SketchFile, params: MinHashParams) -> list[tuple[int, int, float]]:
    """Pairs (i < j) of rows whose estimated Jaccard similarity is at least the threshold.

    Candidates share at least one LSH band; every candidate is verified on the full signature,
    so the result does not depend on the banding beyond recall. The rows are read a chunk at a
    time (a SketchFile on disk is never loaded whole): what is held is a 64-bit key per row and
    band, and one band's candidate pairs.
    """
    sketches = SketchFile.of(signatures)
    n = len(sketches)
    if n < 2:
        return []
    pairs: list[tuple[int, int, float]] = []
    # Identical signatures first: a star per group (similarity 1.0), and only one row of each
    # group enters the banding, so a thousand copies of one text never make a million candidates.
    copy = np.zeros(n, dtype=bool)
    for members in _identical_groups(sketches):
        pairs.extend((members[0], other, 1.0) for other in members[1:])
        copy[members[1:]] = True
    distinct = np.flatnonzero(~copy)
    bands, rows = params.bands
    # Each band's candidates are verified as they are found, and only the verified pairs are kept:
    # false candidates (rows that share a band by chance, or through common text) grow with the
    # square of the corpus (50k at 100k pages, 443k at 300k), so holding all of them at once did not
    # scale (a set of tuples, ~150 bytes each: about 1 GB at a million pages).
    view = sketches.select(distinct)
    per_pass = max(1, _KEY_BYTES_PER_PASS // (8 * max(1, len(distinct))))
    for first in range(0, bands, per_pass):
        spans = [(band * rows, (band + 1) * rows) for band in range(first, min(first + per_pass, bands))]
        for band, keys in enumerate(_row_keys(view, spans), start=first):
            for left, right in _shared_key_pairs(keys):
                pairs.extend(_verified(sketches, distinct[left], distinct[right], band, params))
    return sorted(pairs)


_VERIFY_PAIRS = 16384  # candidate pairs verified at a time: their rows and two gathered copies, ~2 KB a pair at 128 values


def _verified(sketches: SketchFile, left: np.ndarray, right: np.ndarray, band: int, params: MinHashParams) -> list[tuple[int, int, float]]:
    """The candidate pairs (left[k], right[k]) of `band` that are similar enough, each pair counted
    only in the first band whose values it shares (a pair that shares several is a candidate in each)."""
    bands, rows = params.bands
    found = []
    for start in range(0, len(left), _VERIFY_PAIRS):
        a, b = left[start : start + _VERIFY_PAIRS], right[start : start + _VERIFY_PAIRS]
        needed, where = np.unique(np.concatenate([a, b]), return_inverse=True)
        values = sketches.take(needed)
        equal = values[where[: len(a)]] == values[where[len(a) :]]
        # Keys are hashes: a pair whose keys collided without an equal band is no candidate here.
        shared = np.all(equal[:, : bands * rows].reshape(len(a), bands, rows), axis=2)
        first_shared = np.where(shared.any(axis=1), shared.argmax(axis=1), -1)
        similarity = equal.mean(axis=1)
        for k in np.flatnonzero((first_shared == band) & (similarity >= params.threshold)):
            found.append((int(a[k]), int(b[k]), float(similarity[k])))
    return found


# Band keys held at once: more bands, more passes over the rows. At a million rows a pass holds one
# band (8 MB); 32 MB held four, on top of the digests and the clusters, and set the global steps' peak.
_KEY_BYTES_PER_PASS = 8 * 1024 * 1024


def _row_keys(sketches: SketchFile, spans: list[tuple[int, int]]) -> list[np.ndarray]:
    """For each column span, a uint64 key per row of the span's values (equal values, equal keys)."""
    keys = [np.empty(len(sketches), dtype=np.uint64) for _ in spans]
    for start, block in sketches.chunks():
        for out, (lo, hi) in zip(keys, spans):
            out[start : start + len(block)] = _mix_columns(block[:, lo:hi])
    return keys


def _mix_columns(block: np.ndarray) -> np.ndarray:
    combined = np.zeros(len(block), dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrapping multiplication is the hash
        for column in block.T:
            combined = (combined ^ column.astype(np.uint64)) * _MIX
            combined ^= combined >> np.uint64(29)
    return combined


# Groups up to this size make their pairs in one vectorised step per offset; larger ones a slice of
# their triangle at a time.
_SMALL_GROUP = 16
# Candidate pairs made at a time: one band bucket of common text (1,217 rows of the 1M synthetic
# pages share band 14) is 740k pairs, and one band 4.4M (194 MB when made at once).
_PAIR_BLOCK = 1 << 20


def _shared_key_pairs(keys: np.ndarray, limit: int = _PAIR_BLOCK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every pair of positions (i < j) whose keys are equal, as blocks of two arrays of at most
    `limit` pairs (a group's pairs may span blocks), without a Python loop over pairs: within the
    sorted order, positions d apart pair up when they fall in one group."""
    order, starts, sizes = _equal_runs(keys)
    # The rows of the shared runs alone, in sorted order, with their run's number.
    grouped = order[np.arange(int(sizes.sum())) + np.repeat(starts - np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64), sizes)]
    group = np.repeat(np.arange(len(starts)), sizes)
    small = np.repeat(sizes <= _SMALL_GROUP, sizes)
    for offset in range(1, min(_SMALL_GROUP, int(sizes.max(initial=1)))):
        paired = np.flatnonzero((group[:-offset] == group[offset:]) & small[:-offset])
        if not len(paired):
            break
        for at in range(0, len(paired), limit):
            chunk = paired[at : at + limit]
            yield grouped[chunk].astype(np.int64), grouped[chunk + offset].astype(np.int64)
    del group, small, grouped
    for g in np.flatnonzero(sizes > _SMALL_GROUP):
        members = order[starts[g] : starts[g] + sizes[g]].astype(np.int64)
        for a, b in _triangle(len(members), limit):
            yield members[a], members[b]


def _triangle(size: int, limit: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The index pairs (a < b) of a group of `size`, in blocks of whole rows a of at most `limit`
    pairs (or one row, when a row alone is longer)."""
    a = 0
    while a < size - 1:
        # Row a has size - 1 - a pairs: take rows while the block holds them.
        counts = np.arange(size - 1 - a, 0, -1)
        rows = max(1, int(np.searchsorted(np.cumsum(counts), limit, side="right")))
        counts = counts[:rows]
        lefts = np.repeat(np.arange(a, a + rows), counts)
        # Within row r the partners are r+1, r+2, ...: position in the block minus the row's start.
        row_start = np.repeat(np.cumsum(counts) - counts, counts)
        rights = np.arange(len(lefts)) - row_start + lefts + 1
        yield lefts, rights
        a += rows


def _equal_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stable sort order of `keys` (equal keys keep ascending positions), and where each run of
    two or more equal keys starts in that order and how long it is. Only those runs: a start and a
    size for every distinct key was 16 bytes a row more for the (usual) mostly distinct keys."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    inner = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])  # i where sorted i and i + 1 are equal
    del sorted_keys
    if not len(inner):
        return order, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    breaks = np.flatnonzero(np.diff(inner) != 1)
    starts = inner[np.r_[0, breaks + 1]]
    ends = inner[np.r_[breaks, len(inner) - 1]] + 2
    return order, starts, ends - starts


def key_groups(keys: np.ndarray) -> list[np.ndarray]:
    """Positions of keys that occur more than once, grouped by key, each group ascending."""
    order, starts, sizes = _equal_runs(keys)
    return [order[start : start + size] for start, size in zip(starts.tolist(), sizes.tolist())]


def _identical_groups(sketches: SketchFile) -> list[list[int]]:
    """Rows that occur more than once, grouped by identical row, each group ascending."""
    [keys] = _row_keys(sketches, [(0, sketches.num_perm)])
    groups: list[list[int]] = []
    for members in key_groups(keys):
        block = sketches.take(members)
        groups.extend([int(members[i]) for i in same] for same in row_groups(block))
    return groups


def row_groups(block: np.ndarray) -> list[list[int]]:
    """Indices of rows that occur more than once, grouped by identical row, each group sorted."""
    block = np.ascontiguousarray(block)
    keys = block.view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()
    order, starts, sizes = _equal_runs(keys)
    return [sorted(int(i) for i in order[start : start + size]) for start, size in zip(starts.tolist(), sizes.tolist())]


def estimated_similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


class SketchFile:
    """MinHash rows (uint32 x num_perm each) in record order, in a flat file or a matrix.

    Rows are read back a chunk at a time or one at a time, with plain reads: a memory map of the
    whole file would keep every touched page resident in the process.
    """

    def __init__(self, num_perm: int, path: str | os.PathLike | None = None, matrix: np.ndarray | None = None):
        self.num_perm = num_perm
        self.path = Path(path) if path is not None else None
        self._matrix = matrix
        self._handle = None
        self._count = 0 if matrix is None else len(matrix)
        self._selected: np.ndarray | None = None  # a view of these rows of the file or matrix, in this order (select)
        if self.path is not None and matrix is None:
            self._handle = open(self.path, "w+b")  # a new, empty file

    @classmethod
    def of(cls, matrix: np.ndarray | SketchFile) -> SketchFile:
        if isinstance(matrix, SketchFile):
            return matrix
        matrix = np.asarray(matrix, dtype=np.uint32)
        return cls(matrix.shape[1] if matrix.ndim == 2 else 0, matrix=matrix.reshape(len(matrix), -1))

    @property
    def row_bytes(self) -> int:
        return 4 * self.num_perm

    def append(self, rows: bytes | bytearray) -> None:
        if len(rows) % self.row_bytes:
            raise ValueError(f"{len(rows)} bytes is not a whole number of {self.num_perm}-value rows")
        self._handle.write(rows)
        self._count += len(rows) // self.row_bytes

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __len__(self) -> int:
        return self._count if self._selected is None else len(self._selected)

    def select(self, rows: np.ndarray) -> SketchFile:
        """These rows (of this view), in this order, as a view."""
        rows = np.asarray(rows, dtype=np.int64)
        base = rows if self._selected is None else self._selected[rows]
        view = SketchFile.__new__(SketchFile)
        view.__dict__.update(self.__dict__)
        view._selected = base
        return view

    def _physical(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._selected is None else self._selected[rows]

    def _read_physical(self, rows: np.ndarray) -> np.ndarray:
        if self._matrix is not None:
            return self._matrix[rows]
        self.flush()
        out = np.empty((len(rows), self.num_perm), dtype=np.uint32)
        fd = self._handle.fileno()
        # Runs of consecutive rows are one read each.
        starts = np.flatnonzero(np.r_[True, np.diff(rows) != 1]) if len(rows) else np.zeros(0, dtype=np.int64)
        ends = np.r_[starts[1:], len(rows)]
        for start, end in zip(starts, ends):
            wanted = int(end - start) * self.row_bytes
            if os.preadv(fd, [memoryview(out[start:end]).cast("B")], int(rows[start]) * self.row_bytes) != wanted:
                raise OSError(f"{self.path}: short read of MinHash rows")
        return out

    def take(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows at these positions (of this view) as a matrix."""
        return self._read_physical(self._physical(np.asarray(rows, dtype=np.int64)))

    def __getitem__(self, row: int) -> np.ndarray:
        return self.take([int(row)])[0]

    def chunks(self, size: int = 16384) -> Iterator[tuple[int, np.ndarray]]:
        """(first position, matrix of rows) over the whole view, `size` rows at a time."""
        for start in range(0, len(self), size):
            yield start, self.take(np.arange(start, min(start + size, len(self))))

    def matrix(self) -> np.ndarray:
        """Every row in memory (small views only)."""
        return self.take(np.arange(len(self)))
