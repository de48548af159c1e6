"""Exact and near-duplicate clusters, and the splits they get."""

from __future__ import annotations

import hashlib
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.dedup import DigestColumn, body_fingerprint, cluster_records, digest_groups, fingerprints_and_signatures
from corpus_lib.neardup import MinHashParams, optimal_bands, signatures, similar_pairs

PARAMS = MinHashParams()
_WORDS = [f"w{i}" for i in range(3000)]


def article(seed: int, words: int = 300) -> str:
    rnd = random.Random(seed)
    return " ".join(rnd.choice(_WORDS) for _ in range(words))


def edit(text: str, changes: int, seed: int) -> str:
    rnd = random.Random(seed)
    words = text.split()
    for _ in range(changes):
        words[rnd.randrange(len(words))] = rnd.choice(_WORDS)
    return " ".join(words)


def record(i: int, body: str, published: str | None = None, url: str | None = None) -> dict:
    return {"id": f"{i:016x}", "body": body, "published_local": published, "url": url}


def test_fingerprint_ignores_case_space_and_unicode_form():
    assert body_fingerprint("Café  au\nlait") == body_fingerprint("CAFÉ au   lait")
    assert body_fingerprint("Cafe\u0301 au lait") == body_fingerprint("Café au lait")
    assert body_fingerprint("Café au lait") != body_fingerprint("Café au lait noir")


def test_signatures_are_stable_and_shaped():
    texts = [article(1), article(2)]
    a, b = signatures(texts, PARAMS), signatures(list(texts), PARAMS)
    assert a.shape == (2, 128) and a.dtype == np.uint32
    assert np.array_equal(a, b)
    assert np.array_equal(signatures(texts[:1], PARAMS)[0], a[0])  # independent of the batch


def test_bands_catch_pairs_at_the_threshold():
    bands, rows = optimal_bands(0.8, 128)
    assert bands * rows <= 128
    assert 1 - (1 - 0.8**rows) ** bands >= 0.985


def test_near_duplicates_cluster_and_the_earliest_is_kept():
    base = article(7)
    records = [
        record(3, base, "2021-05-18"),
        record(1, edit(base, 4, 1), "2021-05-20"),  # ~0.9 similar
        record(2, article(8), "2021-05-19"),
        record(4, base.upper(), "2021-05-21"),  # exact after case folding
        record(5, article(9), url="https://x.example/a"),
        record(6, article(10), url="https://x.example/a"),  # same URL
    ]
    clusters = cluster_records(records, signatures([r["body"] for r in records], PARAMS), PARAMS)
    groups = sorted(sorted(ids) for ids in clusters.cluster_ids().values() if len(ids) > 1)
    assert groups == [[f"{1:016x}", f"{3:016x}", f"{4:016x}"], [f"{5:016x}", f"{6:016x}"]]
    assert clusters.members[f"{1:016x}"].representative == f"{3:016x}"
    assert clusters.members[f"{1:016x}"].kind == "near" and 0.8 <= clusters.members[f"{1:016x}"].similarity < 1
    assert clusters.members[f"{4:016x}"].kind == "exact"
    assert clusters.members[f"{6:016x}"].kind == "url"
    # Undated records lose to dated ones, then the smaller id wins.
    assert clusters.representative_of[f"{6:016x}"] == f"{5:016x}"


def test_many_copies_do_not_explode():
    records = [record(i, article(1)) for i in range(500)]
    sketches = signatures([r["body"] for r in records], PARAMS)
    assert len(similar_pairs(sketches, PARAMS)) == 499  # a star, not 124,750 pairs
    assert len(set(cluster_records(records, sketches, PARAMS).representative_of.values())) == 1


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 40)), min_size=2, max_size=25), st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_order(spec, rnd):
    records = [record(i, edit(article(base), changes, i)) for i, (base, changes) in enumerate(spec)]
    shuffled = list(records)
    rnd.shuffle(shuffled)

    def run(rs):
        clusters = cluster_records(rs, signatures([r["body"] for r in rs], PARAMS), PARAMS)
        return clusters.representative_of, clusters.members

    assert run(records) == run(shuffled)


def test_signature_values_are_pinned():
    """A stored ledger and the leakage check rely on signatures never changing under the same rule."""
    from corpus_lib.neardup import NEARDUP_RULE

    sketch = signatures(["the quick brown fox jumps over the lazy dog again and again"], PARAMS)[0]
    assert NEARDUP_RULE == "corpus_lib.minhash/1+rensa.2"
    assert hashlib.sha256(sketch.tobytes()).hexdigest()[:16] == PINNED


PINNED = "e0732e70ecdfaf13"  # sha256 of the signature under corpus_lib.minhash/1 with rensa algorithm 2


def test_digest_column_groups_as_the_whole_digests_do():
    """A DigestColumn holds 8-byte prefixes and fetches whole digests for the rows that share one:
    rows that share a prefix but differ after it are not grouped; its groups are the matrix's."""
    rng = np.random.default_rng(5)
    matrix = rng.integers(0, 256, size=(300, 32), dtype=np.uint8)
    matrix[[10, 20, 30]] = matrix[7]  # four equal digests
    matrix[[40, 50]] = matrix[8]
    matrix[50, 31] ^= 1  # same prefix as 8 and 40, one bit off at the end
    matrix[60, :8] = matrix[9, :8]  # a prefix shared, nothing else
    fetched = []
    column = DigestColumn.of(matrix)

    def reference(m):
        groups = {}
        for row in range(len(m)):
            groups.setdefault(bytes(m[row]), []).append(row)
        return sorted(g for g in groups.values() if len(g) > 1)

    lazy = DigestColumn(column.prefixes, lambda rows: fetched.append(len(rows)) or matrix[rows])
    assert sorted(g.tolist() for g in lazy.groups()) == reference(matrix) == [[7, 10, 20, 30], [8, 40]]
    assert fetched == [9]  # only the rows whose prefix is shared: 7,10,20,30 / 8,40,50 / 9,60
    assert [g.tolist() for g in digest_groups(matrix)] == [g.tolist() for g in lazy.groups()]
    picked = lazy.select(np.array([50, 8, 3, 40]))
    assert [g.tolist() for g in picked.groups()] == [[1, 3]]
    assert picked.hex(np.array([0])) == [bytes(matrix[50]).hex()]
    assert len(picked) == 4 and DigestColumn.of(picked) is picked


# Bodies with decomposed accents (not NFC), case, and odd whitespace: split once or twice, the same numbers.
_BODY = st.lists(st.sampled_from(["a", "B", "é", "e\u0301", "İ", "ß", "Σ", " ", "\n", "\t", "ﬁ", "\u00a0"]), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_BODY, max_size=8))
def test_fingerprints_and_signatures_equal_their_one_at_a_time_definitions(bodies):
    fingerprints, sketches = fingerprints_and_signatures(bodies, PARAMS)
    assert fingerprints == [body_fingerprint(b) for b in bodies]
    assert np.array_equal(sketches, signatures(bodies, PARAMS))
    assert fingerprints_and_signatures(bodies, None) == (fingerprints, None)
