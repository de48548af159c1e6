"""Near-duplicate detection: MinHash signatures (rensa) over word shingles, LSH banding, verification.

Signatures are computed per record, where the record is parsed (this scales out with the
workers); banding and clustering are a global step over the signature matrix, which holds
num_perm x 4 bytes per record (512 bytes at 128 permutations) and never the texts.
"""

from __future__ import annotations

import dataclasses
import functools

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
    from rensa import RMinHash

    if not texts:
        return np.zeros((0, params.num_perm), dtype=np.uint32)
    words = RMinHash.hash_token_sets([text.casefold().split() for text in texts])
    rows = [shingle_hashes(np.asarray(w, dtype=np.uint64), params.shingle) for w in words]
    offsets = np.zeros(len(rows) + 1, dtype=np.uint64)
    np.cumsum([len(r) for r in rows], out=offsets[1:])
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(np.concatenate(rows), offsets, params.num_perm, _SEED)
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(texts), params.num_perm)


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


def similar_pairs(signatures: np.ndarray, params: MinHashParams) -> list[tuple[int, int, float]]:
    """Pairs (i < j) of rows whose estimated Jaccard similarity is at least the threshold.

    Candidates share at least one LSH band; every candidate is verified on the full signature,
    so the result does not depend on the banding beyond recall.
    """
    n = len(signatures)
    if n < 2:
        return []
    pairs: list[tuple[int, int, float]] = []
    # Identical signatures first: a star per group (similarity 1.0), and only one row of each
    # group enters the banding, so a thousand copies of one text never make a million candidates.
    copies: set[int] = set()
    for members in _groups(signatures):
        pairs.extend((members[0], other, 1.0) for other in members[1:])
        copies.update(members[1:])
    distinct_rows = np.asarray([i for i in range(n) if i not in copies])
    matrix = signatures[distinct_rows]
    bands, rows = params.bands
    candidates: set[tuple[int, int]] = set()
    for band in range(bands):
        for members in _groups(matrix[:, band * rows : (band + 1) * rows]):
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    candidates.add((int(distinct_rows[members[a]]), int(distinct_rows[members[b]])))
    for i, j in sorted(candidates):
        similarity = estimated_similarity(signatures[i], signatures[j])
        if similarity >= params.threshold:
            pairs.append((i, j, similarity))
    return sorted(pairs)


def _groups(block: np.ndarray) -> list[list[int]]:
    """Indices of rows that occur more than once, grouped by identical row, each group sorted."""
    block = np.ascontiguousarray(block)
    keys = block.view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    shared = np.flatnonzero(ends - starts > 1)  # only groups of two or more, without a Python loop over all rows
    return [sorted(int(i) for i in order[starts[g] : ends[g]]) for g in shared]


def estimated_similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))
